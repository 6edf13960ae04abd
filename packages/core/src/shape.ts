import { ShapeError, fmtShape } from './errors.js';

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

export function checkShape(op: string, shape: readonly unknown[]): number[] {
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid shape ${JSON.stringify(shape)}: sizes must be non-negative integers`);
    }
  }
  return shape as number[];
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
  if (!Number.isInteger(dim) || d < 0 || d >= Math.max(rank, 1)) {
    throw new ShapeError(op, `dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`);
  }
  return d;
}

/** Normalizes `dim` (a number, a list or undefined = all dims) to a sorted, de-duplicated list. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, rank: number): number[] {
  if (dim === undefined) return [...Array(rank).keys()];
  const list = typeof dim === 'number' ? [dim] : dim;
  const out = [...new Set(list.map((d) => normalizeDim(op, d, rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ShapeError(op, `dim ${JSON.stringify(dim)} names a dimension twice`);
  return out;
}
