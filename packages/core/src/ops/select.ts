import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { allocate } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkInteger, checkShape, normalizeDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { contiguous, expand, reshape } from './view.js';

/** Indices: a list of integers, an Int32Array, or a 1-D int32 tensor. */
export type IndexLike = readonly number[] | Int32Array | Tensor;

/** An index tensor argument: int32, else a DTypeError that says to call `.int()`. */
export function checkIndexTensor(op: string, index: unknown, name = 'index'): Tensor {
  if (!(index instanceof Tensor)) throw new ValueError(op, `${name} must be an int32 tensor, got ${Array.isArray(index) ? 'an array; wrap it with tensor(…, { dtype: \'int32\' })' : typeof index}`);
  if (index.dtype !== 'int32') throw new DTypeError(op, `${name} must be an int32 tensor, got ${index.dtype}; convert it with .int()`);
  return index;
}

/**
 * `x[..., start:end:step, ...]` along `dim`, with Python's rules (negative indices count from
 * the end, out-of-range bounds are clipped). A view: the offset moves to `start` and the stride
 * along `dim` is multiplied by `step`.   Gradient: the incoming gradient placed back into zeros.
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normalizeDim('slice', dim, x.ndim);
  checkInteger('slice', 'start', start);
  if (end !== undefined) checkInteger('slice', 'end', end);
  if (checkInteger('slice', 'step', step) < 1) throw new ValueError('slice', `step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  const clip = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clip(start);
  const e = Math.max(clip(end ?? size), s);
  const len = Math.ceil((e - s) / step);
  const shape = x.shape.map((v, i) => (i === d ? len : v));
  const strides = x.strides.map((v, i) => (i === d ? v * step : v));
  const out = new Tensor(x.buffer, shape, strides, x.offset + s * x.strides[d]);
  return record(out, 'SliceBackward', [x], (g) => [embed(g, x.shape, d, s, step)], [], ([t]) => slice(t!, d, s, e, step));
}

/**
 * The adjoint of `slice`: a zero tensor of `shape` with `g` written at `start, start+step, …`
 * along `dim`.   Gradient: slicing the incoming gradient the same way.
 */
export function embed(g: Tensor, shape: Shape, dim: number, start: number, step: number): Tensor {
  const out = fromStorage(allocate(g.dtype, sizeOf(shape)), shape);
  const target = new Tensor(out.buffer, g.shape, out.strides.map((v, i) => (i === dim ? v * step : v)), start * out.strides[dim]);
  getBackend().copyInto(g, target);
  return record(out, 'EmbedBackward', [g], (gg) => [slice(gg, dim, start, start + (g.shape[dim] - 1) * step + 1, step)], [],
    ([t]) => embed(t!, shape, dim, start, step));
}

/** `length` elements of `dim` from `start` (PyTorch's `narrow`). A view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim);
  checkInteger('narrow', 'start', start);
  checkInteger('narrow', 'length', length);
  const s = start < 0 ? start + x.shape[d] : start;
  if (length < 0 || s < 0 || s + length > x.shape[d]) {
    throw new ShapeError('narrow', `start ${start} and length ${length} do not fit dim ${dim} of size ${x.shape[d]} in ${fmtShape(x.shape)}`);
  }
  return slice(x, d, s, s + length);
}

function indexValues(op: string, index: IndexLike): ArrayLike<number> {
  if (index instanceof Tensor) {
    checkIndexTensor(op, index);
    if (index.ndim !== 1) throw new ShapeError(op, `index must be 1-D, got shape ${fmtShape(index.shape)}`);
    return index.data;
  }
  if (!Array.isArray(index) && !(index instanceof Int32Array)) throw new ValueError(op, `index must be a list of integers or an int32 tensor, got ${typeof index}`);
  return index;
}

/** Every index an integer in [0, size): an IndexError naming the first that is not. */
export function checkIndices(op: string, values: ArrayLike<number>, size: number, dim: number): void {
  // int32 storage holds integers: one unsigned compare per element finds both ends of the range.
  if (values instanceof Int32Array) {
    for (let i = 0; i < values.length; i++) if (values[i] >>> 0 >= size) throw new IndexError(op, `index ${values[i]} is out of range for dim ${dim} of size ${size}`);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      throw new IndexError(op, `index ${v} is out of range for dim ${dim} of size ${size}`);
    }
  }
}

