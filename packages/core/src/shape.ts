import { MAX_ELEMENTS } from './dtype.js';
import { ShapeError, ValueError, fmtShape } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar, `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides: the last dimension moves fastest. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether `strides` lay `shape` out row-major, back to back (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  const expected = contiguousStrides(shape);
  return shape.every((d, i) => d === 1 || strides[i] === expected[i]);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Checks that `shape` is a list of whole, non-negative sizes whose product is at most
 * MAX_ELEMENTS (2³¹ − 1), and returns it.
 */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(op, `expected a shape (a list of sizes), got ${describe(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid shape ${describe(shape)}: sizes must be non-negative integers`);
    }
  }
  const size = sizeOf(shape as number[]);
  if (size > MAX_ELEMENTS) {
    throw new ShapeError(op, `shape ${fmtShape(shape as number[])} has ${size} elements, more than the limit of ${MAX_ELEMENTS} (2^31 − 1) per tensor`);
  }
  return shape as number[];
}

/** A value as an error message shows it: JSON where that is faithful, else String (NaN, Infinity, functions). */
export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'function' || v === undefined) return String(v);
  try {
    const json = JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return json === undefined ? String(v) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(v);
  }
}

/** Checks that `value` is an integer (an index, a start, a length) and returns it. */
export function checkInteger(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueError(op, `${name} must be an integer, got ${describe(value)}`);
  return value;
}

/**
 * NumPy broadcasting: align shapes on the right; two sizes fit when equal or when one is 1.
 * `[8,1,3]` and `[4,1]` broadcast to `[8,4,3]`.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) {
        out[o] = d;
        continue;
      }
      throw new ShapeError(
        op,
        `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast: size ${out[o]} vs ${d} at dim ${o - rank}`,
      );
    }
  }
  return out;
}

/** Accepts a negative dim (`-1` is the last) and checks its range. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  const d = dim < 0 ? dim + rank : dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || d < 0 || d >= Math.max(rank, 1)) {
    throw new ShapeError(op, `dim ${describe(dim)} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`);
  }
  return d;
}

/** Normalizes `dim` (a number, a list or undefined = all dims) to a sorted, de-duplicated list. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, rank: number): number[] {
  if (dim === undefined) return [...Array(rank).keys()];
  if (typeof dim !== 'number' && !Array.isArray(dim)) throw new ShapeError(op, `dim must be a number or a list of numbers, got ${describe(dim)}`);
  const list = typeof dim === 'number' ? [dim] : dim;
  const out = [...new Set(list.map((d) => normalizeDim(op, d, rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ShapeError(op, `dim ${JSON.stringify(dim)} names a dimension twice`);
  return out;
}
