// The WebAssembly SIMD peak of one core: 8 f32x4 accumulators, each adding a product of values
// held in registers (c += x·y, the product off the dependency chain, as in a matmul microkernel;
// no memory traffic), 64 flops counted per iteration (the two that change the multiplicands are not) — the ceiling any wasm matmul kernel here can
// approach (SIMD128 has no fused multiply-add without relaxed-simd). Assembled with wabt.
import initWabt from 'wabt';

const chains = Array.from({ length: 8 }, (_, i) => i);
const WAT = `(module
  (func (export "peak") (param $n i32) (param $x f32) (result f32)
    (local $i i32) (local $v0 v128) (local $v1 v128) ${[0, 1, 2, 3].map((i) => `(local $y${i} v128)`).join(' ')} ${chains.map((i) => `(local $c${i} v128)`).join(' ')}
    (local.set $v0 (f32x4.splat (local.get $x)))
    (local.set $v1 (f32x4.splat (f32.mul (local.get $x) (f32.const 0.5))))
    ${[0, 1, 2, 3].map((i) => `(local.set $y${i} (f32x4.splat (f32.const ${1e-7 * (i + 1)})))`).join('\n    ')}
    (loop $l
      ;; the multiplicands change every iteration, so no product can be hoisted out of the loop
      (local.set $v0 (f32x4.mul (local.get $v0) (v128.const f32x4 0.9999999 0.9999999 0.9999999 0.9999999)))
      (local.set $v1 (f32x4.mul (local.get $v1) (v128.const f32x4 0.9999999 0.9999999 0.9999999 0.9999999)))
      ${chains.map((i) => `(local.set $c${i} (f32x4.add (local.get $c${i}) (f32x4.mul (local.get $v${i % 2}) (local.get $y${i % 4}))))`).join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (f32x4.extract_lane 0 ${chains.slice(1).reduce((acc, i) => `(f32x4.add ${acc} (local.get $c${i}))`, '(local.get $c0)')})))`;

/** GFLOP/s of one thread, the best of a few timed runs. */
export async function wasmSimdPeak() {
  const wabt = await initWabt();
  const mod = wabt.parseWat('peak.wat', WAT, { simd: true });
  const { instance } = await WebAssembly.instantiate(mod.toBinary({}).buffer);
  const peak = instance.exports.peak;
  const n = 20_000_000;
  peak(1000, 1);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    peak(n, 1);
    best = Math.max(best, (64 * n) / (performance.now() - t) / 1e6);
  }
  return best;
}
