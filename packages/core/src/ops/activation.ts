import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul } from './arithmetic.js';
import { gt, logicalAnd, lt, where } from './compare.js';
import { chunk } from './join.js';
import { softmax } from './reduce.js';
import { clamp, expm1, sigmoid, softplus as softplusKernel, tanh } from './unary.js';

/**
 * The activation functions PyTorch's `torch.nn.functional` has, built from differentiable ops so
 * that each gradient comes out of them. Two rules keep those gradients PyTorch's:
 * - A branch that is not taken must not make NaN: `where` multiplies the untaken branch's
 *   gradient by 0, and 0·∞ is NaN, so a branch that could overflow (eˣ for large x) is computed
 *   on x clamped to its own side.
 * - At a kink, the gradient is the one PyTorch's backward gives there: the branch `where` picks
 *   at the kink, and for hardtanh-like functions 0 at the bounds themselves.
 */

const number = (op: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(op, `${name} must be a finite number, got ${describe(v)}`);
  return v;
};

/** x for x > 0, α(eˣ − 1) otherwise.   d/dx = 1, or αeˣ (α at 0, as PyTorch). */
export function elu(x: Tensor, alpha = 1): Tensor {
  const a = number('elu', 'alpha', alpha);
  return where(gt(x, 0), x, mul(expm1(clamp(x, { max: 0 })), a));
}

/** scale·elu(x, α) with PyTorch's α = 1.6732632… and scale = 1.0507009… (self-normalising). */
export function selu(x: Tensor): Tensor {
  return mul(elu(x, 1.6732632423543772848170429916717), 1.0507009873554804934193349852946);
}

/** x for x > 0, α(e^{x/α} − 1) otherwise. */
export function celu(x: Tensor, alpha = 1): Tensor {
  const a = number('celu', 'alpha', alpha);
  if (a === 0) throw new ValueError('celu', 'alpha must not be 0');
  return where(gt(x, 0), x, mul(expm1(div(clamp(x, { max: 0 }), a)), a));
}

/**
 * x clamped to [min, max].   d/dx = 1 strictly inside, 0 outside and at the bounds (PyTorch's
 * hardtanh_backward; `clamp`'s gradient is 1 at the bounds).
 */
export function hardtanh(x: Tensor, min = -1, max = 1): Tensor {
  const lo = number('hardtanh', 'min', min), hi = number('hardtanh', 'max', max);
  if (lo > hi) throw new ValueError('hardtanh', `min ${lo} is larger than max ${hi}`);
  return where(logicalAnd(gt(x, lo), lt(x, hi)), x, clamp(x, lo, hi).detach());
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/** 0 for x ≤ −3, 1 for x ≥ 3, x/6 + ½ between.   d/dx = 1/6 strictly between, 0 elsewhere. */
export function hardsigmoid(x: Tensor): Tensor {
  const y = add(div(x, 6), 0.5);
  return where(logicalAnd(gt(x, -3), lt(x, 3)), y, clamp(y, 0, 1).detach());
}

/** x·hardsigmoid(x).   d/dx = 0 below −3, (2x + 3)/6 between, 1 above 3, by the product rule. */
export function hardswish(x: Tensor): Tensor {
  return mul(x, hardsigmoid(x));
}

/** x·tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  return mul(x, tanh(softplus(x)));
}

/** log σ(x) = −softplus(−x), exact for large |x| where log(σ(x)) would round to 0 or −∞. */
export function logsigmoid(x: Tensor): Tensor {
  return softplusKernel(x.neg()).neg();
}

/** x for x > 0, slope·x otherwise.   d/dx = 1 or slope (slope at 0, as PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const s = number('leakyRelu', 'negativeSlope', negativeSlope);
  return where(gt(x, 0), x, mul(x, s));
}

export interface SoftplusOptions {
  /** The sharpness: softplus(βx)/β (default 1). */
  beta?: number;
  /** Above βx = threshold the function is x itself (default 20, as PyTorch). */
  threshold?: number;
}

/**
 * (1/β)·log(1 + e^{βx}), and x itself where βx > threshold (PyTorch's linear tail).
 * d/dx = σ(βx) below the threshold, 1 above.
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const { beta = 1, threshold = 20 } = checkOptions('softplus', options, ['beta', 'threshold'], '{ beta: 2 }');
  const b = number('softplus', 'beta', beta), t = number('softplus', 'threshold', threshold);
  if (b === 0) throw new ValueError('softplus', 'beta must not be 0');
  const bx = mul(x, b);
  return where(gt(bx, t), x, div(softplusKernel(bx), b));
}

/** softmax(−x) along `dim`: the smallest entries get the most weight. */
export function softmin(x: Tensor, dim: number): Tensor {
  return softmax(x.neg(), dim);
}

/** The gated linear unit: the halves a, b of x along `dim`, a·σ(b). */
export function glu(x: Tensor, dim = -1): Tensor {
  const d = normalizeDim('glu', dim, x.ndim);
  if (x.shape[d] % 2 !== 0) throw new ShapeError('glu', `dim ${dim} of ${fmtShape(x.shape)} has ${x.shape[d]} entries; it must split into two halves`);
  const [a, b] = chunk(x, 2, d);
  return mul(a, sigmoid(b));
}
