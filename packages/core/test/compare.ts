// Helpers for comparing a backend's kernels with the reference `cpu` kernels (gpu and wasm tests).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Generator, matmul, randn, withBackend, type Tensor } from '../src/index.js';

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

type Layout = (m: number, k: number, n: number, g: Generator) => [Tensor, Tensor];

/** The four layouts autodiff produces for C = op(A)·op(B), A·B being [m,k]·[k,n], and a batch. */
export const matmulLayouts: Record<string, Layout> = {
  'A·B': (m, k, n, g) => [randn([m, k], { generator: g }), randn([k, n], { generator: g })],
  'Aᵀ·B': (m, k, n, g) => [randn([k, m], { generator: g }).T, randn([k, n], { generator: g })],
  'A·Bᵀ': (m, k, n, g) => [randn([m, k], { generator: g }), randn([n, k], { generator: g }).T],
  'Aᵀ·Bᵀ': (m, k, n, g) => [randn([k, m], { generator: g }).T, randn([n, k], { generator: g }).T],
  'batched, B broadcast': (m, k, n, g) => [randn([3, m, k], { generator: g }), randn([k, n], { generator: g })],
};

/**
 * One test per layout: `backend`'s matmul equals the reference on random shapes from 1 to
 * `maxSide` per side, within the float32 summation bound.
 */
export function matmulLayoutTests(backend: string, maxSide: number, numRuns: number): void {
  const side = fc.integer({ min: 1, max: maxSide });
  for (const [name, make] of Object.entries(matmulLayouts)) {
    test(`${name} on random shapes from 1 to ${maxSide}`, () => {
      fc.assert(
        fc.property(side, side, side, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, k, n, s) => {
          const [a, b] = make(m, k, n, new Generator(s));
          expectClose(withBackend(backend, () => matmul(a, b)), onCpu(() => matmul(a, b)), matmulTolerance(a, b), backend);
        }),
        { numRuns },
      );
    });
  }
}

/** Sizes a random convolution's geometry may range over (each an inclusive maximum; minimums are 1, paddings 0). */
export interface ConvLimits {
  n: number; groups: number; perGroup: number; side: number; kernel: number; stride: number; padding: number;
}

/**
 * A random convolution: batch, groups, channels per group in (`cpg`) and out (`opg`), input
 * size, kernel, stride, padding, dilation, and a seed; only geometries whose dilated kernel fits
 * the padded input.
 */
export function convGeometry(l: ConvLimits) {
  const int = (min: number, max: number) => fc.integer({ min, max });
  return fc.record({
    n: int(1, l.n), groups: int(1, l.groups), cpg: int(1, l.perGroup), opg: int(1, l.perGroup + 2),
    h: int(l.side > 6 ? 1 : 3, l.side), w: int(l.side > 6 ? 1 : 3, l.side), kh: int(1, l.kernel), kw: int(1, l.kernel),
    sh: int(1, l.stride), sw: int(1, l.stride), ph: int(0, l.padding), pw: int(0, l.padding),
    dh: int(1, 2), dw: int(1, 2), seed: int(0, 1e6),
  }).filter((g) => g.dh * (g.kh - 1) + 1 <= g.h + 2 * g.ph && g.dw * (g.kw - 1) + 1 <= g.w + 2 * g.pw);
}
