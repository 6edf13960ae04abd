// Kernel throughput of tensorgrad's backends next to every JavaScript peer and PyTorch, in one
// process (PyTorch in a child), on this machine: the VAE's matmul shapes and 1024³, elementwise
// ops and a full sum on 1M elements. Median of repeated calls (tinybench: warm-up, then as many
// calls as fit in the time budget), the best of --rounds passes; every library's result is read
// back into a Float32Array. Every library's operands are in its own memory before the timing
// (peers: uploaded; the wasm backend: moved there with `to('wasm')`); the wasm backend is also
// timed on host operands, copied in on every call (its "host operands" columns).
//   node benchmarks/kernels.mjs [--rounds=2]   (after `npx pnpm@10 build`)  → results/kernels.json
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { add, exp, getNumThreads, matmul, randn, setNumThreads, sigmoid, withBackend } from '@tensorgrad/core';
import { jaxjs, naiveMatmul, tfjs } from './peers.mjs';
import { wasmSimdPeak } from './peak.mjs';
import { matmulCases, runRounds } from './shapes.mjs';

const SIZE = 1 << 20;
const elementwise = [['add 1M', 'add'], ['exp 1M', 'exp'], ['sigmoid 1M', 'sigmoid'], ['sum 1M', 'sum']];
const flops = ([, as, bs, ta, tb]) => 2 * (ta ? as[1] : as[0]) * (ta ? as[0] : as[1]) * (tb ? bs[0] : bs[1]);

const threads = Math.max(2, getNumThreads());
const peers = [await tfjs('cpu'), await tfjs('wasm'), await jaxjs(threads)];
// At least 5 timed calls per task, more while the 500 ms budget lasts (tinybench's default of 64
// minimum iterations would take minutes on the slow columns).
const bench = new Bench({ time: 500, iterations: 5, warmupTime: 100, warmupIterations: 2 });
/** A peer's task: its backend is activated and its inputs uploaded just before it runs. */
function peerTask(row, peer, upload, call) {
  let inputs = null;
  bench.add(`${row}|${peer.name}`, () => call(...inputs), { beforeAll: async () => { await peer.activate(); inputs = upload(); } });
}

const ours = [['cpu', 1], ['cpu', threads], ['wasm', 1], ['wasm', threads]];
const column = ([b, t]) => `tensorgrad ${b} ${t}t`;
/** Our task for one column: operands in the backend's memory, and for wasm again on the host. */
function ourTasks(id, [backend, t], call, operands) {
  const placed = operands.map((x) => x.to(backend));
  bench.add(`${id}|${column([backend, t])}`, () => withBackend(backend, () => call(...placed)), { beforeAll: () => setNumThreads(t) });
  if (backend === 'wasm') bench.add(`${id}|${column([backend, t])}, host operands`, () => withBackend(backend, () => call(...operands)), { beforeAll: () => setNumThreads(t) });
}
for (const c of matmulCases) {
  const [id, as, bs, ta, tb] = c;
  const a = randn(as), b = randn(bs);
  const A = ta ? a.T : a, B = tb ? b.T : b;
  // Operands are moved as stored, then viewed as the product reads them (A = aᵀ stays a view).
  const product = (x, y) => matmul(ta ? x.T : x, tb ? y.T : y).data;
  for (const col of ours) ourTasks(id, col, product, [a, b]);
  // Peers get each product twice: operands as stored with transpose flags, and pre-transposed to
  // row-major (tfjs-wasm's transposed paths run at a tenth of its row-major speed); the faster counts.
  const rowMajor = (t) => t.contiguous().data;
  const [am, bm] = [rowMajor(A), rowMajor(B)];
  for (const p of peers) {
    peerTask(`${id}|as stored`, p, () => [p.upload(a.data, as), p.upload(b.data, bs)], (pa, pb) => p.matmul(pa, pb, ta, tb));
    peerTask(`${id}|row-major`, p, () => [p.upload(am, A.shape), p.upload(bm, B.shape)], (pa, pb) => p.matmul(pa, pb, false, false));
  }
  // The triple loop only where it reads both operands in place (its 1024³ takes ~10 s a call).
  if (!ta && !tb && as[0] <= 256) {
    const ad = a.data, bd = b.data;
    bench.add(`${id}|naive JS`, () => naiveMatmul(ad, bd, as[0], as[1], bs[1]));
  }
}
const x = randn([SIZE]), y = randn([SIZE]);
const opsOf = { add: (u, v) => add(u, v).data, exp: (u) => exp(u).data, sigmoid: (u) => sigmoid(u).data, sum: (u) => u.sum().data };
for (const [id, op] of elementwise) {
  // The cpu backend runs elementwise ops on one thread; the wasm one shares exp and sigmoid out
  // over its threads (from 2¹⁶ elements), so it gets both columns.
  for (const col of ours.filter(([b, t]) => b === 'wasm' || t === 1)) ourTasks(id, col, opsOf[op], [x, y]);
  for (const p of peers) peerTask(id, p, () => [p.upload(x.data, [SIZE]), p.upload(y.data, [SIZE])], op === 'add' ? (px, py) => p.add(px, py) : (px) => p[op](px));
  const xd = x.data, yd = y.data;
  const naive = {
    add: () => { const o = new Float32Array(SIZE); for (let i = 0; i < SIZE; i++) o[i] = xd[i] + yd[i]; return o; },
    exp: () => { const o = new Float32Array(SIZE); for (let i = 0; i < SIZE; i++) o[i] = Math.exp(xd[i]); return o; },
    sigmoid: () => { const o = new Float32Array(SIZE); for (let i = 0; i < SIZE; i++) o[i] = 1 / (1 + Math.exp(-xd[i])); return o; },
    sum: () => { let s = 0; for (let i = 0; i < SIZE; i++) s += xd[i]; return s; },
  }[op];
  bench.add(`${id}|naive JS`, naive);
}

