// The definition of the gradient, checked live: move one param by εδ, run the expression again,
// and compare the change in the loss with the first-order prediction ε·gᵀδ from backward().
import { evaluateExpression, type Precision } from './expression.js';

export type NudgeResult =
  | { ok: true; before: number; after: number; deltaL: number; predicted: number }
  | { ok: false; error: string };

/** gᵀδ: the gradient's inner product with a direction. */
export function dot(g: ArrayLike<number>, d: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * d[i];
  return s;
}

/**
 * ΔL = L(p + εδ) − L(p) for the param named `param`, beside ε·gᵀδ, where `grad` is ∂L/∂p. (Both
 * runs record a tape nobody walks: the expression checks that its loss needs a gradient.)
 */
export function nudge(code: string, options: { param: string; direction: ArrayLike<number>; eps: number; grad: ArrayLike<number>; dtype: Precision }): NudgeResult {
  const { param, direction, eps, grad, dtype } = options;
  const base = evaluateExpression(code, { dtype });
  if (!base.ok) return base;
  if (!base.params.has(param)) return { ok: false, error: `no param named ${JSON.stringify(param)}` };
  const moved = evaluateExpression(code, { dtype, perturb: new Map([[param, Array.from(direction, (d) => eps * d)]]) });
  if (!moved.ok) return moved;
  const before = base.loss.item(), after = moved.loss.item();
  return { ok: true, before, after, deltaL: after - before, predicted: eps * dot(grad, direction) };
}
