import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/backend.js';
import { allocate } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { broadcastShapes, describe, normalizeDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor, fromStorage, type NestedArray } from '../tensor.js';
import { add, mul } from './arithmetic.js';
import { checkMask, lt, where } from './compare.js';
import { checkOperand, scalarTensor } from './helpers.js';
import { checkIndexTensor, embed, indexSelect, slice as sliceDim } from './select.js';
import { contiguous, expand, permute, reshape, unsqueeze } from './view.js';

/**
 * PyTorch's subscripts, as one method (a JavaScript class cannot overload `[]`):
 *
 *   x[0, 1:3, None, ..., idx, mask]   ↔   x.index(0, slice(1, 3), null, '...', idx, mask)
 *
 * Numbers, slices, `null` and `'...'` are basic indexing: the result is a view sharing x's
 * storage, made of the view ops (select, slice, unsqueeze), so its gradient is theirs. Integer
 * tensors (or number arrays) and bool masks are advanced indexing: a copy, gathered through
 * `indexSelect` on the advanced dims flattened into one, so its gradient is indexSelect's
 * scatter-add (an element picked twice gets both gradients).
 */

/** A Python slice `start:stop:step`; a missing part is null. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {
    for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
      if (v !== null && !Number.isInteger(v)) throw new IndexError('slice', `${name} must be an integer or null, got ${describe(v)}`);
    }
    if (step !== null && step < 1) throw new IndexError('slice', `step must be a positive integer, got ${step} (negative steps are not supported, as in PyTorch; use flip)`);
  }

  toString(): string {
    return `${this.start ?? ''}:${this.stop ?? ''}${this.step === null ? '' : `:${this.step}`}`;
  }
}

/** One entry of `index`: what PyTorch's subscript takes for one position. */
export type IndexEntry = number | Slice | null | '...' | Tensor | NestedArray;

/** An advanced index: an int32 tensor for dim `dim` of the view being indexed. */
interface Advanced {
  dim: number;
  index: Tensor;
}

function consumed(e: IndexEntry): number {
  if (e === null || e === '...') return 0;
  if (e instanceof Tensor && e.dtype === 'bool') return e.ndim;
  return 1;
}

/** Arrays become int32 (numbers) or bool (booleans) tensors; anything that is no entry is an IndexError. */
function normalizeEntry(e: unknown, pos: number): IndexEntry {
  if (e === null || e === '...' || e instanceof Slice) return e;
  if (typeof e === 'number') {
    if (!Number.isInteger(e)) throw new IndexError('index', `entry ${pos}: ${e} is not an integer`);
    return e;
  }
  if (e instanceof Tensor) {
    if (e.dtype === 'bool') {
      if (e.ndim === 0) throw new IndexError('index', `entry ${pos}: a 0-d bool mask is not supported; use a mask with the indexed dims' shape`);
      return e;
    }
    if (e.dtype !== 'int32') throw new DTypeError('index', `entry ${pos}: an index tensor must be int32 or a bool mask, got ${e.dtype}; convert it with .int()`);
    return e;
  }
  if (Array.isArray(e)) return asIndexTensor(e, pos);
  throw new IndexError('index', `entry ${pos}: expected a number, slice(), null, '...', an int32 or bool tensor, or an array of them, got ${describe(e)}`);
}

function asIndexTensor(a: NestedArray[], pos: number): Tensor {
  const leaves: unknown[] = [];
  const shape: number[] = [];
  for (let level: unknown = a; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      leaves.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) throw new IndexError('index', `entry ${pos}: ragged index array`);
    v.forEach((x) => walk(x, dim + 1));
  };
  walk(a, 0);
  const bools = leaves.length > 0 && leaves.every((v) => typeof v === 'boolean');
  if (!bools && !leaves.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new IndexError('index', `entry ${pos}: an index array must hold integers or booleans only, got ${describe(a)}`);
  }
  const s = allocate(bools ? 'bool' : 'int32', leaves.length);
  leaves.forEach((v, i) => (s[i] = Number(v)));
  return fromStorage(s, shape);
}

/**
 * `x.index(...entries)`: see the module comment. Fewer entries than dims leave the rest whole;
 * one `'...'` stands for as many whole dims as needed.
 */
