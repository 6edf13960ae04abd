// Seconds per epoch of the MNIST VAE (batch 128, Adam 1e-3), tensorgrad and PyTorch, one after the
// other on the same machine, on the same IDX files.
//   bash benchmarks/setup.sh   (once: Debian's python3-torch)
//   node benchmarks/vae-epoch.mjs [--epochs 1] [--limit-train N]          → results/vae-epoch-wasm.json
//   node benchmarks/vae-epoch.mjs --backend cpu                           → results/vae-epoch.json (the reference backend)
//   sh scripts/with-display.sh node benchmarks/vae-epoch.mjs --backend gpu --skip-pytorch
//                                                                        → results/vae-epoch-gpu.json
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo, getNumThreads } from '@tensorgrad/core';
import { defaultMnistDir } from '@tensorgrad/nn';
import { train } from '@tensorgrad/vae';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' }, 'limit-train': { type: 'string' },
    backend: { type: 'string', default: 'wasm' }, 'skip-pytorch': { type: 'boolean', default: false },
  },
});
const backend = values.backend;
const epochs = Number(values.epochs);
const limitTrain = values['limit-train'] === undefined ? undefined : Number(values['limit-train']);
const data = defaultMnistDir();

// The JS heap after a full collection, before training and after each epoch: a steady-state loop
// must not grow it (run with --expose-gc, as `npx pnpm@10 bench` does; otherwise no collection is forced).
const heapMB = () => {
  globalThis.gc?.();
  return Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1));
};
const heap = [heapMB()];
console.log(`tensorgrad (${backend} backend): ${epochs} epoch(s)…`);
const ours = await train({
  onEpoch: () => heap.push(heapMB()),
  epochs, batchSize: 128, lr: 1e-3, seed: 1, data, out: mkdtempSync(join(tmpdir(), 'bench-vae-')), latent: 20, hidden: 400,
  resume: false, backend, limitTrain, samples: 8, stdout: { write: () => true, isTTY: false },
});
const info = backendInfo();

if (!values['skip-pytorch']) console.log('PyTorch: same model, recipe and data…');
const py = values['skip-pytorch'] ? null : spawnSync('/usr/bin/python3', [
  new URL('./pytorch_vae.py', import.meta.url).pathname, '--epochs', String(epochs), '--threads', String(getNumThreads()), '--data', data,
  ...(limitTrain === undefined ? [] : ['--limit-train', String(limitTrain)]),
], { encoding: 'utf8' });
const torch = py?.status === 0 ? py.stdout.trim().split('\n').map((l) => JSON.parse(l)) : null;
if (py !== null && torch === null) console.log(`PyTorch did not run (bash benchmarks/setup.sh installs it): ${py.error?.message ?? py.stderr.slice(-300)}`);

const rows = ours.map((m, i) => ({
  epoch: m.epoch,
  [`tensorgrad ${backend} s`]: m.seconds,
  'PyTorch s': torch?.[i]?.seconds ?? null,
  [`tensorgrad ${backend} test loss`]: Number(m.test_loss.toFixed(2)),
  'PyTorch test loss': torch ? Number(torch[i].test_loss.toFixed(2)) : null,
}));
console.table(rows);
const out = new URL(backend === 'cpu' ? './results/vae-epoch.json' : `./results/vae-epoch-${backend}.json`, import.meta.url);
console.log(`heap after a full GC, before training and after each epoch (MB): ${heap.join(', ')}`);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, threads: getNumThreads(), backend: info, limitTrain: limitTrain ?? null, heapMB: { beforeTraining: heap[0], afterEpoch: heap.slice(1), gcForced: globalThis.gc !== undefined }, rows }, null, 1));
console.log(`wrote ${out.pathname}`);
