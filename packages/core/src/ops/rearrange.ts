import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import { zerosLike } from '../creation.js';
import { allocate } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe, normalizeDim, sizeOf } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { where } from './compare.js';
import { cat } from './join.js';
import { narrow } from './select.js';
import { expand, permute, reshape } from './view.js';

// Ops that move elements around without computing: each is views, copies and cat, so their
// gradients put every element's gradient back where it came from (summing repeats).

const ints = (op: string, name: string, v: unknown): number[] => {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.some((d) => !Number.isInteger(d))) throw new ValueError(op, `${name} must be an integer or a list of integers, got ${describe(v)}`);
  return list as number[];
};

/**
 * Copies of x laid side by side: `repeat(2, 3)` makes [2·rows, 3·cols] (PyTorch's repeat; more
 * counts than dims add leading dims). Each dim of size s repeated r times is an expanded [r, s]
 * pair reshaped to r·s, so the gradient sums the copies.
 */
export function repeat(x: Tensor, counts: readonly number[]): Tensor {
  const r = ints('repeat', 'counts', counts);
  if (r.length < x.ndim) throw new ShapeError('repeat', `${r.length} counts for a ${x.ndim}-D tensor ${fmtShape(x.shape)}: give one per dim (or more)`);
  if (r.some((c) => c < 0)) throw new ValueError('repeat', `counts must be ≥ 0, got ${describe(counts)}`);
  const shape = [...Array(r.length - x.ndim).fill(1), ...x.shape];
  const pairs = reshape(x, shape.flatMap((s) => [1, s]));
  return reshape(expand(pairs, shape.flatMap((s, i) => [r[i], s])), shape.map((s, i) => s * r[i]));
}

/** `repeat` with the counts padded with 1s on the left to x's dims (PyTorch's tile). */
export function tile(x: Tensor, counts: readonly number[]): Tensor {
  const r = ints('tile', 'counts', counts);
  return repeat(x, [...Array(Math.max(0, x.ndim - r.length)).fill(1), ...r]);
}

/** Elements shifted along `dims` by `shifts`, wrapping around; without dims, over the flattened tensor. */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const s = ints('roll', 'shifts', shifts);
  if (dims === undefined) {
    if (s.length !== 1) throw new ValueError('roll', `without dims, give one shift, got ${describe(shifts)}`);
    return reshape(roll(reshape(x, [-1]), s, [0]), x.shape);
  }
  const ds = ints('roll', 'dims', dims).map((d) => normalizeDim('roll', d, x.ndim));
  if (ds.length !== s.length) throw new ValueError('roll', `${s.length} shifts for ${ds.length} dims`);
  let out = x;
  ds.forEach((d, i) => {
    const n = out.shape[d];
    const k = n === 0 ? 0 : ((s[i] % n) + n) % n;
    if (k !== 0) out = cat([narrow(out, d, n - k, k), narrow(out, d, 0, n - k)], d);
  });
  return out;
}

/** Dim `dim` split into `sizes` (one may be −1). */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim('unflatten', dim, x.ndim);
  return reshape(x, [...x.shape.slice(0, d), ...ints('unflatten', 'sizes', sizes), ...x.shape.slice(d + 1)]);
}

/** Dims `source` moved to positions `destination`, the others keeping their order (a view). */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const src = ints('movedim', 'source', source).map((d) => normalizeDim('movedim', d, x.ndim));
  const dst = ints('movedim', 'destination', destination).map((d) => normalizeDim('movedim', d, x.ndim));
  if (src.length !== dst.length || new Set(src).size !== src.length || new Set(dst).size !== dst.length) {
    throw new ValueError('movedim', `source ${describe(source)} and destination ${describe(destination)} must be distinct dims, as many of each`);
  }
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => (order[dst[i]] = s));
  const rest = [...x.shape.keys()].filter((d) => !src.includes(d));
  return permute(x, order.map((o) => (o >= 0 ? o : rest.shift()!)));
}