export function index(x: Tensor, entries: readonly unknown[]): Tensor {
  const es = entries.map(normalizeEntry);
  const ellipses = es.filter((e) => e === '...').length;
  if (ellipses > 1) throw new IndexError('index', "an index can only have a single ellipsis ('...')");
  const used = es.reduce((n: number, e) => n + consumed(e), 0);
  if (used > x.ndim) throw new IndexError('index', `too many indices for a tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)}): ${used} given`);
  const whole = Array.from({ length: x.ndim - used }, () => new Slice());
  const at = es.indexOf('...');
  const full = at < 0 ? [...es, ...whole] : [...es.slice(0, at), ...whole, ...es.slice(at + 1)];

  let v = x;
  let d = 0;
  const advanced: Advanced[] = [];
  full.forEach((e, pos) => {
    if (typeof e === 'number') {
      v = select(v, d, e);
    } else if (e instanceof Slice) {
      v = sliceDim(v, d, e.start ?? 0, e.stop ?? undefined, e.step ?? 1);
      d++;
    } else if (e === null) {
      v = unsqueeze(v, d);
      d++;
    } else if (e instanceof Tensor && e.dtype === 'bool') {
      const dims = v.shape.slice(d, d + e.ndim);
      if (!sameShape(dims, e.shape)) {
        throw new IndexError('index', `the shape of the mask ${fmtShape(e.shape)} at entry ${pos} does not match the shape ${fmtShape(dims)} of the dims it indexes in ${fmtShape(v.shape)}`);
      }
      const coords = nonzero(e);
      for (let k = 0; k < e.ndim; k++) advanced.push({ dim: d + k, index: reshape(sliceDim(coords, 1, k, k + 1), [-1]) });
      d += e.ndim;
    } else {
      advanced.push({ dim: d, index: e as Tensor });
      d++;
    }
  });
  return advanced.length === 0 ? v : gatherAdvanced(v, advanced);
}

/**
 * The advanced part: the index tensors broadcast to one shape B; the indexed dims are moved to
 * the front and flattened into one, each position's flat number is Σ index_k·stride_k, and one
 * `indexSelect` picks them. B takes the place of the indexed dims when they are next to each
 * other, else it goes first (NumPy's and PyTorch's rule).
 */
function gatherAdvanced(v: Tensor, advanced: readonly Advanced[]): Tensor {
  const B = broadcastShapes('index', ...advanced.map((a) => a.index.shape));
  const dims = advanced.map((a) => a.dim);
  const sizes = dims.map((dim) => v.shape[dim]);
  let flat: Tensor | null = null;
  let stride = 1;
  for (let k = advanced.length - 1; k >= 0; k--) {
    const term = mul(expand(wrapIndex(advanced[k].index, sizes[k], dims[k]), B), stride);
    flat = flat === null ? term : add(flat, term);
    stride *= sizes[k];
  }
  const rest = [...v.shape.keys()].filter((i) => !dims.includes(i));
  const moved = reshape(permute(v, [...dims, ...rest]), [stride, ...rest.map((i) => v.shape[i])]);
  const picked = reshape(indexSelect(moved, 0, reshape(contiguous(flat!), [-1])), [...B, ...rest.map((i) => v.shape[i])]);
  const adjacent = dims.every((dim, k) => dim === dims[0] + k);
  if (!adjacent || dims[0] === 0) return picked;
  // Put B back where the indexed dims were: after the `dims[0]` dims that came before them.
  const nb = B.length, before = dims[0];
  const order = [...Array.from({ length: before }, (_, i) => nb + i), ...B.keys(), ...Array.from({ length: picked.ndim - nb - before }, (_, i) => nb + before + i)];
  return permute(picked, order);
}

/** Negative indices count from the end; anything outside [−size, size) is an IndexError. */
function wrapIndex(index: Tensor, size: number, dim: number): Tensor {
  const values = index.data;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < -size || values[i] >= size) {
      throw new IndexError('index', `index ${values[i]} is out of bounds for dim ${dim} with size ${size}`);
    }
  }
  return where(lt(index, 0), add(index, size), index);
}

/** The `i`-th slice along `dim`, that dim removed (x[:, i] for dim 1); negative `i` counts from the end. A view. */
export function select(x: Tensor, dim: number, i: number): Tensor {
  const d = normalizeDim('select', dim, x.ndim);
  const size = x.shape[d];
  if (!Number.isInteger(i) || i < -size || i >= size) {
    throw new IndexError('select', `index ${describe(i)} is out of range for dim ${dim} of size ${size} in ${fmtShape(x.shape)}`);
  }
  const at = i < 0 ? i + size : i;
  const out = new Tensor(x.buffer, x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + at * x.strides[d]);
  // Gradient: g placed back as the one slice `at` of zeros of x's shape.
  return record(out, 'SelectBackward', [x], (g) => [embed(unsqueeze(g, d), x.shape, d, at, 1)], [], ([t]) => select(t!, d, at));
}

/** The int32 coordinates `[n, ndim]` of the non-zero (true) elements, in row-major order. Not differentiable. */
export function nonzero(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError('nonzero', `expected a tensor, got ${describe(x)}`);
  const data = x.data;
  const hits: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) hits.push(i);
  const out = allocate('int32', hits.length * x.ndim);
  hits.forEach((flat, r) => {
    for (let k = x.ndim - 1; k >= 0; k--) {
      out[r * x.ndim + k] = flat % x.shape[k];
      flat = Math.floor(flat / x.shape[k]);
    }
  });
  return fromStorage(out, [hits.length, x.ndim]);
}

