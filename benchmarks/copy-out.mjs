// What a wasm kernel's result costs to bring back to the host, side by side in one process: a
// zeroed `new Float32Array` against `hostArray` (not zeroed, its pages touched first), then the
// copy out of the module's memory; and the same copy into an array that already exists, the floor.
// The sizes: the VAE's weight-gradient product (784×400) and the 1M-element benchmark rows.
// Reads core's built internals (not its public API), so it lives here.
//   npx pnpm@10 build && node benchmarks/copy-out.mjs
import { Arena, f32At, hostArray } from '../packages/core/dist/backend/wasm/instance.js';

const arena = new Arena();
/** p10/p50/p90 of 400 calls (after 40 warm-up calls), in ms; the last 8 results kept alive, as a caller would. */
function quantiles(fn) {
  const kept = [], ts = [];
  for (let i = 0; i < 440; i++) {
    const t0 = performance.now();
    kept.push(fn());
    ts.push(performance.now() - t0);
    if (kept.length > 8) kept.shift();
  }
  const s = ts.slice(40).sort((a, b) => a - b);
  return [0.1, 0.5, 0.9].map((q) => s[Math.floor(q * s.length)].toFixed(3)).join(' / ');
}
for (const [label, n] of [['784×400', 784 * 400], ['1M', 1 << 20]]) {
  arena.reset();
  const at = arena.put(new Float32Array(n).map(() => Math.random()));
  const floor = new Float32Array(n);
  const ways = {
    'new Float32Array + copy': () => { const o = new Float32Array(n); o.set(f32At(at, n)); return o; },
    'hostArray + copy': () => { const o = hostArray(n); o.set(f32At(at, n)); return o; },
    'copy into an existing array': () => { floor.set(f32At(at, n)); return floor; },
  };
  for (const [way, fn] of Object.entries(ways)) console.log(`${label} ${way}: p10 / p50 / p90 ${quantiles(fn)} ms`);
}
