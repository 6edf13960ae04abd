import { noGrad, type Tensor } from '@tensorgrad/core';

/**
 * Rescales gradients so their global L2 norm is at most `maxNorm` (each `.grad` is replaced by a
 * scaled copy, so a gradient tensor shared with anything else is never modified):
 * g ← g · maxNorm / (‖g‖ + 1e-6) when ‖g‖ > maxNorm. Returns the norm before clipping.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): number {
  const withGrad = [...params].filter((p) => p.grad !== null);
  let sq = 0;
  for (const p of withGrad) {
    const g = p.grad!.data;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) noGrad(() => withGrad.forEach((p) => (p.grad = p.grad!.mul(coef))));
  return norm;
}