/** The elements where `mask` (bool, broadcast with x) is true, as a 1-D tensor. Differentiable in x. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkMask('maskedSelect', mask);
  const shape = broadcastShapes('maskedSelect', x.shape, mask.shape);
  return index(expand(x, shape), [expand(mask, shape)]);
}

/** The elements of x, read as a flat row-major list, at `indices` (int32, any shape; negative from the end). */
export function take(x: Tensor, indices: Tensor | NestedArray): Tensor {
  const idx = indices instanceof Tensor ? checkIndexTensor('take', indices, 'indices') : asIndexTensor(Array.isArray(indices) ? indices : [indices], 0);
  return reshape(index(reshape(x, [-1]), [reshape(idx, [-1])]), idx.shape);
}

export interface IndexPutOptions {
  /** Add the values to what is there (repeated indices add up) instead of overwriting. */
  accumulate?: boolean;
}

/**
 * x with `values` written at `x.index(...entries)` (broadcast to its shape), out of place:
 * `x.indexPut([idx], v)` is PyTorch's `x.index_put((idx,), v)`, and takes every form `index`
 * takes. The positions are found by indexing a tensor of flat positions with the same entries,
 * so any indexing expression works here too.
 *   Gradient: ∂/∂x = g, zero where overwritten (g everywhere when accumulating);
 *             ∂/∂values = g at the written positions, summed over broadcasting and repeats.
 */
export function indexPut(x: Tensor, entries: readonly unknown[], values: Tensor | number | boolean, options: IndexPutOptions = {}): Tensor {
  if (!Array.isArray(entries)) throw new ValueError('indexPut', `the index must be a list of entries (as index() takes them), got ${describe(entries)}`);
  const { accumulate = false } = options;
  if (typeof accumulate !== 'boolean') throw new ValueError('indexPut', `accumulate must be a boolean, got ${describe(accumulate)}`);
  const positions = noGrad(() => index(reshape(arangeInt(x.numel()), x.shape), entries));
  const v = checkOperand('indexPut', values, 'values');
  let vals: Tensor;
  if (v instanceof Tensor) {
    if (v.dtype !== x.dtype) throw new DTypeError('indexPut', `values are ${v.dtype} but the tensor is ${x.dtype}; convert them with .to('${x.dtype}')`);
    vals = v;
  } else {
    vals = scalarTensor(v, x.dtype);
  }
  if (!sameShape(broadcastShapes('indexPut', vals.shape, positions.shape), positions.shape)) {
    throw new ShapeError('indexPut', `values of shape ${fmtShape(vals.shape)} do not broadcast to the indexed shape ${fmtShape(positions.shape)}`);
  }
  const flatPos = reshape(contiguous(positions), [-1]);
  const flatVals = reshape(contiguous(expand(vals, positions.shape)), [-1]);
  return reshape(put(reshape(x, [-1]), flatPos, flatVals, accumulate ? 'add' : 'set'), x.shape);
}

/** `arange(n)` as int32, the flat positions of a tensor's elements. */
export function arangeInt(n: number): Tensor {
  const s = allocate('int32', n);
  for (let i = 0; i < n; i++) s[i] = i;
  return fromStorage(s, [n]);
}

/**
 * 1-D put: a copy of x with x[pos[i]] = vals[i] (`set`) or += vals[i] (`add`). pos holds flat
 * positions, repeats allowed.
 *   ∂/∂x = add ? g : g with zeros put at pos;   ∂/∂vals = g[pos].
 */
export function put(x: Tensor, pos: Tensor, vals: Tensor, mode: 'set' | 'add'): Tensor {
  const out = fromStorage(getBackend().put(contiguous(x.detach()), pos, contiguous(vals.detach()), mode), x.shape);
  return record(out, 'IndexPutBackward', [x, vals], (g) => [
    mode === 'add' ? g : put(g, pos, zerosOf(vals), 'set'),
    indexSelect(g, 0, pos),
  ], [pos], ([tx, tv]) => put(tx ?? zerosOf(x), pos, tv ?? zerosOf(vals), mode));
}

function zerosOf(t: Tensor): Tensor {
  return fromStorage(allocate(t.dtype, t.numel()), t.shape);
}

/**
 * Two spellings of one idea. `slice(start?, stop?, step?)` is Python's `start:stop:step`, an entry
 * for `index` (null or a missing part means "from the start", "to the end", 1).
 * `slice(x, dim, start?, end?, step?)` slices a tensor along one dim (a view), as `Tensor.slice`.
 */
export function slice(start?: number | null, stop?: number | null, step?: number | null): Slice;
export function slice(x: Tensor, dim: number, start?: number, end?: number, step?: number): Tensor;
export function slice(...args: unknown[]): Slice | Tensor {
  if (args[0] instanceof Tensor) return sliceDim(...(args as Parameters<typeof sliceDim>));
  const [start = null, stop = null, step = null] = args as (number | null | undefined)[];
  if (args.length > 3) throw new ValueError('slice', `takes start, stop and step, got ${args.length} arguments (for a tensor, pass it first: slice(x, dim, start, end))`);
  return new Slice(start, stop, step);
}
