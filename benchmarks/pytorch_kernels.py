"""The kernel rows of benchmarks/kernels.mjs in PyTorch (Debian's python3-torch + OpenBLAS): median
milliseconds per call, 2 threads. Prints one JSON object. Run by kernels.mjs when torch is installed;
pytorch_conv.py imports its timing (median_ms)."""
import json, statistics, sys, time
import torch

def median_ms(f, budget=0.5):
    f()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget or len(times) < 5:
        t = time.perf_counter(); f(); times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)

def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    cases = json.loads(sys.stdin.read())
    out = {}
    for c in cases:
        if c["kind"] == "matmul":
            a = torch.randn(c["a"]); b = torch.randn(c["b"])
            A = a.t() if c["ta"] else a; B = b.t() if c["tb"] else b
            out[c["id"]] = median_ms(lambda: torch.matmul(A, B))
        else:
            x = torch.randn(c["size"]); y = torch.randn(c["size"])
            f = {"add": lambda: x + y, "exp": lambda: torch.exp(x), "sigmoid": lambda: torch.sigmoid(x), "sum": lambda: x.sum()}[c["op"]]
            out[c["id"]] = median_ms(f)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": out}))

if __name__ == "__main__":
    main()
