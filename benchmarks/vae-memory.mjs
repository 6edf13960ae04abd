// Memory over a long training run: the MNIST VAE for --epochs epochs (default 20) in one process,
// reporting after every epoch the JS heap after a full collection and the wasm module's memory
// (which only grows: a leak shows as growth epoch after epoch). Timings here are incidental (they
// come from vae-epoch.mjs, interleaved); this file is about memory staying bounded.
//   node benchmarks/vae-memory.mjs [--epochs 20] [--model mlp|conv]   → results/vae-memory-<model>.json
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '20' }, model: { type: 'string', default: 'mlp' } } });
const here = (p) => new URL(p, import.meta.url).pathname;
const run = spawnSync(process.execPath, ['--expose-gc', here('./vae-epoch-child.mjs'), '--epochs', values.epochs, '--model', values.model], {
  encoding: 'utf8', env: { ...process.env, TENSORGRAD_NUM_THREADS: '2' }, maxBuffer: 1 << 24,
});
if (run.status !== 0) throw new Error(`vae-epoch-child.mjs failed: ${run.stderr.slice(-600)}`);
const epochs = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
const span = (key, from) => {
  const xs = epochs.slice(from).map((e) => e[key]);
  return { min: Math.min(...xs), max: Math.max(...xs) };
};
const report = {
  date: new Date().toISOString(), node: process.version, model: values.model,
  command: `node benchmarks/vae-memory.mjs --epochs ${values.epochs}${values.model === 'mlp' ? '' : ` --model ${values.model}`}`,
  epochs,
  // From the second epoch on the loop's sizes repeat: the heap and the module's memory must stay flat.
  fromEpoch2: { heapMB: span('heapMB', 1), wasmMB: span('wasmMB', 1) },
};
const out = here(`./results/vae-memory-${values.model}.json`);
writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
for (const e of epochs) console.log(`epoch ${e.epoch}: heap ${e.heapMB} MB, wasm memory ${e.wasmMB} MB, test loss ${e.test_loss.toFixed(3)}`);
console.log(`from epoch 2: heap ${report.fromEpoch2.heapMB.min}–${report.fromEpoch2.heapMB.max} MB, wasm ${report.fromEpoch2.wasmMB.min}–${report.fromEpoch2.wasmMB.max} MB → ${out}`);
