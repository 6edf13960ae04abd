/**
 * Margin losses on pairs (x1, x2) with labels y ∈ {1, −1}: cosineEmbeddingLoss (are the two
 * embeddings alike?) and marginRankingLoss (should x1 rank above x2?).
 */
import { DTypeError, ShapeError, type Tensor, ValueError, fmtShape, isFloating, where } from '@tensorgrad/core';
import { type LossOptions, lossOptions, reduce } from './reduction.js';
import { floatInput, numberOption, sameFloat, sameShape, tensorArg } from './checks.js';

export interface MarginLossOptions extends LossOptions {
  /** The margin m (default 0). */
  margin?: number;
}

/** Labels: int32, or floats of the inputs' dtype. */
function labels(op: string, y: unknown, input: Tensor): Tensor {
  const t = tensorArg(op, 'target', y);
  if (t.dtype === 'int32') return t;
  if (!isFloating(t.dtype)) throw new DTypeError(op, `the target must hold labels 1 or −1 as int32 or the input's float dtype, got ${t.dtype}`);
  return sameFloat(op, 'target', t, input);
}

/** ‖·‖² gets this much added before the square root, as PyTorch (a zero vector gives cos = 0, not NaN). */
const EPSILON = 1e-12;

/** What both margin losses check first: their options, two float inputs of one shape, and ±1 labels. */
function marginInputs(op: string, x1: Tensor, x2: Tensor, target: Tensor, options: MarginLossOptions) {
  const o = lossOptions(op, options, ['reduction', 'margin'], "{ margin: 0.5, reduction: 'sum' }");
  const margin = o.margin === undefined ? 0 : numberOption(op, 'margin', o.margin);
  const a = floatInput(op, x1, 'x1');
  const b = sameFloat(op, 'x2', x2, a);
  sameShape(op, a, b, ['x1', 'x2']);
  return { a, b, y: labels(op, target, a), margin, reduction: o.reduction };
}

/**
 * Pulls x1 and x2 together where y = 1 and pushes them apart where y = −1, by their cosine
 * similarity cos = x1·x2 / √((‖x1‖² + ε)(‖x2‖² + ε)) along the last dim:
 *
 *   ℓ = 1 − cos           where y = 1
 *   ℓ = max(0, cos − m)   where y = −1
 *
 * x1, x2 are [N, D] with y [N], or [D] with a scalar y. Labels other than ±1 are a ValueError
 * (PyTorch silently counts them as 0).
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, target: Tensor, options: MarginLossOptions = {}): Tensor {
  const op = 'cosineEmbeddingLoss';
  const { a, b, y, margin, reduction } = marginInputs(op, x1, x2, target, options);
  if (y.ndim > 1 || a.ndim !== y.ndim + 1 || (y.ndim === 1 && y.shape[0] !== a.shape[0])) {
    throw new ShapeError(op, `expected inputs [N, D] with a target [N], or inputs [D] with a scalar target; got x1 ${fmtShape(a.shape)} and target ${fmtShape(y.shape)}`);
  }
  const bad = Array.from(y.data).find((v) => v !== 1 && v !== -1);
  if (bad !== undefined) throw new ValueError(op, `the target must hold labels 1 or −1, got ${bad}`);
  const dim = y.ndim;
  const dot = a.mul(b).sum(dim);
  const cos = dot.div(a.square().sum(dim).add(EPSILON).mul(b.square().sum(dim).add(EPSILON)).sqrt());
  return reduce(where(y.eq(1), cos.neg().add(1), cos.sub(margin).clamp(0)), reduction);
}

/**
 * ℓ = max(0, −y·(x1 − x2) + m): with y = 1, x1 should exceed x2 by at least the margin m (y = −1
 * the other way round). x1, x2 and y have one shape; y may be int32 or the inputs' float dtype.
 */
export function marginRankingLoss(x1: Tensor, x2: Tensor, target: Tensor, options: MarginLossOptions = {}): Tensor {
  const op = 'marginRankingLoss';
  const { a, b, y, margin, reduction } = marginInputs(op, x1, x2, target, options);
  sameShape(op, a, y, ['x1', 'target']);
  return reduce(y.neg().mul(a.sub(b)).add(margin).clamp(0), reduction);
}