// These machines share their cores with neighbours: every task runs in each of ROUNDS full
// passes (interleaved with all the others) and keeps its best median; all rounds are recorded.
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 2);
console.log(`running ${bench.tasks.length} benchmarks, ${ROUNDS} rounds…`);
// The peak is measured before and after the rounds and the higher kept: a neighbour's burst
// during one measurement would otherwise set the yardstick too low.
const peakBefore = await wasmSimdPeak();
const medians = await runRounds([bench], ROUNDS); // task name → { p50: number[], rme: number[] }
setNumThreads(threads);
const peak = Math.max(peakBefore, await wasmSimdPeak());

const cases = [
  ...matmulCases.map(([id, a, b, ta, tb]) => ({ id, kind: 'matmul', a, b, ta, tb })),
  ...elementwise.map(([id, op]) => ({ id, kind: 'elementwise', op, size: SIZE })),
];
const py = spawnSync('/usr/bin/python3', [new URL('./pytorch_kernels.py', import.meta.url).pathname, String(threads)], { input: JSON.stringify(cases), encoding: 'utf8' });
const torch = py.status === 0 ? JSON.parse(py.stdout) : null;
if (torch === null) console.log(`PyTorch column empty: python3-torch is not installed (bash benchmarks/setup.sh installs it). ${py.error?.message ?? py.stderr.slice(-200)}`);

const rows = cases.map((c) => {
  const row = { id: c.id, kind: c.kind, ms: {}, spread: {} };
  row.layouts = {};
  row.rounds = {};
  for (const [name, m] of medians) {
    const parts = name.split('|');
    const [id, col] = [parts[0], parts.at(-1)];
    if (id !== c.id) continue;
    const best = m.p50.indexOf(Math.min(...m.p50));
    const ms = Number(m.p50[best].toFixed(4));
    row.rounds[parts.length === 3 ? `${col} ${parts[1]}` : col] = m.p50.map((v) => Number(v.toFixed(4)));
    if (parts.length === 3) row.layouts[`${col} ${parts[1]}`] = ms;
    if (row.ms[col] !== undefined && row.ms[col] <= ms) continue;
    row.ms[col] = ms;
    row.spread[col] = Number(m.rme[best].toFixed(1));
  }
  if (torch) row.ms[`PyTorch ${torch.threads}t`] = Number(torch.ms[c.id].toFixed(4));
  if (c.kind === 'matmul') {
    const f = flops(matmulCases.find(([id]) => id === c.id));
    row.gflops = Object.fromEntries(Object.entries(row.ms).map(([k, ms]) => [k, Number((f / ms / 1e6).toFixed(2))]));
  }
  return row;
});
const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, date: new Date().toISOString() };
const result = { machine, wasmSimdPeakGflops1t: Number(peak.toFixed(1)), threads, rounds: ROUNDS, peers: peers.map((p) => `${p.name} ${p.version}`), torch: torch?.torch ?? null, rows };
writeFileSync(new URL('./results/kernels.json', import.meta.url), JSON.stringify(result, null, 1));
for (const r of rows) console.log(r.id, r.gflops ?? r.ms);
console.log(`wasm SIMD peak (1 thread): ${peak.toFixed(1)} GFLOP/s; wrote results/kernels.json`);
