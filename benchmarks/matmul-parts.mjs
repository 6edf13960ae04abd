// Where the time of one wasm matmul goes, part by part (copy in, packing and gemm with its
// threads, copy out), for the VAE's forward product and a weight gradient: the profile behind the matmul
// work in kernels.wat. Reads core's built internals (not its public API), so it lives here.
//   npx pnpm@10 build && node benchmarks/matmul-parts.mjs [threads]
import { setNumThreads } from '@tensorgrad/core';
import { Arena, copyToHost } from '../packages/core/dist/backend/wasm/instance.js';
import { parallelGemm } from '../packages/core/dist/backend/wasm/threads.js';

setNumThreads(Number(process.argv[2] ?? 2));
const arena = new Arena();
// [label, m, k, n, A stored transposed, B stored transposed]
const cases = [['128×784·784×400 (x·W1ᵀ)', 128, 784, 400, false, true], ['400×128·128×784 (gᵀ·x)', 400, 128, 784, true, false]];
for (const [label, m, k, n, ta, tb] of cases) {
  const A = new Float32Array(m * k).map(() => Math.random() - 0.5), B = new Float32Array(k * n).map(() => Math.random() - 0.5);
  const n8 = Math.ceil(n / 8) * 8, m4 = Math.ceil(m / 4) * 4;
  const ms = { 'copy in': 0, 'pack + gemm': 0, 'copy out': 0 };
  const reps = 300, warm = 30;
  for (let r = 0; r < reps + warm; r++) {
    const t0 = performance.now();
    arena.reset();
    const ap = arena.put(A), bp = arena.put(B), pa = arena.alloc(m4 * k), pb = arena.alloc(k * n8), cp = arena.alloc(m4 * n8);
    const t1 = performance.now();
    parallelGemm({ a: ap, ars: ta ? 1 : k, acs: ta ? m : 1, m, b: bp, brs: tb ? 1 : n, bcs: tb ? k : 1, k, n, packedA: pa, packedB: pb, c: cp, bias: 0 });
    const t3 = performance.now();
    // The backend's copy (n is a multiple of 8 in both cases, so C is compact). Its result array is
    // allocated here; the backend asks for it while the workers compute.
    copyToHost(cp, m * n);
    const t4 = performance.now();
    if (r < warm) continue;
    ms['copy in'] += t1 - t0; ms['pack + gemm'] += t3 - t1; ms['copy out'] += t4 - t3;
  }
  const total = Object.values(ms).reduce((a, b) => a + b, 0) / reps;
  console.log(`${label}: ${Object.entries(ms).map(([p, v]) => `${p} ${(v / reps).toFixed(3)} ms`).join(', ')}; total ${total.toFixed(3)} ms = ${((2 * m * k * n) / total / 1e6).toFixed(1)} GFLOP/s`);
}
