// Convolution throughput of tensorgrad's wasm backend (2 threads) next to tfjs-wasm, jax-js and
// PyTorch (a child process, 2 threads): conv2d with bias, forward and forward + both backward
// passes, on three layer shapes; the same products as plain gemms on the wasm backend (what the
// convolution does per image block, so conv ÷ gemm says what its im2col/col2im costs); and max-pool.
// Every library's operands are in its own memory before the timing (tensorgrad: `to('wasm')`;
// tfjs: uploaded, and transposed once to NHWC / [kh, kw, Cin, Cout]; jax-js: uploaded), and every
// JavaScript library's results are read back into Float32Arrays inside the timed call.
// --rounds passes (default 3), every library interleaved within each; each task's median per round
// is kept, and the report shows the median of those medians with their min–max.
//   node benchmarks/conv.mjs [--rounds=3] [--out=results/conv.json]   (after `npx pnpm@10 build`)
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Bench } from 'tinybench';
import { conv2d, matmul, maxPool2d, randn, setNumThreads, withBackend } from '@tensorgrad/core';
import { jaxjs, peerTask, tfjs } from './peers.mjs';
import { wasmSimdPeak } from './peak.mjs';
import { convCases, convFlops, convGemms, convOutShape, flopsOf, median, poolCases, runRounds } from './shapes.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(arg('rounds') ?? 3);
const OUT = arg('out') === undefined ? new URL('./results/conv.json', import.meta.url) : resolve(arg('out'));
const THREADS = 2;
setNumThreads(THREADS);
const ours = `tensorgrad wasm ${THREADS}t`;
const tf = await tfjs('wasm');
const jx = await jaxjs(THREADS);

// As kernels.mjs: at least 5 timed calls per task, more while the 500 ms budget lasts.
const bench = new Bench({ time: 500, iterations: 5, warmupTime: 100, warmupIterations: 2 });
// jax-js's convolutions take seconds a call (its forward on C ~3 s, forward + backward on B ~10 s):
// one warm-up call (its first call compiles the kernels) and two timed calls per round.
const slow = new Bench({ time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 });

const NHWC = [0, 2, 3, 1], HWIO = [2, 3, 1, 0];
/** A synchronous task (tinybench would otherwise call it once when it is added, to see whether it returns a promise). */
const add = (b, name, fn) => b.add(name, fn, { async: false });
const onWasm = (...ts) => ts.map((t) => t.to('wasm'));
/** Leaves on the wasm backend that require grad, their gradients cleared before each call. */
const leaves = (...ts) => ts.map((t) => t.to('wasm').requiresGrad_());
const unsupported = {}; // task name → why it has no number
const checks = {}; // case id → the largest difference to a peer's result, relative to its largest |value|
const relDiff = (a, b) => {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return Number((d / m).toExponential(2));
};
/** A tfjs NHWC result back in NCHW order, to compare with ours. */
const fromNHWC = (data, [n, c, h, w]) => {
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = data[((i * h + y) * w + x) * c + k];
  return out;
};
/** Runs `call` once: if it throws, the peer cannot do it, and the reason is recorded instead of a number. */
function supported(name, call) {
  try {
    call();
    return true;
  } catch (e) {
    unsupported[name] = String(e.message ?? e);
    console.log(`${name}: not supported (${unsupported[name]})`);
    return false;
  }
}

