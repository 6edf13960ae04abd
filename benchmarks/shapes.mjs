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