/**
 * Picks elements along `dim` by index: `out[…, i, …] = x[…, index[…, i, …], …]`. `index` has
 * x's rank and x's sizes on every other dim.
 * Gradient: scatter-add — each picked element receives the gradient of every place it went.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim('gather', dim, x.ndim);
  checkIndexTensor('gather', index);
  if (index.ndim !== x.ndim || index.shape.some((v, i) => i !== d && v !== x.shape[i])) {
    throw new ShapeError('gather', `index of shape ${fmtShape(index.shape)} must match input ${fmtShape(x.shape)} on every dim but ${dim}`);
  }
  const idx = contiguous(index.detach());
  checkIndices('gather', idx.data, x.shape[d], dim);
  return gatherInRange(x, d, idx);
}

/**
 * `gather` with a contiguous index already known to lie in range: checked when the op that made
 * it ran, or written by a kernel, and saved by that op, so the tape's version check refuses it if
 * it was written in place since. Gradient rules use it to skip a second pass over the index.
 */
export function gatherInRange(x: Tensor, d: number, idx: Tensor): Tensor {
  const out = fromStorage(getBackend().gather(contiguous(x.detach()), d, idx), idx.shape);
  return record(out, 'GatherBackward', [x], (g) => [scatterAddInRange(x.shape, d, idx, g)], [idx], ([t]) => gatherInRange(t!, d, idx));
}

/**
 * `zeros(shape)` with `src` added at the places `index` names along `dim` (the adjoint of gather).
 * Gradient with respect to `src`: gather.
 */
export function scatterAdd(shape: Shape, dim: number, index: Tensor, src: Tensor): Tensor {
  checkShape('scatterAdd', shape);
  const d = normalizeDim('scatterAdd', dim, shape.length);
  checkIndexTensor('scatterAdd', index);
  if (!(src instanceof Tensor)) throw new ValueError('scatterAdd', 'src must be a tensor');
  if (!sameShape(index.shape, src.shape) || index.ndim !== shape.length || index.shape.some((v, i) => i !== d && v !== shape[i])) {
    throw new ShapeError('scatterAdd', `index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have one shape, matching the output ${fmtShape(shape)} on every dim but ${dim}`);
  }
  const idx = contiguous(index.detach());
  checkIndices('scatterAdd', idx.data, shape[d], dim);
  return scatterAddInRange(shape, d, idx, src);
}

/** `scatterAdd` with an index known to lie in range (as `gatherInRange`). */
export function scatterAddInRange(shape: Shape, d: number, idx: Tensor, src: Tensor): Tensor {
  const s = contiguous(src);
  const out = fromStorage(getBackend().scatterAdd(shape, src.dtype, d, idx, s.detach()), shape);
  return record(out, 'ScatterAddBackward', [s], (g) => [gatherInRange(g, d, idx)], [idx], ([t]) => scatterAddInRange(shape, d, idx, t!));
}

/** Rows (or slices along `dim`) in the order `index` lists them, repeats allowed. */
export function indexSelect(x: Tensor, dim: number, index: IndexLike): Tensor {
  const d = normalizeDim('indexSelect', dim, x.ndim);
  return gather(x, d, stretchIndex('indexSelect', x, d, index, dim));
}

/**
 * A 1-D list of positions along the normalised dim `d`, checked and stretched to a full
 * gather/scatter index: x's shape with `d` replaced by the list's length (a broadcast view).
 * Errors name the dim as the caller wrote it (`dim`).
 */
export function stretchIndex(op: string, x: Tensor, d: number, index: IndexLike, dim: number = d): Tensor {
  const values = indexValues(op, index);
  checkIndices(op, values, x.shape[d], dim);
  const storage = allocate('int32', values.length);
  storage.set(values);
  const column = reshape(fromStorage(storage, [values.length]), x.shape.map((_, i) => (i === d ? values.length : 1)));
  return expand(column, x.shape.map((v, i) => (i === d ? values.length : v)));
}

/**
 * Reverses the order along each of `dims` (a copy, as in PyTorch): one reversed index list per
 * dim, through `indexSelect`, whose gradient (scatter-add) puts every element's gradient back.
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw new ValueError('flip', `dims must be a number or a list of numbers, got ${String(dims)}`);
  const ds = list.map((d) => normalizeDim('flip', d, x.ndim));
  if (new Set(ds).size !== ds.length) throw new ShapeError('flip', `dims ${JSON.stringify(list)} name a dimension twice`);
  let out = x;
  for (const d of ds) out = indexSelect(out, d, Array.from({ length: x.shape[d] }, (_, i) => x.shape[d] - 1 - i));
  return out;
}