for (const [id, xs, ws, stride, padding] of convCases) {
  const ys = convOutShape(xs, ws, stride, padding);
  const x = randn(xs), w = randn(ws).mul(0.1), b = randn([ws[0]]), g = randn(ys);
  const opts = { stride, padding };
  // Forward.
  const [xw, ww, bw] = onWasm(x, w, b);
  const forward = () => withBackend('wasm', () => conv2d(xw, ww, bw, opts).data);
  add(bench, `${id}|forward|${ours}`, forward);
  const tfOperands = () => [tf.upload(x.data, xs, NHWC), tf.upload(w.data, ws, HWIO), tf.upload(b.data, [ws[0]])];
  peerTask(bench, `${id}|forward|tfjs-wasm`, tf, tfOperands, (px, pw, pb) => tf.conv2d(px, pw, pb, stride, padding));
  const jxOperands = () => [jx.upload(x.data, xs), jx.upload(w.data, ws), jx.upload(b.data, [ws[0]])];
  peerTask(slow, `${id}|forward|jax-js`, jx, jxOperands, (px, pw, pb) => jx.conv2d(px, pw, pb, stride, padding));
  // Forward and both backward passes (and the bias's), for a fixed output gradient g.
  const [xg, wg, bg] = leaves(x, w, b);
  const [gw] = onWasm(g);
  add(bench, `${id}|fwd+bwd|${ours}`, () => withBackend('wasm', () => {
    for (const t of [xg, wg, bg]) t.zeroGrad();
    conv2d(xg, wg, bg, opts).backward(gw);
    return [xg.grad.data, wg.grad.data, bg.grad.data];
  }));
  const tfGradOperands = () => [...tfOperands(), tf.upload(g.data, ys, NHWC)];
  if (supported(`${id}|fwd+bwd|tfjs-wasm`, () => tf.conv2dGrads(...tfGradOperands(), stride, padding))) {
    peerTask(bench, `${id}|fwd+bwd|tfjs-wasm`, tf, tfGradOperands, (px, pw, pb, pg) => tf.conv2dGrads(px, pw, pb, pg, stride, padding));
  }
  peerTask(slow, `${id}|fwd+bwd|jax-js`, jx, () => [...jxOperands(), jx.upload(g.data, ys)], (px, pw, pb, pg) => jx.conv2dGrads(px, pw, pb, pg, stride, padding));
  // Same results as the peers' (once, before the timing): the forward against tfjs-wasm's, the
  // gradients of the smallest case against jax-js's.
  const ref = forward();
  checks[id] = { 'forward vs tfjs-wasm': relDiff(ref, fromNHWC(tf.conv2d(...tfOperands(), stride, padding), ys)) };
  if (id === convCases[0][0]) {
    const ourGrads = withBackend('wasm', () => {
      for (const t of [xg, wg, bg]) t.zeroGrad();
      conv2d(xg, wg, bg, opts).backward(gw);
      return [xg.grad.data, wg.grad.data, bg.grad.data];
    });
    const theirs = jx.conv2dGrads(...jxOperands(), jx.upload(g.data, ys), stride, padding);
    checks[id]['∂x, ∂w, ∂b vs jax-js'] = ourGrads.map((o, i) => relDiff(o, theirs[i]));
  }
  // The gemms of the convolution's three products (for the cases whose gemms are big enough to matter).
  if (id === convCases[0][0]) continue;
  for (const [part, as, bs] of convGemms(xs, ws, stride, padding)) {
    const [a, bm] = onWasm(randn(as), randn(bs));
    add(bench, `${id}|gemm ${part}|${ours}`, () => withBackend('wasm', () => matmul(a, bm).data));
  }
}

for (const [id, xs, k, stride] of poolCases) {
  const x = randn(xs);
  const [xw] = onWasm(x);
  add(bench, `${id}|forward|${ours}`, () => withBackend('wasm', () => maxPool2d(xw, k, { stride }).data));
  peerTask(bench, `${id}|forward|tfjs-wasm`, tf, () => [tf.upload(x.data, xs, NHWC)], (px) => tf.maxPool(px, k, stride));
  const ys = [xs[0], xs[1], Math.floor((xs[2] - k) / stride) + 1, Math.floor((xs[3] - k) / stride) + 1];
  const g = randn(ys);
  const [xg] = leaves(x);
  const [gw] = onWasm(g);
  add(bench, `${id}|fwd+bwd|${ours}`, () => withBackend('wasm', () => {
    xg.zeroGrad();
    maxPool2d(xg, k, { stride }).backward(gw);
    return xg.grad.data;
  }));
  const tfGradOperands = () => [tf.upload(x.data, xs, NHWC), tf.upload(g.data, ys, NHWC)];
  if (supported(`${id}|fwd+bwd|tfjs-wasm`, () => tf.maxPoolGrads(...tfGradOperands(), k, stride))) {
    peerTask(bench, `${id}|fwd+bwd|tfjs-wasm`, tf, tfGradOperands, (px, pg) => tf.maxPoolGrads(px, pg, k, stride));
  }
}
console.log('checks (max |difference| ÷ max |peer value|):', JSON.stringify(checks));

// PyTorch in a child process, once per round right after the JavaScript libraries' pass.
const torchCases = [
  ...convCases.map(([id, x, w, stride, padding]) => ({ id, kind: 'conv', x, w, stride, padding })),
  ...poolCases.map(([id, x, kernel, stride]) => ({ id, kind: 'pool', x, kernel, stride })),
];
let torch = null;
const torchRounds = new Map(); // task name → ms per round
function timeTorch() {
  const py = spawnSync('/usr/bin/python3', [new URL('./pytorch_conv.py', import.meta.url).pathname, String(THREADS)], { input: JSON.stringify(torchCases), encoding: 'utf8' });
  if (py.status !== 0) {
    if (torch === null) console.log(`PyTorch column empty: ${py.error?.message ?? py.stderr.slice(-300)} (bash benchmarks/setup.sh installs python3-torch)`);
    return;
  }
  torch = JSON.parse(py.stdout);
  for (const [name, ms] of Object.entries(torch.ms)) torchRounds.set(`${name}|PyTorch ${torch.threads}t`, [...(torchRounds.get(`${name}|PyTorch ${torch.threads}t`) ?? []), ms]);
}

console.log(`running ${bench.tasks.length + slow.tasks.length} benchmarks and PyTorch's, ${ROUNDS} rounds…`);
// The peak is measured before and after the rounds and the higher kept (as kernels.mjs).
const peakBefore = await wasmSimdPeak();
const medians = await runRounds([bench, slow], ROUNDS, timeTorch);
const peak = Math.max(peakBefore, await wasmSimdPeak());
for (const [name, ms] of torchRounds) medians.set(name, { p50: ms, rme: [] });

