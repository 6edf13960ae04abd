import type { View } from '../backend/kernels.js';
import { allocate, sameDType, type DType } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import { sameShape, type Shape } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape } from './view.js';

/** A number becomes a 0-d tensor of the dtype it will meet, so `x.mul(2)` keeps x's dtype. */
export function scalarTensor(value: number, dtype: DType): Tensor {
  const s = allocate(dtype, 1);
  s[0] = value;
  return new Tensor(s, []);
}

/** Turns a pair of tensor-likes into tensors of one dtype (numbers adopt the other side's dtype). */
export function tensorPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) {
    sameDType(op, a.dtype, b.dtype);
    return [a, b];
  }
  if (a instanceof Tensor) return [a, scalarTensor(b as number, a.dtype)];
  if (b instanceof Tensor) return [scalarTensor(a, b.dtype), b];
  return [scalarTensor(a, 'float32'), scalarTensor(b, 'float32')];
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
