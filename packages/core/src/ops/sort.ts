import { getBackend } from '../backend/backend.js';
import { allocate } from '../dtype.js';
import { IndexError, ValueError } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe, normalizeDim } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { gather, narrow } from './select.js';
import { movedim } from './rearrange.js';
import { contiguous, reshape, squeeze } from './view.js';

/**
 * Sorting and order statistics. One kernel finds the order (`argsort`, stable); the values are
 * gathered with it, so their gradient is gather's: each output's gradient goes back to the
 * element it came from.
 */

export interface SortOptions {
  /** Along this dim (default the last). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
}

function order(op: string, x: Tensor, dim: number, descending: boolean): Tensor {
  if (typeof descending !== 'boolean') throw new ValueError(op, `descending must be a boolean, got ${describe(descending)}`);
  return fromStorage(getBackend().argsort(contiguous(x.detach()), dim, descending), x.shape);
}

/** The sorting order along `dim` as int32 positions (stable; NaN last, or first when descending). */
export function argsort(x: Tensor, options: SortOptions = {}): Tensor {
  const { dim = -1, descending = false } = checkOptions('argsort', options, ['dim', 'descending'], '{ dim: 0, descending: true }');
  if (x.ndim === 0) return fromStorage(new Int32Array(1), []);
  return order('argsort', x, normalizeDim('argsort', dim, x.ndim), descending);
}

/** The values sorted along `dim`, and the int32 positions they came from (stable, as `sort(stable=True)`). */
export function sort(x: Tensor, options: SortOptions = {}): { values: Tensor; indices: Tensor } {
  const { dim = -1, descending = false } = checkOptions('sort', options, ['dim', 'descending'], '{ dim: 0, descending: true }');
  if (x.ndim === 0) return { values: x, indices: fromStorage(new Int32Array(1), []) };
  const d = normalizeDim('sort', dim, x.ndim);
  const indices = order('sort', x, d, descending);
  return { values: gather(x, d, indices), indices };
}

export interface TopkOptions {
  dim?: number;
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
}

/** The k largest (or smallest) values along `dim`, in order, and their int32 positions. */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  const { dim = -1, largest = true } = checkOptions('topk', options, ['dim', 'largest'], '{ dim: 0, largest: false }');
  const d = normalizeDim('topk', dim, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) throw new IndexError('topk', `k must be a whole number from 0 to ${size} (the size of dim ${dim}), got ${describe(k)}`);
  const { values, indices } = sort(x, { dim: d, descending: largest });
  return { values: narrow(values, d, 0, k), indices: narrow(indices, d, 0, k) };
}

/** The k-th smallest value along `dim` (k from 1) and its int32 position. */
export function kthvalue(x: Tensor, k: number, dim = -1, keepdim = false): { values: Tensor; indices: Tensor } {
  const d = normalizeDim('kthvalue', dim, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 1 || k > size) throw new IndexError('kthvalue', `k must be a whole number from 1 to ${size} (the size of dim ${dim}), got ${describe(k)}`);
  const { values, indices } = sort(x, { dim: d });
  const pick = (t: Tensor): Tensor => (keepdim ? narrow(t, d, k - 1, 1) : squeeze(narrow(t, d, k - 1, 1), d));
  return { values: pick(values), indices: pick(indices) };
}

/**
 * The median along `dim`, the lower of the two middle values for an even count (PyTorch's
 * rule), and its position; without a dim, the median of all elements (values only).
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
export function median(x: Tensor, dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) {
    const flat = reshape(x, [-1]);
    if (flat.numel() === 0) throw new IndexError('median', 'the median of no elements is undefined');
    return kthvalue(flat, Math.floor((flat.numel() - 1) / 2) + 1, 0).values;
  }
  const d = normalizeDim('median', dim, x.ndim);
  return kthvalue(x, Math.floor(((x.ndim === 0 ? 1 : x.shape[d]) - 1) / 2) + 1, d, keepdim);
}

/**
 * The most frequent value along `dim` and its int32 position, as PyTorch's mode: among equally
 * frequent values the smallest, at the last place it occurs. Found from the sorted line (equal
 * values are adjacent, in their original order by stability); the value is gathered from x, so
 * its gradient goes to that position.
 */
