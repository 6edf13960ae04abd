/**
 * fast-check arbitraries for tensors, shapes and shape pairs — the ones tensorgrad's own property
 * tests use. Import from `@tensorgrad/core/testing` (needs `fast-check` installed).
 */
import fc from 'fast-check';
import { tensor as makeTensor } from '../creation.js';
import type { DType } from '../dtype.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

export interface ShapeConstraints {
  minRank?: number;
  maxRank?: number;
  minSide?: number;
  maxSide?: number;
}

/** A shape: `minRank..maxRank` dims (default 0..3), each `minSide..maxSide` (default 1..4). */
export function shape(c: ShapeConstraints = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, minSide = 1, maxSide = 4 } = c;
  return fc.array(fc.integer({ min: minSide, max: maxSide }), { minLength: minRank, maxLength: maxRank });
}

export interface ValueConstraints {
  dtype?: DType;
  /** Range of the values (default −3..3). */
  min?: number;
  max?: number;
  /**
   * Points to keep away from by at least `gap` (default 0.05): for ops with kinks (relu at 0,
   * clamp at its bounds) where a finite difference across the kink would be meaningless.
   */
  avoid?: readonly number[];
  gap?: number;
  /** All values at least (max−min)/(4·size) apart: no ties (for max/min and their gradients). */
  distinct?: boolean;
}

export interface TensorConstraints extends ValueConstraints {
  /** A fixed shape or an arbitrary of shapes (default `shape()`). */
  shape?: readonly number[] | fc.Arbitrary<readonly number[]>;
}

/** Values for a tensor of `size` elements, shaped by the value constraints. */
export function values(size: number, c: ValueConstraints = {}): fc.Arbitrary<number[]> {
  const { min = -3, max = 3, avoid = [], gap = 0.05, distinct = false } = c;
  const raw = fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: size, maxLength: size });
  return raw.map((vs) => {
    let out = vs.map((v) => (Object.is(v, -0) ? 0 : v));
    if (distinct && out.length > 1) {
      // Replace each value by an evenly spaced slot chosen by its rank, jittered by the value itself.
      const step = (max - min) / out.length;
      const order = out.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      const next = new Array<number>(out.length);
      order.forEach(([v, i], r) => (next[i] = min + (r + 0.25 + 0.5 * ((v - min) / (max - min || 1))) * step));
      out = next;
    }
    return out.map((v) => {
      for (const k of avoid) if (Math.abs(v - k) < gap) return v >= k ? k + gap : k - gap;
      return v;
    });
  });
}

/** A tensor (float64 by default, for gradient checks) with random shape and values. */
export function tensor(c: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  const shapes = c.shape === undefined ? shape() : Array.isArray(c.shape) ? fc.constant(c.shape as readonly number[]) : (c.shape as fc.Arbitrary<readonly number[]>);
  return shapes.chain((s) => tensorOfShape(s, c));
}

/** A tensor of exactly `shape`. */
export function tensorOfShape(s: readonly number[], c: ValueConstraints = {}): fc.Arbitrary<Tensor> {
  return values(sizeOf(s), c).map((vs) => makeTensor(vs, { shape: s, dtype: c.dtype ?? 'float64' }));
}

/**
 * Two shapes that broadcast together: a full shape, and for each side a suffix of it with
 * some sizes replaced by 1 — every case of NumPy's rule (missing leading dims, size-1 dims).
 */
export function broadcastableShapes(c: ShapeConstraints = {}): fc.Arbitrary<[number[], number[]]> {
  const side = (full: number[]): fc.Arbitrary<number[]> =>
    fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return shape({ minRank: 0, maxRank: 3, ...c }).chain((full) => fc.tuple(side(full), side(full)));
}

/** Two tensors whose shapes broadcast together. */
export function broadcastablePair(c: ShapeConstraints & ValueConstraints = {}): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastableShapes(c).chain(([a, b]) => fc.tuple(tensorOfShape(a, c), tensorOfShape(b, c)));
}

export interface MatmulConstraints {
  /** Largest m, k, n (default 6). */
  maxSide?: number;
  /** Allow 1-D operands (default true). */
  vectors?: boolean;
  /** Most batch dims (default 2); batch dims broadcast like elementwise ops. */
  maxBatchRank?: number;
}

/** Shapes `[..., m, k]` and `[..., k, n]` (or 1-D vectors) that `matmul` accepts. */
export function matmulShapes(c: MatmulConstraints = {}): fc.Arbitrary<[number[], number[]]> {
  const { maxSide = 6, vectors = true, maxBatchRank = 2 } = c;
  const dim = fc.integer({ min: 1, max: maxSide });
  return fc.record({
    m: dim, k: dim, n: dim,
    batch: broadcastableShapes({ maxRank: maxBatchRank, maxSide: 3 }),
    aVec: vectors ? fc.boolean() : fc.constant(false),
    bVec: vectors ? fc.boolean() : fc.constant(false),
  }).map(({ m, k, n, batch, aVec, bVec }): [number[], number[]] => [
    aVec ? [k] : [...batch[0], m, k],
    bVec ? [k] : [...batch[1], k, n],
  ]);
}

/** Two tensors that can be multiplied with `matmul`. */
export function matmulPair(c: MatmulConstraints & ValueConstraints = {}): fc.Arbitrary<[Tensor, Tensor]> {
  return matmulShapes(c).chain(([a, b]) => fc.tuple(tensorOfShape(a, c), tensorOfShape(b, c)));
}
