import type { View } from '../backend/kernels.js';
import { allocate, promoteTypes, promoteWithScalar, scalarDType, toElement, type DType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe } from '../shape.js';
import { sameShape, type Shape } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sum } from './reduce.js';
import { cast, reshape } from './view.js';

/** A number becomes a 0-d tensor of the dtype it will meet, so `x.mul(2)` keeps x's dtype. */
export function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  const s = allocate(dtype, 1);
  s[0] = toElement(dtype, Number(value));
  return new Tensor(s, []);
}

/** A tensor or a number, as an operand of `op`; anything else (an array, a string, null) is an error naming it. */
export function checkOperand(op: string, v: unknown, name = 'operand'): Tensor | number | boolean {
  if (v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ValueError(op, `${name} must be a tensor or a number, got ${Array.isArray(v) ? `an array ${describe(v)}; wrap it with tensor()` : describe(v)}`);
}

/** `t` in `dtype`: itself when it already is, else a (differentiable) cast. */
export function asDType(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : cast(t, dtype);
}

/**
 * The dtype of `a ∘ b` by PyTorch's promotion rules (`promoteTypes` for two tensors, the
 * wrapped-number rule for a tensor and a number; float32 for two numbers).
 */
export function resultDType(op: string, a: TensorLike | boolean, b: TensorLike | boolean): DType {
  const x = checkOperand(op, a, 'the first operand'), y = checkOperand(op, b, 'the second operand');
  if (x instanceof Tensor && y instanceof Tensor) return promoteTypes(op, x.dtype, y.dtype);
  if (x instanceof Tensor) return promoteWithScalar(x.dtype, y as number | boolean);
  if (y instanceof Tensor) return promoteWithScalar(y.dtype, x);
  return promoteTypes(op, scalarDType(x), scalarDType(y));
}

/** Turns a pair of tensor-likes into tensors of their promoted dtype (see `resultDType`). */
export function tensorPair(op: string, a: TensorLike, b: TensorLike, dtype = resultDType(op, a, b)): [Tensor, Tensor] {
  const as = (v: TensorLike): Tensor => (v instanceof Tensor ? asDType(v, dtype) : scalarTensor(v, dtype));
  return [as(a), as(b)];
}

/**
 * The view of `t` broadcast to `shape` (which must be a broadcast of t.shape): missing leading
 * dims and size-1 dims get stride 0, so every output position reads the one stored element.
 */
export function broadcastView(t: Tensor, shape: Shape): View {
  const lead = shape.length - t.ndim;
  const strides = shape.map((d, i) => (i < lead || t.shape[i - lead] !== d ? 0 : t.strides[i - lead]));
  return { buffer: t.buffer, shape, strides, offset: t.offset };
}

/**
 * The adjoint of broadcasting: a gradient of the broadcast shape is summed over the dims that
 * broadcasting created or stretched, giving the input's shape back. (If y = x broadcast, then
 * ∂L/∂x = Σ over the copies of ∂L/∂y.)
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new ShapeError('sumToShape', `cannot reduce ${fmtShape(g.shape)} to the larger ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  return reshape(dims.length > 0 ? sum(g, dims, true) : g, shape);
}

/** Runs a gradient rule only for inputs that need it (saves the work for constants). */
export function needs(t: Tensor, rule: () => Tensor): Tensor | null {
  return t.requiresGrad ? rule() : null;
}
