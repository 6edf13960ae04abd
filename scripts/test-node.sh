#!/usr/bin/env bash
# Runs the test suite under another Node.js major version (default 24), taken from the npm
# registry's `node` package; the machine's own Node (20, which installed and built everything)
# stays as it is. Run it after `npx --yes pnpm@10 test`, which builds what the tests import.
#
# One thing cannot follow: headless-gl, the gpu backend's WebGL in Node, is a native addon compiled
# at install time for the installing Node's ABI, and compiling it for another version needs that
# version's C++ headers, which node-gyp downloads from nodejs.org (not the npm registry). So under
# the other version the gpu backend runs in gpu.js's CPU mode (the gpu project's op suites still
# run), and the two files that test real WebGL textures are left out here; they run under Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-24}"
node_bin="$(npx --yes -p "node@$major" which node | tail -n 1)"
export PATH="$(dirname "$node_bin"):$PATH"
echo "test-node: running the suite under Node $(node --version) ($node_bin)"
TENSORGRAD_TEST_SKIP=packages/core/test/gpu.test.ts,packages/vae/test/gpu.test.ts sh scripts/with-display.sh npx vitest run
