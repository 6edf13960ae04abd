"""The PyTorch side of benchmarks/conv.mjs: conv2d (with bias) forward and forward + both backward
passes, max-pool forward and forward + backward, median milliseconds per call (pytorch_kernels.py's
median_ms), on N threads (argv[1], default 2). Reads the cases as JSON on stdin and prints one JSON
object: {"torch", "threads", "ms": {"<case id>|<pass>": ms}}. Run by conv.mjs once per round."""
import json, os, sys
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_kernels import median_ms

def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    cases = json.loads(sys.stdin.read())
    out = {}
    for c in cases:
        x = torch.randn(c["x"])
        if c["kind"] == "conv":
            w = torch.randn(c["w"]); b = torch.randn(c["w"][0])
            conv = lambda x, w, b: F.conv2d(x, w, b, stride=c["stride"], padding=c["padding"])
            with torch.no_grad():
                out[c["id"] + "|forward"] = median_ms(lambda: conv(x, w, b))
            leaves = [t.clone().requires_grad_() for t in (x, w, b)]
            g = torch.randn(conv(x, w, b).shape)
            def forward_backward():
                for t in leaves: t.grad = None
                conv(*leaves).backward(g)
        else:
            pool = lambda x: F.max_pool2d(x, c["kernel"], stride=c["stride"])
            with torch.no_grad():
                out[c["id"] + "|forward"] = median_ms(lambda: pool(x))
            leaves = [x.clone().requires_grad_()]
            g = torch.randn(pool(x).shape)
            def forward_backward():
                leaves[0].grad = None
                pool(leaves[0]).backward(g)
        out[c["id"] + "|fwd+bwd"] = median_ms(forward_backward)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": out}))

if __name__ == "__main__":
    main()
