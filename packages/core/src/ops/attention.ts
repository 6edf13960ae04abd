import { full } from '../creation.js';
import { isFloating } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { Generator } from '../random.js';
import { broadcastShapes, describe } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, div, mul } from './arithmetic.js';
import { where } from './compare.js';
import { matmul } from './matmul.js';
import { tril } from './rearrange.js';
import { softmax } from './reduce.js';
import { bernoulli } from './sampling.js';
import { transpose } from './view.js';

export interface AttentionOptions {
  /**
   * Which keys each query may attend to, broadcast to `[..., L, S]`: a bool mask (true: attend,
   * as PyTorch's) or a float tensor added to the scores (−∞ to forbid).
   */
  attnMask?: Tensor | null;
  /** Each query attends only to keys at or before its own position (a lower-triangular mask); not with `attnMask`. */
  isCausal?: boolean;
  /** Drop each attention weight with this probability, scaling the kept ones by 1/(1 − p) (default 0). */
  dropoutP?: number;
  /** The scores' factor (default 1/√E, E the query's last dim). */
  scale?: number | null;
  /** Where dropout's random numbers come from. */
  generator?: Generator;
}

/**
 * Attention, PyTorch's `F.scaled_dot_product_attention`:
 *   out = softmax(Q·Kᵀ·scale + mask) · V,   Q [..., L, E], K [..., S, E], V [..., S, Ev] → [..., L, Ev]
 * built from matmul, softmax and where, so its gradient and tangent come out of theirs: ∂/∂V is
 * Pᵀ·g, and ∂/∂Q, ∂/∂K go through softmax's Jacobian diag(p) − p·pᵀ. A masked-out score is −∞,
 * so its weight is exactly 0; a query with every key masked gets NaN weights, as in PyTorch.
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  const { attnMask = null, isCausal = false, dropoutP = 0, scale = null, generator } = checkOptions(
    op, options, ['attnMask', 'isCausal', 'dropoutP', 'scale', 'generator'], '{ isCausal: true }',
  );
  const named: [string, unknown][] = [['query', query], ['key', key], ['value', value]];
  for (const [name, t] of named) {
    if (!(t instanceof Tensor)) throw new ValueError(op, `${name} must be a tensor, got ${describe(t)}`);
    if (!isFloating(t.dtype)) throw new DTypeError(op, `${name} must be a float tensor, got ${t.dtype}`);
    if (t.ndim < 2) throw new ShapeError(op, `${name} must have at least 2 dims ([..., length, features]), got ${fmtShape(t.shape)}`);
  }
  const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
  const [L, E] = query.shape.slice(-2), [S, Ek] = key.shape.slice(-2), Sv = value.shape[value.ndim - 2];
  if (Ek !== E) throw new ShapeError(op, `${shapes}: query and key must have the same last dim (features), ${E} vs ${Ek}`);
  if (Sv !== S) throw new ShapeError(op, `${shapes}: key and value must have the same length (dim -2), ${S} vs ${Sv}`);
  if (typeof isCausal !== 'boolean') throw new ValueError(op, `isCausal must be a boolean, got ${describe(isCausal)}`);
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP < 1)) throw new ValueError(op, `dropoutP must be a number in [0, 1), got ${describe(dropoutP)}`);
  if (scale !== null && (typeof scale !== 'number' || !Number.isFinite(scale))) throw new ValueError(op, `scale must be a finite number, got ${describe(scale)}`);
  if (isCausal && attnMask !== null) throw new ValueError(op, 'pass either attnMask or isCausal, not both (PyTorch refuses the pair too)');
  if (attnMask !== null) {
    if (!(attnMask instanceof Tensor)) throw new ValueError(op, `attnMask must be a tensor, got ${describe(attnMask)}`);
    if (attnMask.dtype !== 'bool' && attnMask.dtype !== query.dtype) {
      throw new DTypeError(op, `attnMask must be bool or ${query.dtype} (the query's dtype), got ${attnMask.dtype}`);
    }
    try {
      broadcastShapes(op, attnMask.shape, [...query.shape.slice(0, -1), S]);
    } catch {
      throw new ShapeError(op, `attnMask of shape ${fmtShape(attnMask.shape)} does not broadcast to the scores' shape ${fmtShape([...query.shape.slice(0, -1), S])}`);
    }
  }
  let scores = mul(matmul(query, transpose(key, -2, -1)), scale ?? 1 / Math.sqrt(E));
  const mask = isCausal ? tril(full([L, S], true, { dtype: 'bool' })) : attnMask;
  if (mask !== null) scores = mask.dtype === 'bool' ? where(mask, scores, -Infinity) : add(scores, mask);
  let weights = softmax(scores, -1);
  if (dropoutP > 0) {
    const keep = bernoulli(full(weights.shape, 1 - dropoutP, { dtype: weights.dtype }), { generator });
    weights = div(mul(weights, keep), 1 - dropoutP);
  }
  return matmul(weights, value);
}
