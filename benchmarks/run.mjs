// Every benchmark, one after the other, each in a fresh process (the machine otherwise idle), then
// the report: `npx pnpm@10 bench` builds first and provides the X display gpu.js's headless-gl needs.
//   kernels.mjs       matmul, elementwise and sum: tensorgrad cpu/wasm × 1/2 threads, tfjs, jax-js, naive JS, PyTorch
//   conv.mjs          conv2d forward and forward+backward, its gemms, max-pool: wasm backend, tfjs-wasm, jax-js, PyTorch
//   gpu-matmul.mjs    matmul in every gpu.js mode (Node and Chromium) next to the cpu and wasm backends
//   vae-epoch.mjs     VAE epochs: the wasm backend on Node 20 and 24, and PyTorch, interleaved over 3
//                     rounds (medians, spreads, ratios within each round); the ConvVAE the same way;
//                     then the reference cpu backend alone
//   report.mjs        benchmarks/README.md tables and results/matmul.svg
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const steps = [
  ['kernels.mjs'],
  ['conv.mjs'],
  ['gpu-matmul.mjs'],
  ['vae-epoch.mjs', '--rounds', '3', '--nodes', '20,24'],
  ['vae-epoch.mjs', '--rounds', '3', '--model', 'conv'],
  ['vae-epoch.mjs', '--backend', 'cpu', '--skip-pytorch', '--rounds', '1'],
  ['report.mjs'],
];
for (const args of steps) {
  const file = args.find((a) => a.endsWith('.mjs'));
  console.log(`\n== node ${args.join(' ')}`);
  const r = spawnSync(process.execPath, args.map((a) => (a === file ? here(a) : a)), { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${file} failed (exit ${r.status}); the results it would have written are unchanged`);
    process.exitCode = 1;
  }
}
