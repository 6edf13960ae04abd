#!/usr/bin/env bash
# The peer side of the benchmarks: Debian's PyTorch, with OpenBLAS (without it torch uses a slow reference BLAS).
set -euo pipefail
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread
fi
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
