// Times the matmul cases on the current backend, in Node or in a browser page: inputs are made
// once (and, on the gpu backend, uploaded once by the warm-up call, as a layer's weights are);
// each timed call includes reading the product back, which is when a GPU has surely finished.
import { matmul, randn } from '@tensorgrad/core';
import { flopsOf, matmulCases, time } from './shapes.mjs';

export function measureMatmuls(column) {
  return matmulCases.map(([label, as, bs, ta, tb]) => {
    const a = randn(as), b = randn(bs);
    const A = ta ? a.T : a, B = tb ? b.T : b;
    const ms = time(() => matmul(A, B).data);
    return { case: label, column, ms: Number(ms.toFixed(2)), gflops: Number((flopsOf(as, bs, ta, tb) / ms / 1e6).toFixed(3)) };
  });
}
