// One tensorgrad VAE training run in a fresh process, for vae-epoch.mjs: prints one JSON line per
// epoch ({ seconds, test_loss, heapMB, wasmMB }) and nothing else on stdout: the JS heap after a
// full collection and the wasm module's memory, which must stay flat from epoch to epoch.
//   node benchmarks/vae-epoch-child.mjs [--epochs 1] [--model mlp|conv] [--backend wasm] [--limit-train N]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '@tensorgrad/core';
import { defaultMnistDir } from '@tensorgrad/nn';
import { train } from '@tensorgrad/vae';

const { values } = parseArgs({
  options: { epochs: { type: 'string', default: '1' }, model: { type: 'string', default: 'mlp' }, backend: { type: 'string', default: 'wasm' }, 'limit-train': { type: 'string' } },
});
// The JS heap after a full collection (with --expose-gc): a steady-state loop must not grow it.
const heapMB = () => {
  globalThis.gc?.();
  return Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1));
};
/** The wasm module's memory (it only grows: a leak shows as growth after the first epoch). */
const wasmMB = () => {
  const bytes = backendInfo().memoryBytes;
  return typeof bytes === 'number' ? Number((bytes / 2 ** 20).toFixed(1)) : null;
};
const limitTrain = values['limit-train'] === undefined ? undefined : Number(values['limit-train']);
await train({
  onEpoch: (m) => console.log(JSON.stringify({ epoch: m.epoch, seconds: m.seconds, test_loss: m.test_loss, heapMB: heapMB(), wasmMB: wasmMB() })),
  epochs: Number(values.epochs), batchSize: 128, lr: 1e-3, seed: 1, data: defaultMnistDir(), out: mkdtempSync(join(tmpdir(), 'bench-vae-')),
  latent: 20, hidden: 400, model: values.model, resume: false, backend: values.backend, limitTrain, samples: 8, stdout: { write: () => true, isTTY: false },
});
