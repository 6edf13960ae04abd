import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { sameDType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor, fromStorage, type TensorLike } from '../tensor.js';
import { broadcastBinary } from './arithmetic.js';
import { broadcastView, needs, scalarTensor, sumToShape } from './helpers.js';

// Comparisons return 1 where true and 0 where false, in the operands' dtype (tensorgrad has no
// bool dtype). They are step functions: their gradient is 0 almost everywhere, so they are not recorded.

export function eq(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('eq', a, b)[0]; }
export function ne(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('ne', a, b)[0]; }
export function lt(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('lt', a, b)[0]; }
export function le(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('le', a, b)[0]; }
export function gt(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('gt', a, b)[0]; }
export function ge(a: TensorLike, b: TensorLike): Tensor { return broadcastBinary('ge', a, b)[0]; }

/**
 * `cond ≠ 0 ? a : b`, broadcasting all three. The gradient is routed the same way:
 * ∂/∂a = g where cond, 0 elsewhere; ∂/∂b = g where not cond.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : cond.dtype;
  const x = a instanceof Tensor ? a : scalarTensor(a, dtype);
  const y = b instanceof Tensor ? b : scalarTensor(b, dtype);
  sameDType('where', x.dtype, y.dtype);
  const shape = broadcastShapes('where', cond.shape, x.shape, y.shape);
  const out = fromStorage(
    getBackend().where(broadcastView(cond, shape), broadcastView(x, shape), broadcastView(y, shape), shape),
    shape,
  );
  return record(out, 'WhereBackward', [x, y], (g) => [
    needs(x, () => sumToShape(where(cond, g, 0), x.shape)),
    needs(y, () => sumToShape(where(cond, 0, g), y.shape)),
  ]);
}

/**
 * `value` where `mask` is non-zero, `x` elsewhere; `mask` broadcasts to x's shape, as in
 * PyTorch's `masked_fill`.   Gradient: g where the mask is zero, 0 where it filled.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!(mask instanceof Tensor)) throw new ValueError('maskedFill', 'mask must be a tensor');
  if (typeof value !== 'number') throw new ValueError('maskedFill', `value must be a number, got ${typeof value}`);
  const shape = broadcastShapes('maskedFill', mask.shape, x.shape);
  if (!sameShape(shape, x.shape)) throw new ShapeError('maskedFill', `mask ${fmtShape(mask.shape)} must broadcast to the input ${fmtShape(x.shape)}`);
  return where(mask, value, x);
}
