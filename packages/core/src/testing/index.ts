/**
 * fast-check arbitraries for tensors, shapes and shape pairs — the ones tensorgrad's own property
 * tests use. Import from `@tensorgrad/core/testing` (needs `fast-check` installed).
 */
import fc from 'fast-check';
import { noGrad } from '../autograd/grad-mode.js';
import { tensor as makeTensor } from '../creation.js';
import { gradcheck, type GradcheckOptions } from '../gradcheck.js';
import { cat, stack } from '../ops/join.js';
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

// ---- layouts: the same values in strided views --------------------------------------------

/** How a tensor is laid out in memory: the kinds of non-contiguous views autodiff and users make. */
export type Layout = 'contiguous' | 'transposed' | 'narrowed' | 'strided';
export const LAYOUTS: readonly Layout[] = ['contiguous', 'transposed', 'narrowed', 'strided'];

/**
 * `t`'s values and shape in another memory layout, built with differentiable ops, so gradients
 * flow back to `t` (this is how `checkGradients` feeds an op strided inputs):
 * - transposed: the last two dims stored swapped (`.T` of a contiguous copy of `.T`);
 * - narrowed: the second half of `cat([t, t], -1)`: an offset, and a gap after each row;
 * - strided: every other element of `stack([t, t], -1)` flattened (a step-2 slice).
 * A layout that cannot apply (transposing a vector, any view of a scalar) leaves `t` as it is.
 */
export function relayout(t: Tensor, layout: Layout): Tensor {
  const r = t.ndim;
  if (r === 0 || t.numel() === 0 || layout === 'contiguous') return t;
  const n = t.shape[r - 1];
  switch (layout) {
    case 'transposed':
      return r < 2 ? t : t.transpose(-1, -2).contiguous().transpose(-1, -2);
    case 'narrowed':
      return cat([t, t], -1).narrow(-1, n, n);
    case 'strided':
      return stack([t, t], -1).reshape([...t.shape.slice(0, -1), 2 * n]).slice(-1, 0, undefined, 2);
  }
}

/**
 * A tensor of random shape and values in a random layout: contiguous, transposed, narrowed,
 * step-sliced, or expanded (a dim of size 1 broadcast with stride 0, so its values repeat along
 * that dim). For testing kernels and ops on every layout they can be handed, not just contiguous.
 */
export function anyLayout(c: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  const expanded = tensor({ ...c, shape: c.shape ?? shape({ minRank: 1 }) }).chain((t) =>
    t.ndim === 0 ? fc.constant(t) : fc.integer({ min: 2, max: 3 }).map((k) => t.narrow(0, 0, 1).expand([k, ...t.shape.slice(1)])));
  return fc.oneof(
    fc.tuple(tensor(c), fc.constantFrom(...LAYOUTS)).map(([t, layout]) => noGrad(() => relayout(t, layout))),
    expanded,
  );
}

// ---- checking your own op --------------------------------------------------------------------

export interface CheckGradientsOptions extends ShapeConstraints, ValueConstraints, GradcheckOptions {
  /** Number of tensor inputs (default 1). With 2 or more, their shapes broadcast together when `broadcast` is set. */
  arity?: number;
  /** Inputs of shapes that broadcast together instead of one shape for all (default false). */
  broadcast?: boolean;
  /** Also feed the op strided views of its inputs (default true). */
  layouts?: boolean;
  /** Property runs (default 40). */
  numRuns?: number;
  /** fast-check seed, to replay a failure. */
  seed?: number;
}

/**
 * Property-tests an op's gradient and tangent rules in one call: on random shapes and values
 * (float64), and on random memory layouts of the inputs, the Jacobian of `fn` from its gradient
 * rules (reverse mode) and from its tangent rules (forward mode) must both equal central finite
 * differences (`gradcheck`; `{ forward: false }` checks the gradient rules alone). Throws fast-check's report, with the shrunk counterexample and
 * gradcheck's worst element, when it does not.
 *
 *   checkGradients((x) => cube(x));                                  // one input, any shape
 *   checkGradients((a, b) => a.mul(b).sin(), { arity: 2, broadcast: true, min: -2, max: 2 });
 */
export function checkGradients(fn: (...inputs: Tensor[]) => Tensor, options: CheckGradientsOptions = {}): void {
  const { arity = 1, broadcast = false, layouts = true, numRuns = 40, seed, eps, atol, rtol, forward, ...c } = options;
  const constraints = { maxRank: 3, maxSide: 3, ...c, dtype: 'float64' as const };
  const inputs: fc.Arbitrary<Tensor[]> = broadcast && arity === 2
    ? broadcastablePair(constraints)
    : shape(constraints).chain((s) => fc.tuple(...Array.from({ length: arity }, () => tensorOfShape(s, constraints))));
  const layoutList = fc.array(fc.constantFrom(...(layouts ? LAYOUTS : ['contiguous' as const])), { minLength: arity, maxLength: arity });
  const run = fc.check(
    fc.property(inputs, layoutList, (xs, ls) => {
      const r = gradcheck((...ts) => fn(...ts.map((t, i) => relayout(t, ls[i]))), xs, { eps, atol, rtol, forward });
      if (!r.ok) throw new Error(r.message);
    }),
    { numRuns, seed },
  );
  if (!run.failed) return;
  // One readable report: gradcheck's verdict on the smallest failing case, and how to replay it.
  const [xs, ls] = run.counterexample ?? [[], []];
  const why = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
  throw new Error(`checkGradients: ${why}\n  on inputs of shapes ${xs.map((x) => `[${x.shape.join(',')}]`).join(', ')} in layouts ${ls.join(', ')}` +
    ` (after ${run.numRuns} runs, shrunk ${run.numShrinks} times; replay with { seed: ${run.seed} })`);
}

// ---- checking errors -----------------------------------------------------------------------

/**
 * The error `f` throws, to look at its class and message (throws when `f` throws none):
 *
 *   expect(thrownBy(() => x.to('int32'))).toBeInstanceOf(ValueError);
 */
export function thrownBy(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  throw new Error('thrownBy: expected an error, got none');
}
