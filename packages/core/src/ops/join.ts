import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { allocate, sameDType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeDim, sizeOf } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { narrow } from './select.js';
import { unsqueeze } from './view.js';

/**
 * Concatenates along `dim`; all other sizes must agree. Each input is copied into its band of
 * the output.   Gradient: each input gets its band of the incoming gradient back (narrow).
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat', 'expected a non-empty list of tensors');
  const first = tensors[0];
  const d = normalizeDim('cat', dim, first.ndim);
  for (const t of tensors) {
    sameDType('cat', first.dtype, t.dtype);
    if (t.ndim !== first.ndim || t.shape.some((v, i) => i !== d && v !== first.shape[i])) {
      throw new ShapeError('cat', `shapes ${tensors.map((x) => fmtShape(x.shape)).join(', ')} differ outside dim ${dim}`);
    }
  }
  const shape = first.shape.map((v, i) => (i === d ? tensors.reduce((s, t) => s + t.shape[d], 0) : v));
  const out = fromStorage(allocate(first.dtype, sizeOf(shape)), shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    getBackend().copyInto(t, new Tensor(out.buffer, t.shape, out.strides, at * out.strides[d]));
    at += t.shape[d];
  }
  return record(out, 'CatBackward', tensors, (g) => tensors.map((t, i) => narrow(g, d, starts[i], t.shape[d])));
}

/** Stacks equal-shaped tensors along a new dim `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack', 'expected a non-empty list of tensors');
  const shape = tensors[0].shape;
  if (tensors.some((t) => t.ndim !== shape.length || t.shape.some((v, i) => v !== shape[i]))) {
    throw new ShapeError('stack', `all tensors must have the same shape, got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`);
  }
  const d = normalizeDim('stack', dim, shape.length + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}
