// Helpers for comparing a backend's kernels with the reference `cpu` kernels (gpu and wasm tests).
import { expect } from 'vitest';
import { matmul, withBackend, type Tensor } from '../src/index.js';

export const onCpu = <T>(fn: () => T): T => withBackend('cpu', fn);

/** |fast − ref| ≤ tol(i) elementwise (NaN matches NaN), reporting the first element that is not. */
export function expectClose(fast: Tensor, ref: Tensor, tol: (i: number) => number, label = 'fast'): void {
  expect(fast.shape).toEqual(ref.shape);
  const g = fast.data, c = ref.data;
  for (let i = 0; i < c.length; i++) {
    const ok = Math.abs(g[i] - c[i]) <= tol(i) || (Number.isNaN(g[i]) && Number.isNaN(c[i])) || g[i] === c[i];
    if (!ok) expect.fail(`element ${i} of ${JSON.stringify(ref.shape)}: ${label} ${g[i]}, cpu ${c[i]} (tolerance ${tol(i)})`);
  }
}

/**
 * A float32 dot product of length k has error at most ≈ k·u·Σ|a_p·b_p| (u = 2⁻²⁴), whatever the
 * summation order: the tolerance is that bound per element, from the CPU product of |A| and |B|.
 */
export function matmulTolerance(a: Tensor, b: Tensor): (i: number) => number {
  const k = a.shape[a.ndim - 1];
  const bound = onCpu(() => matmul(a.abs(), b.abs())).data;
  return (i) => 2 * (k + 2) * 2 ** -24 * bound[i] + 1e-30;
}