/** One task's numbers: every round's median, the median of those and their min–max (ms), and GFLOP/s of the median. */
function task(name, flops) {
  const m = medians.get(name);
  if (m === undefined) return unsupported[name] === undefined ? undefined : { unsupported: unsupported[name] };
  const r = { rounds: m.p50.map((v) => Number(v.toFixed(4))), ms: Number(median(m.p50).toFixed(4)), min: Number(Math.min(...m.p50).toFixed(4)), max: Number(Math.max(...m.p50).toFixed(4)) };
  if (m.rme.length) r.rme = m.rme.map((v) => Number(v.toFixed(1)));
  if (flops !== undefined) r.gflops = Number((flops / r.ms / 1e6).toFixed(2));
  return r;
}
/** The tasks of one case and pass, by library. */
function columns(id, pass, flops) {
  const names = [...medians.keys(), ...Object.keys(unsupported)].filter((n) => n.startsWith(`${id}|${pass}|`));
  return Object.fromEntries(names.map((n) => [n.split('|')[2], task(n, flops)]));
}
const ratio = (a, b) => (a === undefined || b === undefined ? null : Number((a / b).toFixed(3)));

const conv = convCases.map(([id, xs, ws, stride, padding]) => {
  const f = convFlops(xs, ws, stride, padding);
  const row = { id, x: xs, w: ws, stride, padding, flopsPerPass: f, forward: columns(id, 'forward', f), 'fwd+bwd': columns(id, 'fwd+bwd', 3 * f) };
  const fwd = row.forward, both = row['fwd+bwd'], torchCol = `PyTorch ${torch?.threads ?? THREADS}t`;
  row.ratios = {
    'forward ÷ tfjs-wasm': ratio(fwd[ours]?.gflops, fwd['tfjs-wasm']?.gflops),
    'forward ÷ jax-js': ratio(fwd[ours]?.gflops, fwd['jax-js']?.gflops),
    'forward ÷ PyTorch': ratio(fwd[ours]?.gflops, fwd[torchCol]?.gflops),
    'fwd+bwd ÷ PyTorch': ratio(both[ours]?.gflops, both[torchCol]?.gflops),
    // The peak is one core's: two threads can reach twice it.
    'forward ÷ 2-core SIMD peak': ratio(fwd[ours]?.gflops, THREADS * peak),
    'fwd+bwd ÷ 2-core SIMD peak': ratio(both[ours]?.gflops, THREADS * peak),
  };
  const gemmParts = convGemms(xs, ws, stride, padding);
  if (medians.has(`${id}|gemm ${gemmParts[0][0]}|${ours}`)) {
    row.gemms = gemmParts.map(([part, as, bs]) => ({ part, a: as, b: bs, ...task(`${id}|gemm ${part}|${ours}`, flopsOf(as, bs, false, false)) }));
    const combined = (3 * f) / row.gemms.reduce((s, p) => s + p.ms, 0) / 1e6;
    row.gemmsCombinedGflops = Number(combined.toFixed(2));
    row.ratios['fwd+bwd ÷ gemms'] = ratio(both[ours]?.gflops, combined);
  }
  return row;
});
const pool = poolCases.map(([id, xs, kernel, stride]) => ({ id, x: xs, kernel, stride, forward: columns(id, 'forward'), 'fwd+bwd': columns(id, 'fwd+bwd') }));

const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, date: new Date().toISOString() };
const result = {
  machine, threads: THREADS, rounds: ROUNDS, wasmSimdPeakGflops1t: Number(peak.toFixed(1)),
  peers: [`tfjs-wasm ${tf.version} (single-threaded in Node)`, `jax-js ${jx.version}`], torch: torch?.torch ?? null,
  notes: {
    layouts: 'tfjs-wasm gets x and the output gradient in NHWC and w as [kh, kw, Cin, Cout], transposed once after the upload, outside the timing; its bias goes through tf.fused.conv2d',
    'jax-js': 'lax.convGeneralDilated (NCHW) plus the bias; fwd+bwd by jax.vjp; 1 warm-up + 2 timed calls per round',
  },
  checks, conv, pool,
};
writeFileSync(OUT, JSON.stringify(result, null, 1));
for (const r of conv) console.log(r.id, 'GFLOP/s forward', JSON.stringify(Object.fromEntries(Object.entries(r.forward).map(([k, v]) => [k, v.gflops ?? v.unsupported]))), 'fwd+bwd', JSON.stringify(Object.fromEntries(Object.entries(r['fwd+bwd']).map(([k, v]) => [k, v.gflops ?? v.unsupported]))), 'ratios', JSON.stringify(r.ratios));
for (const r of pool) console.log(r.id, 'ms forward', JSON.stringify(Object.fromEntries(Object.entries(r.forward).map(([k, v]) => [k, v.ms ?? v.unsupported]))), 'fwd+bwd', JSON.stringify(Object.fromEntries(Object.entries(r['fwd+bwd']).map(([k, v]) => [k, v.ms ?? v.unsupported]))));
console.log(`wasm SIMD peak (1 thread): ${peak.toFixed(1)} GFLOP/s; wrote ${OUT instanceof URL ? 'results/conv.json' : OUT}`);
// jax-js's worker threads and tensorgrad's keep the event loop alive.
process.exit(0);
