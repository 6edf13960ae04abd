// The wasm backend's elementwise kernels alone, on 1M floats already in the module's memory (no
// copies in or out): what kernels.wat's loops cost, apart from the data movement around them.
// Best of 50 calls each.
//   node benchmarks/wasm-unary.mjs
import { Arena, wasm } from '../packages/core/dist/backend/wasm/instance.js';

const N = 1 << 20;
const arena = new Arena();
const src = new Float32Array(N).map(() => (Math.random() - 0.5) * 10);
const positive = src.map(Math.abs);
const codes = { neg: 0, relu: 3, exp: 4, log: 5, sigmoid: 6 };
const k = wasm().kernels;
const xp = arena.put(src), lp = arena.put(positive), op = arena.alloc(N);
for (const [name, code] of Object.entries(codes)) {
  let best = Infinity;
  for (let r = 0; r < 50; r++) {
    const t = performance.now();
    k.unary(code, name === 'log' ? lp : xp, op, N, 0, 0);
    best = Math.min(best, performance.now() - t);
  }
  console.log(`${name.padEnd(8)} ${best.toFixed(3)} ms`);
}
