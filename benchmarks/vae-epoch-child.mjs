// One tensorgrad VAE training run in a fresh process, for vae-epoch.mjs: prints one JSON line per
// epoch ({ seconds, test_loss, heapMB }) and nothing else on stdout.
//   node benchmarks/vae-epoch-child.mjs [--epochs 1] [--model mlp|conv] [--backend wasm] [--limit-train N]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
const limitTrain = values['limit-train'] === undefined ? undefined : Number(values['limit-train']);
await train({
  onEpoch: (m) => console.log(JSON.stringify({ epoch: m.epoch, seconds: m.seconds, test_loss: m.test_loss, heapMB: heapMB() })),
  epochs: Number(values.epochs), batchSize: 128, lr: 1e-3, seed: 1, data: defaultMnistDir(), out: mkdtempSync(join(tmpdir(), 'bench-vae-')),
  latent: 20, hidden: 400, model: values.model, resume: false, backend: values.backend, limitTrain, samples: 8, stdout: { write: () => true, isTTY: false },
});
