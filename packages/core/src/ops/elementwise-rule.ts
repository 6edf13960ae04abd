import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';

/**
 * Records an elementwise op of one input, y = f(x). Its Jacobian is diagonal, f′(x), and so its
 * own transpose: the gradient rule ∂L/∂x = f′(x)·g and the tangent rule ẏ = f′(x)·ẋ are one map,
 * `scale`, applied to g going back and to ẋ going forward.
 */
export function recordElementwise(out: Tensor, name: string, x: Tensor, scale: (v: Tensor) => Tensor, saved: readonly Tensor[]): Tensor {
  return record(out, name, [x], (g) => [scale(g)], saved, ([t]) => scale(t!));
}