export function mode(x: Tensor, dim = -1, keepdim = false): { values: Tensor; indices: Tensor } {
  if (x.ndim === 0) return { values: x, indices: fromStorage(new Int32Array(1), []) };
  const d = normalizeDim('mode', dim, x.ndim);
  const len = x.shape[d];
  if (len === 0) throw new IndexError('mode', `dim ${dim} is empty: the mode of no elements is undefined`);
  const sorted = sort(x.detach(), { dim: d });
  const values = contiguous(movedim(sorted.values, d, -1)).data;
  const positions = contiguous(movedim(sorted.indices, d, -1)).data;
  const lines = values.length / len;
  const picked = new Int32Array(lines);
  for (let l = 0; l < lines; l++) {
    const base = l * len;
    let best = 0, bestCount = 0;
    for (let start = 0; start < len;) {
      let end = start + 1;
      while (end < len && values[base + end] === values[base + start]) end++;
      if (end - start > bestCount) [best, bestCount] = [start, end - start];
      start = end;
    }
    // The run holds the value's positions in increasing order (the sort is stable): the last is the largest.
    picked[l] = positions[base + best + bestCount - 1];
  }
  const kept = x.shape.map((v, i) => (i === d ? 1 : v));
  const index = movedim(fromStorage(picked, [...kept.filter((_, i) => i !== d), 1]), -1, d);
  const out = gather(x, d, contiguous(index));
  return keepdim ? { values: out, indices: contiguous(index) } : { values: squeeze(out, d), indices: squeeze(contiguous(index), d) };
}

/** What `unique` returns: the distinct values and how x maps onto them. */
export interface UniqueResult {
  /** The distinct values of x, ascending (each NaN counts as distinct, as PyTorch's). */
  values: Tensor;
  /** For each element of x (x's shape), the int32 position of its value in `values`. */
  inverse: Tensor;
  /** How many elements of x equal each value (int32). */
  counts: Tensor;
}

export interface UniqueOptions {
  /** Unique slices along this dim instead of unique elements (PyTorch's `dim`). */
  dim?: number;
}

/**
 * The distinct elements of x, sorted, with the inverse map and the counts (PyTorch's
 * unique(sorted=True, return_inverse=True, return_counts=True)), over all elements; with `dim`,
 * the distinct slices along that dim, in lexicographic order of their elements (row-major), the
 * inverse giving each slice's position. One object, as `sort` returns values and indices
 * together; not differentiable, as PyTorch's.
 */
export function unique(x: Tensor, options: UniqueOptions = {}): UniqueResult {
  if (!(x instanceof Tensor)) throw new ValueError('unique', `expected a tensor, got ${describe(x)}`);
  const { dim } = checkOptions('unique', options, ['dim'], '{ dim: 0 }');
  if (dim !== undefined) return uniqueSlices(x, normalizeDim('unique', dim, x.ndim));
  const n = x.numel();
  const { values: sortedValues, indices: order } = sort(reshape(x.detach(), [-1]));
  const v = sortedValues.data, pos = order.data;
  const distinct = allocate(x.dtype, n);
  const inverse = new Int32Array(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || v[i] !== v[i - 1]) {
      distinct[counts.length] = v[i];
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[pos[i]] = counts.length - 1;
  }
  return {
    values: fromStorage(distinct.slice(0, counts.length), [counts.length]),
    inverse: fromStorage(inverse, x.shape),
    counts: fromStorage(Int32Array.from(counts), [counts.length]),
  };
}

/** unique along `d`: the slices compared as rows of `[x.shape[d], rest]`, element by element (NaN after every number). */
function uniqueSlices(x: Tensor, d: number): UniqueResult {
  const rows = x.ndim === 0 ? 1 : x.shape[d];
  const moved = contiguous(movedim(x.detach(), d, 0));
  const width = rows === 0 ? 0 : moved.numel() / rows;
  const data = moved.data;
  const cmp = (a: number, b: number): number => {
    for (let k = 0; k < width; k++) {
      const u = data[a * width + k], v = data[b * width + k];
      if (u === v || (u !== u && v !== v)) continue;
      if (u !== u) return 1;
      if (v !== v) return -1;
      return u < v ? -1 : 1;
    }
    return 0;
  };
  const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  const inverse = new Int32Array(rows);
  const firsts: number[] = [], counts: number[] = [];
  order.forEach((r, i) => {
    if (i === 0 || cmp(order[i - 1], r) !== 0) {
      firsts.push(r);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[r] = firsts.length - 1;
  });
  const picked = allocate(x.dtype, firsts.length * width);
  firsts.forEach((r, i) => picked.set(data.subarray(r * width, (r + 1) * width) as never, i * width));
  const values = movedim(fromStorage(picked, [firsts.length, ...moved.shape.slice(1)]), 0, d);
  return { values: contiguous(values), inverse: fromStorage(inverse, [rows]), counts: fromStorage(Int32Array.from(counts), [firsts.length]) };
}
