import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { ArgReduceOp, ReduceOp } from '../backend/kernels.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import { asDType } from './helpers.js';
import { checkOptions } from '../options.js';
import { checkShape, describe, normalizeDim, normalizeDims, sizeOf } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, div, mul, pow, sub } from './arithmetic.js';
import { eq, gt, logicalOr, ne, where } from './compare.js';
import { flip } from './select.js';
import { abs, exp, log, sign, sqrt } from './unary.js';
import { contiguous, expand, reshape } from './view.js';

/** Which dims a reduction runs over: one, several, or (undefined) all. */
export type Dims = number | readonly number[] | undefined;

/**
 * max, min, argmax and argmin have no identity to return for an empty slice (−∞ would look like
 * data), so reducing over zero elements is an error, as in PyTorch.
 */
function checkNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  if (dims.some((d) => x.shape[d] === 0)) {
    throw new ShapeError(op, `cannot reduce over zero elements (dim ${dims.find((d) => x.shape[d] === 0)} of ${fmtShape(x.shape)} is empty): ${op} has no identity`);
  }
}

/**
 * Shapes of a reduction: with the reduced dims kept as 1, and as returned. Reducing an empty
 * tensor can make a larger one (`zeros([0, 2**40]).sum(0)` has 2⁴⁰ elements): checked here.
 */
function reducedShapes(x: Tensor, dims: number[], keepdim: boolean): [number[], number[]] {
  const kept = checkShape('reduce', x.shape.map((d, i) => (dims.includes(i) ? 1 : d)));
  return [kept, keepdim ? kept : x.shape.filter((_, i) => !dims.includes(i))];
}

function dimsOf(op: string, x: Tensor, dim: Dims): number[] {
  const dims = normalizeDims(op, dim, x.ndim);
  // A scalar has no dims to reduce; `dim` [] means "all dims", as in PyTorch's sum.
  return x.ndim === 0 ? [] : dims.length === 0 ? [...x.shape.keys()] : dims;
}

function runReduce(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean): [Tensor, number[]] {
  const [kept, shape] = reducedShapes(x, dims, keepdim);
  return [fromStorage(getBackend().reduce(op, x, dims), shape), kept];
}

/**
 * Σ over `dim` (all dims when omitted); a bool or int32 tensor sums to int32 (PyTorch: int64).
 * ∂/∂x = 1: the gradient is copied back over the reduced dims.
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = dimsOf('sum', x, dim);
  const [out, kept] = runReduce('sum', asDType(x, x.dtype === 'bool' ? 'int32' : x.dtype), dims, keepdim);
  return record(out, 'SumBackward', [x], (g) => [expand(reshape(g, kept), x.shape)], [], ([t]) => sum(t!, dims, keepdim));
}

/** Mean over `dim`: the sum divided by the number of elements reduced. Float tensors only, as in PyTorch. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError('mean', `needs a float tensor, got ${x.dtype}; convert with .float() first (x.float().mean())`);
  const dims = dimsOf('mean', x, dim);
  const count = sizeOf(dims.map((d) => x.shape[d]));
  return div(sum(x, dims, keepdim), count);
}

/**
 * Largest (smallest) value over `dim` (the values only, like PyTorch's `amax`; see `argmax`).
 * ∂/∂x is the indicator of the positions that attain the extremum, split evenly among ties.
 */
function extremum(op: 'max' | 'min', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = dimsOf(op, x, dim);
  checkNonEmpty(op, x, dims);
  const [out, kept] = runReduce(op, x, dims, keepdim);
  // ∂out/∂x: 1/k at each of the k positions attaining the extremum; ẏ = Σ share·ẋ (the tangents' mean over ties)
  const share = (): Tensor => {
    const hit = asDType(eq(x, expand(reshape(out.detach(), kept), x.shape)), x.dtype);
    return div(hit, sum(hit, dims, true));
  };
  return record(out, op === 'max' ? 'MaxBackward' : 'MinBackward', [x], (g) => [mul(share(), expand(reshape(g, kept), x.shape))],
    undefined, ([t]) => sum(mul(share(), t!), dims, keepdim));
}

