// The matmul cases every matmul benchmark runs: the VAE's products in the layouts autodiff
// produces (the encoder's forward x·W1ᵀ, the decoder's input gradient g·W4, and both weight
// gradients gᵀ·x) and 1024³. [label, A shape, B shape, transpose A, transpose B]: C = op(A)·op(B).
export const matmulCases = [
  ['128×784·784×400', [128, 784], [400, 784], false, true],
  ['128×400·400×784', [128, 400], [400, 784], false, false],
  ['784×128·128×400', [128, 784], [128, 400], true, false],
  ['400×128·128×784', [128, 400], [128, 784], true, false],
  ['1024³', [1024, 1024], [1024, 1024], false, false],
];

/** 2·m·k·n for C = op(A)·op(B). */
export function flopsOf(as, bs, ta, tb) {
  const [m, k] = ta ? [as[1], as[0]] : as;
  const n = tb ? bs[0] : bs[1];
  return 2 * m * k * n;
}

/**
 * Mean milliseconds per call of `fn` after one warm-up call: repeated for at least `minMs`, but a
 * call slower than `minMs` is timed once (the gpu.js CPU modes on 1024³ take tens of seconds).
 */
export function time(fn, minMs = 1000) {
  const w0 = performance.now();
  fn();
  if (performance.now() - w0 > minMs) {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  }
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

// The convolution cases of conv.mjs (NCHW, as PyTorch; bias included): [label, x shape, w shape,
// stride, padding]. A and B are the ConvVAE-style strided encoder layers, C a 3×3 same-size layer.
export const convCases = [
  ['A 128×1×28×28 ∗ 32×1×4×4 s2', [128, 1, 28, 28], [32, 1, 4, 4], 2, 1],
  ['B 128×32×14×14 ∗ 64×32×4×4 s2', [128, 32, 14, 14], [64, 32, 4, 4], 2, 1],
  ['C 64×32×26×26 ∗ 32×32×3×3 s1', [64, 32, 26, 26], [32, 32, 3, 3], 1, 1],
];
/** The max-pool cases of conv.mjs: [label, x shape, kernel, stride]. */
export const poolCases = [['max-pool 64×32×26×26 k2 s2', [64, 32, 26, 26], 2, 2]];

/** [N, Cout, OH, OW] of a convolution (dilation 1). */
export function convOutShape([n, , h, w], [cout, , kh, kw], stride, padding) {
  return [n, cout, Math.floor((h + 2 * padding - kh) / stride) + 1, Math.floor((w + 2 * padding - kw) / stride) + 1];
}

/** 2·N·Cout·OH·OW·(Cin/groups)·kh·kw: the flops of one pass (forward, input grad or weight grad). */
export function convFlops(xs, ws, stride, padding, groups = 1) {
  const [n, cout, oh, ow] = convOutShape(xs, ws, stride, padding);
  return 2 * n * cout * oh * ow * (xs[1] / groups) * ws[2] * ws[3];
}

/**
 * The three products of a convolution as im2col gemms, with K = Cin·kh·kw and L = N·OH·OW:
 * forward [Cout, K]·[K, L], input grad [K, Cout]·[Cout, L], weight grad [Cout, L]·[L, K].
 * Each is [label, A shape, B shape] (row-major, C = A·B), and each does convFlops.
 */
export function convGemms(xs, ws, stride, padding) {
  const [n, cout, oh, ow] = convOutShape(xs, ws, stride, padding);
  const K = xs[1] * ws[2] * ws[3], L = n * oh * ow;
  return [
    ['forward', [cout, K], [K, L]],
    ['input grad', [K, cout], [cout, L]],
    ['weight grad', [cout, L], [L, K]],
  ];
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs every task of `benches` (tinybench Benches) in each of `rounds` full passes, one bench after
 * the other, calling `afterRound(round)` after each (conv.mjs times PyTorch there); returns each
 * task's median (p50, ms) and relative margin of error in every round: name → { p50: [], rme: [] }.
 * Tasks that failed are reported on the console and left out.
 */
export async function runRounds(benches, rounds, afterRound = async () => {}) {
  const medians = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const bench of benches) {
      // tinybench keeps a task's result until it is reset: without this every round repeats the first.
      for (const t of bench.tasks) t.reset();
      await bench.run();
      for (const t of bench.tasks) {
        if (t.result?.error) console.log(`${t.name} failed: ${t.result.error.message ?? t.result.error}`);
        if (t.result?.latency === undefined) continue;
        const m = medians.get(t.name) ?? { p50: [], rme: [] };
        m.p50.push(t.result.latency.p50);
        m.rme.push(t.result.latency.rme);
        medians.set(t.name, m);
      }
    }
    await afterRound(round);
  }
  return medians;
}
