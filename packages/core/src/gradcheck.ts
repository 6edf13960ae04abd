import { grad } from './autograd/engine.js';
import { dualLevel, makeDual, unpackDual } from './autograd/forward.js';
import { noGrad } from './autograd/grad-mode.js';
import { randn, zeros } from './creation.js';
import { DTypeError, ValueError, fmtShape } from './errors.js';
import { cat } from './ops/join.js';
import { reshape } from './ops/view.js';
import { Generator } from './random.js';
import type { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, against the numerical value (default 1e-3). */
  rtol?: number;
  /**
   * Also check the tangent rules (forward mode, default true): each column of the Jacobian from
   * one JVP with a one-hot tangent, against the same numerical column. Pass false for a
   * `defineOp` without `jvp`.
   */
  forward?: boolean;
}

/** Where the analytic and numerical Jacobians disagree most. */
export interface GradcheckWorst {
  /** Which rule disagrees: the gradient rules (reverse mode) or the tangent rules (forward mode). */
  mode: 'reverse' | 'forward';
  /** Which input (position in `inputs`). */
  input: number;
  /** Multi-index of the input element. */
  inputIndex: number[];
  /** Multi-index of the output element. */
  outputIndex: number[];
  analytic: number;
  numerical: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numerical| over the Jacobian. */
  maxAbsError: number;
  /** The element with the largest error relative to its tolerance (null for an empty Jacobian). */
  worst: GradcheckWorst | null;
  /** A one-paragraph summary, for `expect(r.ok, r.message)`. */
  message: string;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

/**
 * Checks the tape's gradient of `fn` against central finite differences, in float64:
 * every entry of the Jacobian ∂out_j/∂x_i, analytic (one backward pass per output element)
 * against numerical (f(x + eps) − f(x − eps)) / 2eps, must satisfy
 * |analytic − numerical| ≤ atol + rtol·|numerical|. With `forward` (the default) the Jacobian is
 * also built column by column in forward mode (one JVP per input element, the tangent rules) and
 * held to the same test, so one call checks both rules of every op `fn` uses.
 *
 * Inputs are copied to float64 leaves that require grad; `fn` must build everything else in
 * float64 too (a float32 constant inside would make the check meaningless, and is rejected).
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, forward = true } = options;
  const xs = inputs.map((x) => x.detach().to('float64').clone().requiresGrad_());
  const out = fn(...xs);
  if (out.dtype !== 'float64') {
    throw new DTypeError('gradcheck', `fn returned ${out.dtype}; build constants inside fn with { dtype: 'float64' }`);
  }
  const outSize = out.numel();

  // Analytic Jacobian: row j is the gradient of out_j, from one backward pass with a one-hot seed.
  const analytic = xs.map((x) => new Float64Array(outSize * x.numel()));
  if (out.requiresGrad) {
    for (let j = 0; j < outSize; j++) {
      const seed = zeros(out.shape, { dtype: 'float64' });
      seed.mutableData()[j] = 1;
      const gs = grad(out, xs, { gradOutputs: seed, retainGraph: true, allowUnused: true });
      gs.forEach((g, i) => analytic[i].set(g.data, j * xs[i].numel()));
    }
  }

  // Numerical Jacobian: column e is (f(x + eps·e) − f(x − eps·e)) / 2eps.
  let maxAbsError = 0;
  let worstRatio = -1;
  let worst: GradcheckWorst | null = null;
  // fn runs with recording on, so that a fn that itself calls grad() (gradgradcheck) works.
  xs.forEach((x, i) => {
    const s = x.mutableData();
    for (let e = 0; e < x.numel(); e++) {
      const orig = s[e];
      s[e] = orig + eps;
      const plus = Float64Array.from(fn(...xs).data); // a copy: the output may be a view of x
      s[e] = orig - eps;
      const minus = Float64Array.from(fn(...xs).data);
      s[e] = orig;
      const column = forward ? tangentColumn(fn, xs, i, e, outSize) : null;
      for (let j = 0; j < outSize; j++) {
        const numerical = (plus[j] - minus[j]) / (2 * eps);
        const compare = (mode: 'reverse' | 'forward', a: number): void => {
          const err = Math.abs(a - numerical);
          const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(numerical));
          maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
          if (ratio > worstRatio) {
            worstRatio = ratio;
            worst = { mode, input: i, inputIndex: unravel(e, x.shape), outputIndex: unravel(j, out.shape), analytic: a, numerical };
          }
        };
        compare('reverse', analytic[i][j * x.numel() + e]);
        if (column !== null) compare('forward', column[j]);
      }
    }
  });
  const ok = worstRatio <= 1;
  const w = worst as GradcheckWorst | null;
  const where = w === null
    ? 'empty Jacobian'
    : `worst at input ${w.input}${fmtShape(w.inputIndex)} → output${fmtShape(w.outputIndex)} (${w.mode} mode): analytic ${w.analytic}, numerical ${w.numerical}`;
  return {
    ok,
    maxAbsError,
    worst: w,
    message: `gradcheck ${ok ? 'passed' : 'FAILED'} (eps=${eps}, atol=${atol}, rtol=${rtol}): max |error| ${maxAbsError.toExponential(3)}; ${where}`,
  };
}

/** Column e of ∂fn/∂xs[i] from one JVP: the output's tangent when input i's element e has tangent 1 and every other 0. */
function tangentColumn(fn: (...inputs: Tensor[]) => Tensor, xs: readonly Tensor[], i: number, e: number, outSize: number): Float64Array {
  return dualLevel(() => {
    const v = zeros(xs[i].shape, { dtype: 'float64' });
    v.mutableData()[e] = 1;
    const args = xs.map((x, k) => (k === i ? makeDual(x, v) : x));
    const t = unpackDual(fn(...args)).tangent;
    return t === null ? new Float64Array(outSize) : Float64Array.from(t.data);
  });
}

/**
 * Checks second derivatives: runs `gradcheck` on the function x ↦ vᵀ·∂fn/∂x (with a fixed random
 * v), whose own gradient needs the backward pass recorded with `createGraph`.
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions & { seed?: number } = {}): GradcheckResult {
  if (inputs.length === 0) throw new ValueError('gradgradcheck', 'needs at least one input');
  const probe = noGrad(() => fn(...inputs.map((x) => x.detach().to('float64'))));
  const v = randn(probe.shape, { dtype: 'float64', generator: new Generator(options.seed ?? 0) });
  const vjp = (...xs: Tensor[]): Tensor => {
    const out = fn(...xs);
    const gs = grad(out, xs, { gradOutputs: v, createGraph: true, allowUnused: true });
    return cat(gs.map((g) => reshape(g, [g.numel()])));
  };
  return gradcheck(vjp, inputs, options);
}

