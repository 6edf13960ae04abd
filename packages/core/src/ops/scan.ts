import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { ScanOp } from '../backend/kernels.js';
import { isFloating } from '../dtype.js';
import { eye } from '../creation.js';
import { DTypeError } from '../errors.js';
import { normalizeDim } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { add, div, mul, neg, sub } from './arithmetic.js';
import { eq, gt, isnan, logicalOr, lt, where } from './compare.js';
import { asDType } from './helpers.js';
import { arangeInt } from './indexing.js';
import { any, sum } from './reduce.js';
import { movedim, triu } from './rearrange.js';
import { flip, gather, scatterAdd } from './select.js';
import { exp, log } from './unary.js';
import { contiguous, expand, reshape, unsqueeze } from './view.js';

// Running reductions along a dim: out[…, i, …] = x[…, 0, …] ∘ … ∘ x[…, i, …]. One kernel, `scan`,
// runs all of them; each gradient below is made of ops, so second derivatives work.

/** Runs the scan kernel along the normalised dim `d` (a 0-d tensor is a line of one). */
function scanOf(op: ScanOp, x: Tensor, d: number): Tensor {
  if (x.ndim === 0) return reshape(scanOf(op, reshape(x, [1]), 0), []);
  return fromStorage(getBackend().scan(op, contiguous(x.detach()), d), x.shape);
}

/** Integer and bool inputs of a sum or product run in int32 (PyTorch's int64), as `sum` does. */
const widened = (x: Tensor): Tensor => (x.dtype === 'bool' ? asDType(x, 'int32') : x);

/** Reversed running sum along d: out[i] = Σ_{j ≥ i} x[j]. */
const suffixSum = (x: Tensor, d: number): Tensor => flip(cumsum(flip(x, [d]), d), [d]);

/**
 * Running sums: out[…, i, …] = Σ_{j ≤ i} x[…, j, …] (accumulated in float64 on the CPU).
 * Gradient: each x[j] reaches every out[i] with i ≥ j, so ∂L/∂x[j] = Σ_{i ≥ j} g[i], the running
 * sums of g taken from the other end.
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('cumsum', dim, x.ndim);
  const out = scanOf('sum', widened(x), d);
  return record(out, 'CumsumBackward', [x], (g) => [suffixSum(g, d)], [], ([t]) => cumsum(t!, d));
}

/**
 * Running products: out[i] = Π_{j ≤ i} x[j].
 * Gradient: ∂out[i]/∂x[j] = Π_{k ≤ i, k ≠ j} x[k] for j ≤ i, so ∂L/∂x[j] = Σ_{i ≥ j} g[i]·out[i]/x[j]
 * when no x is 0 (one suffix sum). With zeros that division is 0/0, so the products leaving out
 * x[j] are formed directly, as PyTorch does: row j of an n×n matrix holds x with x[j] set to 1,
 * its running products are Π_{k ≤ i, k ≠ j} x[k], and the upper triangle (i ≥ j) weighted by g
 * sums to the gradient. That costs n² per line, so only lines with a zero take it.
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('cumprod', dim, x.ndim);
  const out = scanOf('prod', widened(x), d);
  const hasZero = (): boolean => Boolean(noGrad(() => any(eq(x, 0)).item()));
  const toLast = (t: Tensor): Tensor => (x.ndim === 0 ? reshape(t, [1]) : movedim(t, d, -1));
  const fromLast = (t: Tensor): Tensor => (x.ndim === 0 ? reshape(t, []) : movedim(t, -1, d));
  // [j, i] = ∂out[i]/∂x[j] = Π_{k ≤ i, k ≠ j} x[k] for i ≥ j, else 0 (along the last dim)
  const partials = (): Tensor => {
    const last = toLast(x);
    const n = last.shape[last.ndim - 1];
    const rows = where(eye(n, n, { dtype: 'bool' }), 1, expand(unsqueeze(last, -2), [...last.shape.slice(0, -1), n, n]));
    return triu(cumprod(rows, -1));
  };
  // Tangent: ẏ[i] = Σ_{j ≤ i} ∂out[i]/∂x[j]·ẋ[j], which is out·cumsum(ẋ/x) when no x is 0.
  return record(out, 'CumprodBackward', [x], (g) => {
    if (!hasZero()) return [div(suffixSum(mul(g, out), d), x)];
    return [fromLast(sum(mul(partials(), unsqueeze(toLast(g), -2)), -1))];
  }, [x, out], ([t]) => {
    if (!hasZero()) return mul(out, cumsum(div(t!, x), d));
    return fromLast(sum(mul(partials(), unsqueeze(toLast(t!), -1)), -2));
  });
}

/** The values and positions of a running maximum or minimum. */
export interface CumulativeResult {
  values: Tensor;
  /** Where each running extreme was attained (int32; the latest of equal ones, as PyTorch's). */
  indices: Tensor;
}

