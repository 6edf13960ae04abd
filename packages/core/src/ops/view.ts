import { setAliasOp } from '../autograd/forward.js';
import { record } from '../autograd/node.js';
import { availableBackends, findBackend, getBackend } from '../backend/backend.js';
import { copy as hostCopy } from '../backend/host.js';
import { DTYPES, type DType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkShape, contiguousStrides, normalizeDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { sumToShape } from './helpers.js';

// Shape ops. Most are views: a new shape/strides/offset over the same storage, no copy.
// Their gradients undo the shape change (reshape back, transpose back, sum over expanded dims).

/** Accepts both `reshape(2, 3)` and `reshape([2, 3])`. */
export function shapeArgs(args: number[] | [readonly number[]]): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

function makeView(x: Tensor, shape: Shape, strides: readonly number[], offset = x.offset): Tensor {
  return new Tensor(x.buffer, shape, strides, offset);
}

/**
 * A second tensor over x's elements, on the tape as x's identity (∂/∂x = 1, ẏ = ẋ): what
 * `makeDual` and `unpackDual` return, so a tangent can be attached to or dropped from it while
 * gradients still flow back to x.
 */
export function alias(x: Tensor): Tensor {
  return record(makeView(x, x.shape, x.strides), 'AliasBackward', [x], (g) => [g], [], ([t]) => t!);
}
setAliasOp(alias);

/** Resolves one `-1` and checks the element count. */
function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) throw new ShapeError(op, `only one dimension can be -1, got ${fmtShape(shape)}`);
  checkShape(op, shape.map((d) => (d === -1 ? 0 : d)));
  const known = sizeOf(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.numel() / known) : d));
  if (out.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(op, `shape ${fmtShape(shape)} is invalid for input of size ${x.numel()}: the other dims hold ${known} elements, which does not divide ${x.numel()}`);
  }
  if (sizeOf(out) !== x.numel()) {
    throw new ShapeError(op, `cannot reshape ${fmtShape(x.shape)} (${x.numel()} elements) into ${fmtShape(shape)}${free ? '' : ` (${sizeOf(out)} elements)`}`);
  }
  return out;
}

/**
 * Strides that show `shape`'s elements, read row-major, in the memory `x` already has — or null
 * when no such strides exist (ATen's computeStride): each run of dims of x that are laid out one
 * after another in memory (a "chunk") may be split or merged freely, but no new dim may straddle
 * two chunks.
 */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  if (x.numel() === 0 || x.ndim === 0) return contiguousStrides(shape);
  const strides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = x.strides[x.ndim - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    tensorNumel *= x.shape[d];
    // the chunk ends at d when the dim before it does not continue it in memory
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        strides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = x.strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? strides : null;
}

