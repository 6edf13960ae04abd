// jacfwd against jacrev on two shapes of Jacobian, on the default backend: a wide function
// R^256 → R (one output: jacrev needs one backward pass, jacfwd 256 forward passes) and a tall one
// R^4 → R^256 (jacrev 256 backward passes, jacfwd 4 forward passes). Both are a two-layer tanh
// network, so a pass costs about the same in either shape. The two transforms are interleaved
// within each round (which goes first alternates), each call is timed alone, a round keeps its
// median, and the report is the median of the rounds' medians with their min–max. Short: about
// 3 s here. docs/forward-and-reverse-mode.md quotes the table.
//   node benchmarks/jacobians.mjs [--rounds=11] [--calls=5]   (after `npx --yes pnpm@10 run build`)
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { backendInfo, func, manualSeed, randn } from '@tensorgrad/core';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(arg('rounds') ?? 11);
const CALLS = Number(arg('calls') ?? 5);
const OUT = new URL('./results/jacobians.json', import.meta.url);

manualSeed(0);
const HIDDEN = 64;
/** R^n → R^m through a hidden tanh layer of 64; a scalar (shape []) when m is 1. */
function net(n, m) {
  const w1 = randn([HIDDEN, n]).mul(1 / Math.sqrt(n));
  const w2 = randn([m, HIDDEN]).mul(1 / Math.sqrt(HIDDEN));
  const f = (x) => w2.matmul(w1.matmul(x).tanh()).tanh();
  return m === 1 ? (x) => f(x).sum() : f;
}
const cases = [
  { id: 'wide R^256 → R', n: 256, m: 1 },
  { id: 'tall R^4 → R^256', n: 4, m: 256 },
].map((c) => ({ ...c, f: net(c.n, c.m), x: randn([c.n]) }));

const transforms = { jacfwd: func.jacfwd, jacrev: func.jacrev };
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = (fn) => {
  const t = performance.now();
  const J = fn();
  J.data; // read the result: a backend may defer work until the elements are needed
  return performance.now() - t;
};

// Both transforms must compute the same Jacobian (float32: equal to rounding).
const checks = {};
for (const c of cases) {
  const Jf = func.jacfwd(c.f)(c.x), Jr = func.jacrev(c.f)(c.x);
  checks[c.id] = { shape: Jf.shape, maxAbsDifference: Number(Jf.sub(Jr).abs().max().item().toExponential(2)) };
}

// Warm-up: two calls of each, outside the timing.
for (const c of cases) for (const t of Object.values(transforms)) for (let i = 0; i < 2; i++) time(() => t(c.f)(c.x));

const perRound = new Map(); // `${id}|${name}` → each round's median (ms)
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const order = r % 2 === 0 ? ['jacfwd', 'jacrev'] : ['jacrev', 'jacfwd'];
    for (const name of order) {
      const ms = Array.from({ length: CALLS }, () => time(() => transforms[name](c.f)(c.x)));
      const key = `${c.id}|${name}`;
      perRound.set(key, [...(perRound.get(key) ?? []), median(ms)]);
    }
  }
}

const round = (v) => Number(v.toFixed(3));
const results = cases.map((c) => {
  const row = { id: c.id, n: c.n, m: c.m, passes: { jacfwd: `${c.n} forward`, jacrev: `${c.m} backward` } };
  for (const name of Object.keys(transforms)) {
    const rs = perRound.get(`${c.id}|${name}`);
    row[name] = { ms: round(median(rs)), min: round(Math.min(...rs)), max: round(Math.max(...rs)), rounds: rs.map(round) };
  }
  // How many times faster the quicker transform is, on the medians.
  row.faster = row.jacfwd.ms < row.jacrev.ms ? 'jacfwd' : 'jacrev';
  row.speedup = Number((Math.max(row.jacfwd.ms, row.jacrev.ms) / Math.min(row.jacfwd.ms, row.jacrev.ms)).toFixed(1));
  return row;
});

const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, date: new Date().toISOString() };
const report = {
  machine,
  backend: backendInfo(),
  command: 'node benchmarks/jacobians.mjs',
  rounds: ROUNDS,
  callsPerRound: CALLS,
  function: `x ↦ tanh(W2·tanh(W1·x)), W1 [${HIDDEN}, n], W2 [m, ${HIDDEN}], float32 (summed to a scalar when m = 1)`,
  checks,
  results,
};
writeFileSync(OUT, JSON.stringify(report, null, 1) + '\n');

console.log(`${machine.cpu} (${machine.cores} cores), Node ${machine.node}, backend ${report.backend.name}; ${ROUNDS} rounds × ${CALLS} calls`);
console.log('Jacobian              jacfwd ms (min–max)     jacrev ms (min–max)     faster');
for (const r of results) {
  const cell = (t) => `${t.ms} (${t.min}–${t.max})`.padEnd(24);
  console.log(`${r.id.padEnd(22)}${cell(r.jacfwd)}${cell(r.jacrev)}${r.faster}, ${r.speedup}×`);
}
console.log(`wrote ${OUT.pathname}`);