/**
 * Running maximum: values[i] = max_{j ≤ i} x[j] (a NaN, once met, stays), and the position it
 * came from. Gradient: each g[i] goes back to x[indices[i]] (a scatter-add, as max's).
 */
export function cummax(x: Tensor, dim: number): CumulativeResult {
  return cumulativeExtreme('cummax', 'max', x, dim);
}

/** Running minimum and its positions; see `cummax`. */
export function cummin(x: Tensor, dim: number): CumulativeResult {
  return cumulativeExtreme('cummin', 'min', x, dim);
}

function cumulativeExtreme(op: 'cummax' | 'cummin', scan: 'max' | 'min', x: Tensor, dim: number): CumulativeResult {
  const d = normalizeDim(op, dim, x.ndim);
  const values = scanOf(scan, x, d);
  // j is the latest place the extreme was reached at or before i exactly when x[j] equals the
  // running extreme at j (or is a NaN): mark those j with their position, −1 elsewhere, and a
  // running max of the marks is the index. After a new extreme no later element equals it until
  // it changes again, so the latest mark is where values[i] came from.
  const indices = noGrad(() => {
    const len = x.ndim === 0 ? 1 : x.shape[d];
    const positions = reshape(arangeInt(len), x.shape.map((s, k) => (k === d ? s : 1)));
    const marks = where(logicalOr(eq(x, values), isnan(x)), positions, -1);
    return scanOf('max', marks, d);
  });
  const recorded = record(values, op === 'cummax' ? 'CummaxBackward' : 'CumminBackward', [x], (g) => [scatterAdd(x.shape, d, indices, g)], undefined,
    ([t]) => gather(t!, d, indices));
  return { values: recorded, indices };
}

/**
 * Running log-sum-exp: out[i] = log Σ_{j ≤ i} e^{x[j]}, computed by the stable pairwise step.
 * Gradient: ∂L/∂x[j] = Σ_{i ≥ j} g[i]·e^{x[j] − out[i]}. Written as e^{x[j]}·Σ g[i]e^{−out[i]} it
 * overflows for large x, so, as TensorFlow does, the sum is split by the sign of g and each part
 * taken in log space with this same op run from the other end:
 *   Σ_{i ≥ j} g⁺[i]e^{−out[i]} = exp(reverse-logcumsumexp(log g⁺ − out)[j]).
 */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError('logcumsumexp', `needs a float tensor, got ${x.dtype}; convert with .float()`);
  const d = normalizeDim('logcumsumexp', dim, x.ndim);
  const out = scanOf('logsumexp', x, d);
  // Masked-out terms get log-magnitude −1e30 rather than −∞: e^{−1e30} is 0 all the same, and no
  // backend meets ∞ − ∞ or an infinite constant (GLSL has none). log is taken of 1 where masked
  // out, so no NaN reaches a second derivative through where.
  const logOf = (mask: Tensor, magnitude: Tensor) => where(mask, log(where(mask, magnitude, 1)), -1e30);
  return record(out, 'LogcumsumexpBackward', [x], (g) => {
    const reverse = (t: Tensor) => flip(logcumsumexp(flip(t, [d]), d), [d]);
    const part = (mask: Tensor, magnitude: Tensor) => exp(add(reverse(sub(logOf(mask, magnitude), out)), x));
    return [sub(part(gt(g, 0), g), part(lt(g, 0), neg(g)))];
  }, [x, out], ([t]) => {
    // ẏ[i] = Σ_{j ≤ i} e^{x[j] − out[i]}·ẋ[j], split by the sign of ẋ the same way, run forward.
    const part = (mask: Tensor, magnitude: Tensor) => exp(sub(logcumsumexp(add(logOf(mask, magnitude), x), d), out));
    return sub(part(gt(t!, 0), t!), part(lt(t!, 0), neg(t!)));
  });
}