export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum('max', x, dim, keepdim);
}

export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum('min', x, dim, keepdim);
}

/**
 * log Σ exp(x) over `dim`, computed as m + log Σ exp(x − m) with m = max(x) so that exp never
 * overflows. Built from differentiable ops; its gradient comes out as softmax(x).
 */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = dimsOf('logsumexp', x, dim);
  const shift = maxShift(x, dims);
  const out = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
  return keepdim ? out : reshape(out, reducedShapes(x, dims, false)[1]);
}

/**
 * The max over `dims` (keepdim), detached, to subtract before exponentiating: e^{x−m} ≤ 1 never
 * overflows, and the results do not depend on m, so no gradient needs to flow through it. An all
 * −∞ slice has max −∞; shifting by 0 there keeps the result −∞ instead of NaN.
 */
function maxShift(x: Tensor, dims: number[]): Tensor {
  const m = max(x, dims, true).detach();
  return where(eq(abs(m), Infinity), 0, m);
}

/** Index of the largest (smallest) element along `dim`, or in the flattened tensor when `dim` is omitted, as int32. Not differentiable. */
function argExtremum(op: ArgReduceOp, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) return argExtremum(op, reshape(x, [x.numel()]), 0, false);
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim === 0) return fromStorage(getBackend().argReduce(op, reshape(x, [1]), 0), []);
  checkNonEmpty(op, x, [d]);
  const [, shape] = reducedShapes(x, [d], keepdim);
  return fromStorage(getBackend().argReduce(op, x, d), shape);
}

export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmax', x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmin', x, dim, keepdim);
}

/**
 * log softmax over `dim`: x − logsumexp(x), stable for any logits. Its gradient,
 * g − softmax(x)·Σg, comes out of the ops it is built from.
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('logSoftmax', dim, x.ndim);
  // (x − m) − log Σ e^{x−m} rather than x − logsumexp(x): x − m is exact for the large entries
  // (Sterbenz), where adding m back to the log would round at the scale of the logits.
  const z = sub(x, maxShift(x, [d]));
  return sub(z, log(sum(exp(z), d, true)));
}

/** softmax over `dim`: e^{x − logsumexp(x)}, which never overflows; sums to 1 along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return exp(logSoftmax(x, dim));
}

export interface VarOptions {
  /** Subtracted from the count in the denominator: 1 (default) is the unbiased estimate, 0 the population variance. */
  correction?: number;
  keepdim?: boolean;
}

/**
 * Variance over `dim` (all dims when omitted): Σ(x − mean)² / (N − correction), unbiased by
 * default as in PyTorch. N ≤ correction gives NaN (PyTorch gives NaN or ∞ there too).
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const { correction = 1, keepdim = false } = checkOptions('var', options, ['correction', 'keepdim'], '{ correction: 0 }');
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw new ValueError('var', `correction must be a finite number, got ${describe(correction)}`);
  const dims = dimsOf('var', x, dim);
  const count = sizeOf(dims.map((d) => x.shape[d]));
  const d = sub(x, mean(x, dims, true));
  return div(sum(mul(d, d), dims, keepdim), count - correction > 0 ? count - correction : NaN);
}

/** Standard deviation: √var, with var's `correction` (1 by default, as in PyTorch). */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, checkOptions('std', options, ['correction', 'keepdim'], '{ correction: 0 }')));
}

