import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';
import { div, sub } from './arithmetic.js';
import { ne } from './compare.js';
import { asDType } from './helpers.js';
import { norm, sum } from './reduce.js';
import { clamp } from './unary.js';
import { unsqueeze } from './view.js';

// Norms put to work: unit vectors and pairwise distances, composed of norm, so their gradients
// (the zero subgradient at 0 included) are norm's.

export interface NormalizeOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** The dim whose slices become unit vectors (default 1, as PyTorch's F.normalize). */
  dim?: number;
  /** The smallest norm divided by, so a zero slice stays zero (default 1e-12). */
  eps?: number;
}

/** x / max(‖x‖_p, eps) along `dim` (PyTorch's F.normalize). */
export function normalize(x: Tensor, options?: NormalizeOptions): Tensor {
  const { p = 2, dim = 1, eps = 1e-12 } = checkOptions('normalize', options, ['p', 'dim', 'eps'], '{ dim: -1 }');
  for (const [name, v] of [['p', p], ['eps', eps]] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new ValueError('normalize', `${name} must be a number ≥ 0, got ${describe(v)}`);
  }
  return div(x, clamp(norm(x, p, dim, true), { min: eps }));
}

/**
 * Pairwise p-norm distances between the rows of x1 [..., P, M] and x2 [..., R, M]: out[..., i, j] =
 * ‖x1[..., i, :] − x2[..., j, :]‖_p, shape [..., P, R] (PyTorch's cdist; p = 0 counts the
 * differing coordinates and has no gradient). Formed from the [..., P, R, M] differences, so it
 * costs P·R·M memory and is exact (no ‖a‖² + ‖b‖² − 2a·b cancellation).
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  if (!(x1 instanceof Tensor) || !(x2 instanceof Tensor)) throw new ValueError('cdist', 'x1 and x2 must be tensors');
  if (typeof p !== 'number' || !(p >= 0)) throw new ValueError('cdist', `p must be a number ≥ 0, got ${describe(p)}`);
  if (x1.ndim < 2 || x2.ndim < 2 || x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new ShapeError('cdist', `expected [..., P, M] and [..., R, M] with one M, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`);
  }
  const diff = sub(unsqueeze(x1, -2), unsqueeze(x2, -3));
  if (p === 0) return sum(asDType(ne(diff.detach(), 0), x1.dtype), -1);
  return norm(diff, p, -1);
}