/** The same elements in a new shape (one dim may be -1): a view whenever the memory allows one (as PyTorch's), else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('reshape', x, shape);
  if (sameShape(target, x.shape)) return x;
  const strides = viewStrides(x, target);
  const src = strides === null ? contiguous(x) : x;
  const out = makeView(src, target, strides ?? contiguousStrides(target), src.offset);
  // Views and copies are linear: each one's gradient and tangent rules are the op itself, run
  // backward (on g) or forward (on ẋ).
  return record(out, 'ReshapeBackward', [src], (g) => [reshape(g, src.shape)], [], ([t]) => reshape(t!, target));
}

/** Like `reshape` but never copies: an error, as in PyTorch, when x's memory cannot show the new shape. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('view', x, shape);
  if (viewStrides(x, target) === null) {
    throw new ShapeError('view', `shape ${fmtShape(target)} cannot be a view of a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} (a new dim would span memory that is not laid out in one run); use reshape(), which copies, or contiguous() first`);
  }
  return reshape(x, target);
}

/** Merges dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim);
  const e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new ShapeError('flatten', `startDim ${startDim} comes after endDim ${endDim} for shape ${fmtShape(x.shape)}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/**
 * Removes size-1 dims (only `dim`, when given; a no-op if that dim is not 1, as in PyTorch).
 * Always a view: a size-1 dim's stride moves no element.   Gradient: reshaped back.
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (x.ndim === 0) return x;
  const d = dim === undefined ? null : normalizeDim('squeeze', dim, x.ndim);
  const drop = (size: number, i: number): boolean => size === 1 && (d === null || i === d);
  if (!x.shape.some(drop)) return x;
  const out = makeView(x, x.shape.filter((s, i) => !drop(s, i)), x.strides.filter((_, i) => !drop(x.shape[i], i)));
  return record(out, 'SqueezeBackward', [x], (g) => [reshape(g, x.shape)], [], ([t]) => reshape(t!, out.shape));
}

/** Inserts a size-1 dim at `dim` (−1 appends). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  const strides = [...x.strides];
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return record(makeView(x, shape, strides), 'UnsqueezeBackward', [x], (g) => [reshape(g, x.shape)], [], ([t]) => reshape(t!, shape));
}

/** Reorders dims: result dim i is input dim `dims[i]`. A view.   Gradient: the inverse permutation. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const ds = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (ds.length !== x.ndim || new Set(ds).size !== ds.length) {
    throw new ShapeError('permute', `${JSON.stringify(dims)} is not a permutation of the ${x.ndim} dims of ${fmtShape(x.shape)}`);
  }
  const out = makeView(x, ds.map((d) => x.shape[d]), ds.map((d) => x.strides[d]));
  const inverse = ds.map((_, i) => ds.indexOf(i));
  return record(out, 'PermuteBackward', [x], (g) => [permute(g, inverse)], [], ([t]) => permute(t!, ds));
}

/** Swaps two dims. A view. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const perm = [...x.shape.keys()];
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

/**
 * Broadcasts `x` to `shape` without copying (stride 0 along stretched dims; -1 keeps a size).
 * Gradient: sum over the stretched dims.
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError('expand', `cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  const strides = target.map((d, i) => {
    if (i < lead) return 0;
    const own = x.shape[i - lead];
    if (own === d) return x.strides[i - lead];
    if (own === 1) return 0;
    throw new ShapeError('expand', `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}: size ${own} at dim ${i} is not 1`);
  });
  checkShape('expand', target);
  if (sameShape(target, x.shape)) return x;
  return record(makeView(x, target, strides), 'ExpandBackward', [x], (g) => [sumToShape(g, x.shape)], [], ([t]) => expand(t!, target));
}

function copyOf(x: Tensor, dtype: DType): Tensor {
  return fromStorage(getBackend().copy(x, dtype), x.shape);
}

/** `x` itself when contiguous, else a contiguous copy.   Gradient: identity. */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  return record(copyOf(x, x.dtype), 'ContiguousBackward', [x], (g) => [g], [], ([t]) => t!);
}

/** A copy with its own storage.   Gradient: identity. */
export function clone(x: Tensor): Tensor {
  return record(copyOf(x, x.dtype), 'CloneBackward', [x], (g) => [g], [], ([t]) => t!);
}

/**
 * The elements moved into `device`'s memory, where that backend's kernels read them without a
 * copy; `x` itself when they are there already.   Gradient: identity (it stays where it is made).
 */
export function toDevice(x: Tensor, device: string): Tensor {
  if (x.device === device) return x;
  const backend = findBackend(device);
  if (backend === null) {
    throw new ValueError('to', `expected a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')}) or a backend, got ${JSON.stringify(device)}; backends: ${availableBackends(device)}`);
  }
  const placed = backend.place === undefined ? hostCopy(x, x.dtype) : backend.place(x);
  return record(fromStorage(placed, x.shape), 'ToCopyBackward', [x], (g) => [g], [], ([t]) => t!);
}

/** Converts the dtype.   Gradient: converted back. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return record(copyOf(x, dtype), 'ToCopyBackward', [x], (g) => [cast(g, x.dtype)], [], ([t]) => cast(t!, dtype));
}
