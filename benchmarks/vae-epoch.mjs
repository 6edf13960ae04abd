// Seconds per epoch of the MNIST VAE (batch 128, Adam 1e-3): tensorgrad under one or more Node.js
// versions and PyTorch, interleaved. Each round runs one fresh process per runner (the order
// rotating from round to round), each training `--epochs` epochs on the same IDX files; the
// report gives each runner's median with its min–max over the rounds, and the ratios taken within
// each round (tensorgrad ÷ PyTorch, and each Node ÷ the first), as medians with their min–max.
//   bash benchmarks/setup.sh   (once: Debian's python3-torch)
//   node benchmarks/vae-epoch.mjs [--rounds 3] [--nodes 20,24] [--model mlp|conv] [--epochs 1] [--limit-train N]
//        → results/vae-epoch-wasm.json (results/vae-epoch-conv.json for --model conv)
//   node benchmarks/vae-epoch.mjs --backend cpu --skip-pytorch --rounds 1   → results/vae-epoch.json
// Node versions other than this process's come from the npm registry (`npx -p node@24`).
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultMnistDir } from '@tensorgrad/nn';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, epochs: { type: 'string', default: '1' }, 'limit-train': { type: 'string' },
    nodes: { type: 'string', default: process.versions.node.split('.')[0] }, model: { type: 'string', default: 'mlp' },
    backend: { type: 'string', default: 'wasm' }, 'skip-pytorch': { type: 'boolean', default: false }, threads: { type: 'string', default: '2' },
  },
});
const rounds = Number(values.rounds), threads = values.threads;
const limit = values['limit-train'] === undefined ? [] : ['--limit-train', values['limit-train']];
const here = (p) => new URL(p, import.meta.url).pathname;

/** A Node binary of each major asked for: this one, or the npm registry's. */
function nodeBinary(major) {
  if (major === process.versions.node.split('.')[0]) return process.execPath;
  return execFileSync('npx', ['--yes', '-p', `node@${major}`, 'which', 'node'], { encoding: 'utf8' }).trim().split('\n').pop();
}
const runners = values.nodes.split(',').map((major) => {
  const bin = nodeBinary(major.trim());
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  return {
    name: `tensorgrad ${values.backend} (Node ${version})`, node: version,
    run: () => spawnSync(bin, ['--expose-gc', here('./vae-epoch-child.mjs'), '--epochs', values.epochs, '--model', values.model, '--backend', values.backend, ...limit], {
      encoding: 'utf8', env: { ...process.env, TENSORGRAD_NUM_THREADS: threads },
    }),
  };
});
if (!values['skip-pytorch']) {
  runners.push({
    name: 'PyTorch', node: null,
    run: () => spawnSync('/usr/bin/python3', [here('./pytorch_vae.py'), '--epochs', values.epochs, '--model', values.model, '--threads', threads, '--data', defaultMnistDir(), ...limit], { encoding: 'utf8' }),
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (xs) => ({ median: Number(median(xs).toFixed(3)), min: Number(Math.min(...xs).toFixed(3)), max: Number(Math.max(...xs).toFixed(3)) });

const results = runners.map(() => []); // per runner, per round: the epochs' rows
for (let r = 0; r < rounds; r++) {
  const order = runners.map((_, i) => (i + r) % runners.length);
  for (const i of order) {
    const p = runners[i].run();
    if (p.status !== 0) throw new Error(`${runners[i].name} failed: ${(p.stderr || p.error?.message || '').slice(-500)}`);
    const rows = p.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    results[i].push(rows);
    console.log(`round ${r + 1}/${rounds}: ${runners[i].name}: ${rows.map((x) => `${x.seconds.toFixed(2)} s`).join(', ')} (test loss ${rows.at(-1).test_loss.toFixed(2)})`);
  }
}

// An epoch's time in a round: the mean of its epochs (the first included: each process trains afresh).
const perRound = results.map((rs) => rs.map((rows) => rows.reduce((s, x) => s + x.seconds, 0) / rows.length));
const report = {
  date: new Date().toISOString(), command: `node benchmarks/vae-epoch.mjs ${process.argv.slice(2).join(' ')}`.trim(), threads: Number(threads),
  model: values.model, backend: values.backend, rounds, epochsPerRound: Number(values.epochs), limitTrain: values['limit-train'] ?? null,
  runners: runners.map((x, i) => ({ name: x.name, node: x.node, secondsPerEpoch: summary(perRound[i]), rounds: results[i] })),
  ratios: {},
};
const torch = runners.findIndex((x) => x.name === 'PyTorch');
runners.forEach((x, i) => {
  if (i === torch) return;
  if (torch >= 0) report.ratios[`${x.name} ÷ PyTorch`] = summary(perRound[i].map((s, r) => s / perRound[torch][r]));
  if (i > 0 && x.node !== null) report.ratios[`${x.name} ÷ ${runners[0].name}`] = summary(perRound[i].map((s, r) => s / perRound[0][r]));
});
for (const x of report.runners) console.log(`${x.name}: median ${x.secondsPerEpoch.median} s per epoch (${x.secondsPerEpoch.min}–${x.secondsPerEpoch.max})`);
for (const [k, v] of Object.entries(report.ratios)) console.log(`${k}: median ${v.median} (${v.min}–${v.max})`);
const name = values.backend === 'cpu' ? 'vae-epoch.json' : values.model === 'conv' ? 'vae-epoch-conv.json' : `vae-epoch-${values.backend}.json`;
writeFileSync(here(`./results/${name}`), JSON.stringify(report, null, 1));
console.log(`wrote benchmarks/results/${name}`);
