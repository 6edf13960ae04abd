// The ConvVAE's test loss after one epoch, tensorgrad against PyTorch, over several seeds each
// (weights, noise and shuffling all follow the seed, so the seeds give each library's spread):
// the quality target is that the two means lie within 1 % of each other.
//   node benchmarks/convvae-quality.mjs [--seeds 1,2,3]   → results/convvae-quality.json
// Quality only: timings come from vae-epoch.mjs --model conv, interleaved.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultMnistDir } from '@tensorgrad/nn';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' } } });
const seeds = values.seeds.split(',').map(Number);
const here = (p) => new URL(p, import.meta.url).pathname;
const cli = here('../packages/vae/dist/cli.js');
const rows = [];
for (const seed of seeds) {
  const out = mkdtempSync(join(tmpdir(), 'convvae-'));
  const t = spawnSync(process.execPath, [cli, 'train', '--model', 'conv', '--epochs', '1', '--seed', String(seed), '--out', out], { encoding: 'utf8', env: { ...process.env, TENSORGRAD_NUM_THREADS: '2' } });
  if (t.status !== 0) throw new Error(`tensorgrad seed ${seed}: ${t.stderr.slice(-400)}`);
  const ours = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').pop());
  const py = spawnSync('/usr/bin/python3', [here('./pytorch_vae.py'), '--model', 'conv', '--epochs', '1', '--seed', String(seed), '--threads', '2', '--data', defaultMnistDir()], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`PyTorch seed ${seed}: ${py.stderr.slice(-400)}`);
  const theirs = JSON.parse(py.stdout.trim().split('\n').pop());
  rows.push({ seed, tensorgrad: ours.test_loss, pytorch: theirs.test_loss });
  console.log(`seed ${seed}: tensorgrad ${ours.test_loss.toFixed(3)}, PyTorch ${theirs.test_loss.toFixed(3)}`);
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const tg = rows.map((r) => r.tensorgrad), pt = rows.map((r) => r.pytorch);
const report = {
  date: new Date().toISOString(), command: `node benchmarks/convvae-quality.mjs --seeds ${values.seeds}`, rows,
  tensorgrad: { mean: mean(tg), min: Math.min(...tg), max: Math.max(...tg) },
  pytorch: { mean: mean(pt), min: Math.min(...pt), max: Math.max(...pt) },
  relativeDifferenceOfMeans: (mean(tg) - mean(pt)) / mean(pt),
};
console.log(`means: tensorgrad ${report.tensorgrad.mean.toFixed(3)}, PyTorch ${report.pytorch.mean.toFixed(3)}, difference ${(100 * report.relativeDifferenceOfMeans).toFixed(2)} %`);
writeFileSync(here('./results/convvae-quality.json'), JSON.stringify(report, null, 1));
