import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor, fromStorage, type TensorLike } from '../tensor.js';
import { broadcastBinary, mul, add } from './arithmetic.js';
import { abs } from './unary.js';
import { checkOptions } from '../options.js';
import { broadcastView, checkOperand, needs, scalarTensor, sumToShape, tensorPair } from './helpers.js';

// Comparisons promote their operands as arithmetic does and return bool tensors. They are step
// functions: their gradient is 0 almost everywhere, and bool tensors are never recorded.

export function eq(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('eq', a, b)[0]; }
export function ne(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('ne', a, b)[0]; }
export function lt(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('lt', a, b)[0]; }
export function le(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('le', a, b)[0]; }
export function gt(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('gt', a, b)[0]; }
export function ge(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('ge', a, b)[0]; }

// Logical ops treat any non-zero element as true, as PyTorch's do, and return bool.

/** `x == 0`: true where x is zero (false). */
export function logicalNot(x: Tensor): Tensor { return eq(x, 0); }
/** Both non-zero: the bool product (a bool `mul` is `and`). */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return mul(ne(a, 0), ne(b, 0)); }
/** Either non-zero: the bool sum (a bool `add` is `or`). */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return add(ne(a, 0), ne(b, 0)); }
/** Exactly one non-zero. */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor { return ne(ne(a, 0), ne(b, 0)); }

/** A mask argument: a bool tensor, else a DTypeError that says how to make one. */
export function checkMask(op: string, mask: unknown, name = 'mask'): Tensor {
  if (!(mask instanceof Tensor)) throw new ValueError(op, `${name} must be a bool tensor, got ${typeof mask}`);
  if (mask.dtype !== 'bool') throw new DTypeError(op, `${name} must be a bool tensor, got ${mask.dtype}; compare (x.gt(0)) or call .bool()`);
  return mask;
}

/**
 * `cond ? a : b`, broadcasting all three; `a` and `b` are promoted to one dtype. The gradient is
 * routed the same way: ∂/∂a = g where cond, 0 elsewhere; ∂/∂b = g where not cond.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkMask('where', cond, 'condition');
  checkOperand('where', a, 'input');
  checkOperand('where', b, 'other');
  const [x, y] = tensorPair('where', a, b);
  const shape = broadcastShapes('where', cond.shape, x.shape, y.shape);
  const out = fromStorage(
    getBackend().where(broadcastView(cond, shape), broadcastView(x, shape), broadcastView(y, shape), shape),
    shape,
  );
  return record(out, 'WhereBackward', [x, y], (g) => [
    needs(x, () => sumToShape(where(cond, g, 0), x.shape)),
    needs(y, () => sumToShape(where(cond, 0, g), y.shape)),
  ], [cond], ([tx, ty]) => where(cond, tx ?? 0, ty ?? 0));
}

/**
 * `value` where `mask` is non-zero, `x` elsewhere; `mask` broadcasts to x's shape, as in
 * PyTorch's `masked_fill`.   Gradient: g where the mask is zero, 0 where it filled.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean): Tensor {
  checkMask('maskedFill', mask);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new ValueError('maskedFill', `value must be a number, got ${typeof value}`);
  const shape = broadcastShapes('maskedFill', mask.shape, x.shape);
  if (!sameShape(shape, x.shape)) throw new ShapeError('maskedFill', `mask ${fmtShape(mask.shape)} must broadcast to the input ${fmtShape(x.shape)}`);
  // The value takes x's dtype (3.7 fills an int32 tensor with 3), as in PyTorch.
  return where(mask, scalarTensor(value, x.dtype), x);
}

// ---- what kind of number: bool, never on the tape ---------------------------------------------------

/** True where x is NaN (the one value unequal to itself). */
export function isnan(x: Tensor): Tensor { return ne(x, x); }
/** True where x is +∞ or −∞. */
export function isinf(x: Tensor): Tensor { return eq(abs(x), Infinity); }
/** True where x is neither NaN nor infinite (|x| < ∞ is false for both). */
export function isfinite(x: Tensor): Tensor { return lt(abs(x), Infinity); }

export interface NanToNumOptions {
  /** What replaces NaN (default 0). */
  nan?: number;
  /** What replaces +∞ (default: the dtype's largest finite value). */
  posinf?: number;
  /** What replaces −∞ (default: the dtype's lowest finite value). */
  neginf?: number;
}

/**
 * NaN, +∞ and −∞ replaced by finite numbers (PyTorch's nan_to_num).   Gradient: g where x was
 * finite, 0 where it was replaced (the replacements are constants).
 */
export function nanToNum(x: Tensor, options: NanToNumOptions = {}): Tensor {
  const big = x.dtype === 'float64' ? Number.MAX_VALUE : 3.4028234663852886e38;
  const { nan = 0, posinf = big, neginf = -big } = checkOptions('nanToNum', options, ['nan', 'posinf', 'neginf'], '{ nan: 0 }');
  for (const [k, v] of [['nan', nan], ['posinf', posinf], ['neginf', neginf]] as const) {
    if (typeof v !== 'number') throw new ValueError('nanToNum', `${k} must be a number, got ${typeof v}`);
  }
  return where(isnan(x), nan, where(eq(x, Infinity), posinf, where(eq(x, -Infinity), neginf, x)));
}
