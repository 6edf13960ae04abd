import { copyTangents } from '../autograd/forward.js';
import { isFloating } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { alias } from '../ops/view.js';
import type { Tensor } from '../tensor.js';

/**
 * A fresh tensor for a reverse-mode transform to differentiate with respect to, standing for `x`.
 * When x requires grad (an outer transform, or the user, differentiates through this one), an
 * alias on the tape: gradients reach x through it. Otherwise a new leaf with x's elements. Either
 * way it carries x's tangents, so forward mode outside sees through the transform.
 */
export function track(op: string, x: Tensor, what: string): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(op, `${what} is ${x.dtype}; only float tensors can be differentiated (convert with .float())`);
  if (x.requiresGrad) return alias(x);
  const leaf = x.detach();
  copyTangents(x, leaf);
  return leaf.requiresGrad_();
}

/**
 * `t` as a transform returns it: unchanged when something outside differentiates through the
 * transform (`outer`), else cut from the transform's own tape (keeping its tangents), so the
 * caller never sees the transform's private leaves.
 */
export function release(t: Tensor, outer: boolean): Tensor {
  if (outer || !t.requiresGrad) return t;
  const out = t.detach();
  copyTangents(t, out);
  return out;
}