/**
 * The p-norm over `dim` (all dims when omitted): (Σ|x|ᵖ)^{1/p}; p = 2 (default), 1, ∞ or any p > 0.
 * The 2-norm's gradient is x/‖x‖, taken as 0 where ‖x‖ = 0 (PyTorch's subgradient), not NaN.
 */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  if (typeof p !== 'number' || !(p > 0)) throw new ValueError('norm', `p must be a positive number or Infinity, got ${describe(p)}`);
  const dims = dimsOf('norm', x, dim);
  if (p === Infinity) return max(abs(x), dims, keepdim);
  if (p === 1) return sum(abs(x), dims, keepdim);
  if (p !== 2) return pNorm(x, p, dims, keepdim);
  const out = noGrad(() => sqrt(sum(mul(x, x), dims, keepdim)));
  const kept = reducedShapes(x, dims, true)[0];
  // ∂‖x‖/∂x = x/‖x‖ (0 where ‖x‖ = 0); ṅ = Σ ∂‖x‖/∂x·ẋ
  const partial = (): Tensor => {
    const n = expand(reshape(out, kept), x.shape);
    return where(eq(n, 0), 0, div(x, n));
  };
  return record(out, 'NormBackward', [x], (g) => [mul(expand(reshape(g, kept), x.shape), partial())],
    undefined, ([t]) => sum(mul(partial(), t!), dims, keepdim));
}

/** The largest values over `dim` (all dims when omitted): PyTorch's amax, the values `max` gives. */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return max(x, dim, keepdim);
}

/** The smallest values over `dim`: PyTorch's amin. */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return min(x, dim, keepdim);
}

/** Whether any element over `dim` is non-zero (true), as bool. */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return gt(sum(ne(x, 0), dim, keepdim), 0);
}

/** Whether every element over `dim` is non-zero (true), as bool. */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return eq(sum(eq(x, 0), dim, keepdim), 0);
}

/**
 * Π over `dim` (all dims when omitted). ∂/∂xᵢ is the product of the others: out/xᵢ where no
 * element of the slice is 0; where exactly one is, that one gets the product of the rest and the
 * others 0; where two or more are, every gradient is 0 (PyTorch's rule, never a 0/0).
 */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = dimsOf('prod', x, dim);
  const [out, kept] = runReduce('prod', asDType(x, x.dtype === 'bool' ? 'int32' : x.dtype), dims, keepdim);
  // ∂out/∂xᵢ as above (`local`); ṗ = Σᵢ ∂out/∂xᵢ·ẋᵢ
  const partials = (): Tensor => {
    const zero = eq(x, 0);
    const zeros = sum(zero, dims, true);
    const others = prod(where(zero, 1, x), dims, true); // the product of the non-zero elements
    const back = (t: Tensor): Tensor => expand(t, x.shape);
    const whenNone = div(back(reshape(out, kept)), where(zero, 1, x));
    const whenOne = where(zero, back(others), 0);
    return where(back(eq(zeros, 0)), whenNone, where(back(eq(zeros, 1)), whenOne, 0));
  };
  return record(out, 'ProdBackward', [x], (g) => [mul(partials(), expand(reshape(g, kept), x.shape))], [x, out],
    ([t]) => sum(mul(partials(), t!), dims, keepdim));
}

/**
 * (Σ|x|ᵖ)^{1/p} for p other than 1, 2 and ∞.   ∂/∂x = sign(x)·|x|^{p−1} / out^{p−1}, taken as 0
 * where the norm is 0 (the zero subgradient, as PyTorch; the composed rule would give 0·∞) and
 * where xᵢ = 0 (for p < 1 the formula there is 0·∞).
 */
function pNorm(x: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  const out = noGrad(() => pow(sum(pow(abs(x), p), dims, keepdim), 1 / p));
  const kept = reducedShapes(x, dims, true)[0];
  const partial = (): Tensor => {
    const n = expand(reshape(out, kept), x.shape);
    const scale = div(mul(sign(x), pow(abs(x), p - 1)), pow(n, p - 1));
    return where(logicalOr(eq(n, 0), eq(x, 0)), 0, scale);
  };
  return record(out, 'NormBackward', [x], (g) => [mul(expand(reshape(g, kept), x.shape), partial())], [x, out],
    ([t]) => sum(mul(partial(), t!), dims, keepdim));
}
