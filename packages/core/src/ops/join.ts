import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { allocate, promoteTypes } from '../dtype.js';
import { asDType } from './helpers.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeDim, sizeOf } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { narrow } from './select.js';
import { squeeze, unsqueeze } from './view.js';
import { zerosLike } from '../creation.js';

/**
 * Concatenates along `dim`; all other sizes must agree. Each input is copied into its band of
 * the output.   Gradient: each input gets its band of the incoming gradient back (narrow).
 */
export function cat(inputs: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new ValueError('cat', 'expected a non-empty list of tensors');
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError('cat', `element ${i} of the list is not a tensor (${typeof t})`);
  });
  // Promoted to one dtype, as PyTorch's cat does (bool and int32 with float32 give float32).
  const dtype = inputs.map((t) => t.dtype).reduce((a, b) => promoteTypes('cat', a, b));
  const tensors = inputs.map((t) => asDType(t, dtype));
  const first = tensors[0];
  const d = normalizeDim('cat', dim, first.ndim);
  for (const t of tensors) {
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
  return record(out, 'CatBackward', tensors, (g) => tensors.map((t, i) => narrow(g, d, starts[i], t.shape[d])), [],
    (ts) => cat(ts.map((t, i) => t ?? zerosLike(tensors[i])), d));
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

/**
 * Splits along `dim` into pieces of `size` (the last may be shorter), or into pieces of the
 * listed sizes, which must add up to the dim's size. Each piece is a view (`narrow`), so the
 * gradient of each flows back into its band.
 */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1) throw new ValueError('split', `split size must be a positive integer, got ${sizes}`);
    list = Array.from({ length: Math.max(1, Math.ceil(n / sizes)) }, (_, i) => Math.min(sizes, n - i * sizes));
  } else {
    if (!Array.isArray(sizes) || sizes.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new ValueError('split', `sizes must be a positive integer or a list of non-negative integers, got ${JSON.stringify(sizes)}`);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new ShapeError('split', `sizes ${JSON.stringify(sizes)} add up to ${total}, but dim ${dim} of ${fmtShape(x.shape)} has ${n}`);
    list = [...sizes];
  }
  let at = 0;
  return list.map((len) => {
    const piece = narrow(x, d, at, len);
    at += len;
    return piece;
  });
}

/**
 * Splits along `dim` into `chunks` views of ⌈n/chunks⌉ elements each (the last may be shorter,
 * and fewer chunks come back when n is small), as PyTorch's `chunk`.
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new ValueError('chunk', `chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** The slices along `dim`, each without that dim (views), as PyTorch's `unbind`; the inverse of `stack`. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim('unbind', dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => squeeze(narrow(x, d, i, 1), d));
}
