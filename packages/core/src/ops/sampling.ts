import { allocate, isFloating, type DType } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { defaultGenerator, Generator } from '../random.js';
import { broadcastShapes, checkShape, describe, sizeOf } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { expand } from './view.js';

// Drawing from distributions whose parameters are tensors. Every draw comes from a Generator
// (xoshiro128**, the same numbers for a seed on every machine), one element after another in
// row-major order, so a result depends only on the seed and the shapes. None of these are
// differentiable: their outputs are new leaves, as PyTorch's.

export interface SampleOptions {
  /** Where the random numbers come from (default: the global generator seeded by `manualSeed`). */
  generator?: Generator;
}

function generatorOf(op: string, generator: unknown): Generator {
  if (generator === undefined) return defaultGenerator;
  if (!(generator instanceof Generator)) throw new ValueError(op, `generator must be a Generator, got ${describe(generator)}`);
  return generator;
}

function floatInput(op: string, t: unknown, name: string): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(op, `${name} must be a tensor, got ${describe(t)}`);
  if (!isFloating(t.dtype)) throw new DTypeError(op, `${name} must be a float tensor, got ${t.dtype}; convert it with .float()`);
  return t;
}

/** 1 with probability p[i], else 0, for each element of `p` (in [0, 1]); p's shape and dtype. */
export function bernoulli(p: Tensor, options?: SampleOptions): Tensor {
  const { generator } = checkOptions('bernoulli', options, ['generator'], '{ generator }');
  const g = generatorOf('bernoulli', generator);
  const probs = floatInput('bernoulli', p, 'p').data;
  const out = allocate(p.dtype, probs.length);
  for (let i = 0; i < probs.length; i++) {
    const q = probs[i];
    if (!(q >= 0 && q <= 1)) throw new ValueError('bernoulli', `probabilities must be in [0, 1], got ${q} at flat index ${i}`);
    out[i] = g.random() < q ? 1 : 0;
  }
  return fromStorage(out, p.shape);
}

export interface MultinomialOptions extends SampleOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/**
 * `numSamples` category indices (int32) per row of `probs` ([C] or [N, C]), each drawn with
 * probability proportional to its weight (weights ≥ 0, not necessarily summing to 1). Without
 * replacement a drawn category's weight drops to 0 for the rest of its row, so there must be
 * at least numSamples categories of positive weight.
 */
export function multinomial(probs: Tensor, numSamples: number, options?: MultinomialOptions): Tensor {
  const op = 'multinomial';
  const { generator, replacement = false } = checkOptions(op, options, ['generator', 'replacement'], '{ replacement: true }');
  const g = generatorOf(op, generator);
  floatInput(op, probs, 'probs');
  if (typeof replacement !== 'boolean') throw new ValueError(op, `replacement must be a boolean, got ${describe(replacement)}`);
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new ShapeError(op, `probs must be 1-D or 2-D, got shape ${fmtShape(probs.shape)}`);
  const categories = probs.shape[probs.ndim - 1];
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new ValueError(op, `numSamples must be a positive integer, got ${describe(numSamples)}`);
  if (!replacement && numSamples > categories) {
    throw new ValueError(op, `cannot draw ${numSamples} samples without replacement from ${categories} categories`);
  }
  const rows = probs.ndim === 2 ? probs.shape[0] : 1;
  const w = probs.data;
  const out = allocate('int32', rows * numSamples);
  const weights = new Float64Array(categories);
  for (let r = 0; r < rows; r++) {
    let total = 0, positive = 0;
    for (let c = 0; c < categories; c++) {
      const v = w[r * categories + c];
      if (!(v >= 0) || v === Infinity) throw new ValueError(op, `weights must be finite and ≥ 0, got ${v} in row ${r}, category ${c}`);
      weights[c] = v;
      total += v;
      if (v > 0) positive++;
    }
    if (!(total > 0)) throw new ValueError(op, `row ${r} has no positive weight`);
    if (!replacement && positive < numSamples) {
      throw new ValueError(op, `row ${r} has ${positive} categories of positive weight, fewer than the ${numSamples} samples to draw without replacement`);
    }
    for (let k = 0; k < numSamples; k++) {
      // Inverse CDF: the first category whose running sum passes u·total (a zero weight leaves
      // the sum where it was, so it is never picked). Should rounding carry u past the last sum,
      // the last category of positive weight is taken.
      const u = g.random() * total;
      let c = -1, run = 0, last = -1;
      for (let j = 0; j < categories; j++) {
        if (weights[j] === 0) continue;
        last = j;
        run += weights[j];
        if (u < run) {
          c = j;
          break;
        }
      }
      if (c === -1) c = last;
      out[r * numSamples + k] = c;
      if (!replacement) {
        weights[c] = 0;
        // Summed afresh rather than by subtraction, whose rounding could leave a residue.
        total = weights.reduce((a, b) => a + b, 0);
      }
    }
  }
  return fromStorage(out, probs.ndim === 2 ? [rows, numSamples] : [numSamples]);
}

export interface NormalOptions extends SampleOptions {
  /** The output's shape when mean and std are both numbers. */
  size?: readonly number[];
  /** The dtype when mean and std are both numbers (default float32). */
  dtype?: DType;
}

/**
 * Samples of N(mean, std²): mean and std are tensors (broadcast together) or numbers (then
 * `size` gives the shape), as torch.normal. Each element is mean + std·z with z from the
 * generator's normal draws; std must be ≥ 0.
 */
export function normal(mean: Tensor | number, std: Tensor | number, options?: NormalOptions): Tensor {
  const op = 'normal';
  const { generator, size, dtype } = checkOptions(op, options, ['generator', 'size', 'dtype'], '{ size: [2, 3] }');
  const g = generatorOf(op, generator);
  for (const [name, v] of [['mean', mean], ['std', std]] as const) {
    if (typeof v === 'number') continue;
    floatInput(op, v, name);
  }
  const tensors = [mean, std].filter((v): v is Tensor => v instanceof Tensor);
  if (mean instanceof Tensor && std instanceof Tensor && mean.dtype !== std.dtype) {
    throw new DTypeError(op, `mean is ${mean.dtype} but std is ${std.dtype}`);
  }
  let shape: readonly number[];
  if (tensors.length === 0) {
    if (size === undefined) throw new ValueError(op, 'with a number mean and std, pass { size }');
    shape = checkShape(op, size);
  } else {
    if (size !== undefined) throw new ValueError(op, 'size applies only when mean and std are both numbers');
    shape = tensors.length === 2 ? broadcastShapes(op, tensors[0].shape, tensors[1].shape) : tensors[0].shape;
  }
  const dt = tensors[0]?.dtype ?? dtype ?? 'float32';
  if (!isFloating(dt)) throw new DTypeError(op, `draws floats, so the dtype must be float32 or float64, got ${dt}`);
  const n = sizeOf(shape);
  const values = (v: Tensor | number) => (typeof v === 'number' ? null : expand(v, shape).data);
  const m = values(mean), s = values(std);
  const out = allocate(dt, n);
  for (let i = 0; i < n; i++) {
    const sd = s === null ? (std as number) : s[i];
    if (!(sd >= 0)) throw new ValueError(op, `std must be ≥ 0, got ${sd}`);
    out[i] = (m === null ? (mean as number) : m[i]) + sd * g.normal();
  }
  return fromStorage(out, shape);
}