/** x broadcast to `shape` (a view: PyTorch's broadcast_to, which is `expand`). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/**
 * The diagonal of dims `dim1`, `dim2` (offset above it for > 0, below for < 0), moved to the
 * last dim: a view, with stride the sum of the two.   Gradient: g written on the same diagonal of zeros.
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const a = normalizeDim('diagonal', dim1, x.ndim), b = normalizeDim('diagonal', dim2, x.ndim);
  if (a === b) throw new ShapeError('diagonal', `dim1 and dim2 are both ${dim1} for ${fmtShape(x.shape)}`);
  if (!Number.isInteger(offset)) throw new ValueError('diagonal', `offset must be an integer, got ${describe(offset)}`);
  const start = offset >= 0 ? offset * x.strides[b] : -offset * x.strides[a];
  const len = Math.max(0, offset >= 0 ? Math.min(x.shape[a], x.shape[b] - offset) : Math.min(x.shape[a] + offset, x.shape[b]));
  const keep = [...x.shape.keys()].filter((d) => d !== a && d !== b);
  const out = new Tensor(x.buffer, [...keep.map((d) => x.shape[d]), len], [...keep.map((d) => x.strides[d]), x.strides[a] + x.strides[b]], x.offset + (len > 0 ? start : 0));
  return record(out, 'DiagonalBackward', [x], (g) => [diagonalEmbed(g, x.shape, offset, a, b)], [], ([t]) => diagonal(t!, offset, a, b));
}

/** Zeros of `shape` with `g` written on its diagonal (the adjoint of `diagonal`).   Gradient: the diagonal again. */
function diagonalEmbed(g: Tensor, shape: readonly number[], offset: number, a: number, b: number): Tensor {
  const out = fromStorage(allocate(g.dtype, sizeOf(shape)), shape);
  getBackend().copyInto(g, diagonal(out.detach(), offset, a, b));
  return record(out, 'DiagonalEmbedBackward', [g], (gg) => [diagonal(gg, offset, a, b)], [], ([t]) => diagonalEmbed(t!, shape, offset, a, b));
}

/** A 1-D v as the `offset` diagonal of a square matrix; a 2-D x's `offset` diagonal as a 1-D copy (PyTorch's diag). */
export function diag(x: Tensor, offset = 0): Tensor {
  if (x.ndim === 2) return reshape(diagonal(x, offset), [-1]).contiguous();
  if (x.ndim !== 1) throw new ShapeError('diag', `expected a 1-D or 2-D tensor, got ${fmtShape(x.shape)}`);
  const n = x.shape[0] + Math.abs(offset);
  return diagonalEmbed(x, [n, n], offset, 0, 1);
}

/** The lower triangle of the last two dims (j ≤ i + diagonal), zeros above. */
export function tril(x: Tensor, diagonalOffset = 0): Tensor {
  return triangle('tril', x, diagonalOffset, (i, j) => j - i <= diagonalOffset);
}

/** The upper triangle of the last two dims (j ≥ i + diagonal), zeros below. */
export function triu(x: Tensor, diagonalOffset = 0): Tensor {
  return triangle('triu', x, diagonalOffset, (i, j) => j - i >= diagonalOffset);
}

function triangle(op: string, x: Tensor, k: number, keep: (i: number, j: number) => boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(op, `needs at least 2 dims, got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new ValueError(op, `diagonal must be an integer, got ${describe(k)}`);
  const [rows, cols] = x.shape.slice(-2);
  const mask = allocate('bool', rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mask[i * cols + j] = keep(i, j) ? 1 : 0;
  // the filler in x's own dtype: a bare 0 would promote a bool tensor to int32 (the scalar rule)
  return where(fromStorage(mask, [rows, cols]), x, x.dtype === 'bool' ? zerosLike(x) : 0);
}

/**
 * Coordinate grids from 1-D tensors: with 'ij' (default, as PyTorch) output k varies along dim k;
 * with 'xy' the first two dims are swapped (NumPy's and MATLAB's convention).
 */
export function meshgrid(tensors: readonly Tensor[], options: { indexing?: 'ij' | 'xy' } = {}): Tensor[] {
  const { indexing = 'ij' } = options;
  if (indexing !== 'ij' && indexing !== 'xy') throw new ValueError('meshgrid', `indexing must be 'ij' or 'xy', got ${describe(indexing)}`);
  if (tensors.some((t) => !(t instanceof Tensor) || t.ndim > 1)) throw new ShapeError('meshgrid', 'expects 1-D tensors');
  const sizes = tensors.map((t) => t.numel());
  const swap = indexing === 'xy' && tensors.length >= 2;
  const shape = swap ? [sizes[1], sizes[0], ...sizes.slice(2)] : sizes;
  return tensors.map((t, k) => {
    const at = swap && k < 2 ? 1 - k : k;
    return expand(reshape(t, shape.map((s, i) => (i === at ? s : 1))), shape);
  });
}
