import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { UnaryOp } from '../backend/kernels.js';
import { ValueError } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { add, mul, div, sub } from './arithmetic.js';
import { ge, gt, le } from './compare.js';

function apply(op: UnaryOp, x: Tensor): Tensor {
  return fromStorage(getBackend().unary(op, x), x.shape);
}

/** eˣ.   d/dx = eˣ = out. */
export function exp(x: Tensor): Tensor {
  const out = apply('exp', x);
  return record(out, 'ExpBackward', [x], (g) => [mul(g, out)]);
}

/** ln x.   d/dx = 1/x. */
export function log(x: Tensor): Tensor {
  return record(apply('log', x), 'LogBackward', [x], (g) => [div(g, x)]);
}

/** √x.   d/dx = 1/(2√x) = 1/(2·out). */
export function sqrt(x: Tensor): Tensor {
  const out = apply('sqrt', x);
  return record(out, 'SqrtBackward', [x], (g) => [div(g, mul(out, 2))]);
}

/** |x|.   d/dx = sign(x) (0 at 0, as PyTorch takes it). */
export function abs(x: Tensor): Tensor {
  return record(apply('abs', x), 'AbsBackward', [x], (g) => [mul(g, sign(x))]);
}

/** sign(x) ∈ {−1, 0, 1}. Piecewise constant: not differentiated. */
export function sign(x: Tensor): Tensor {
  return apply('sign', x);
}

/** max(x, 0).   d/dx = 1 where x > 0, else 0. */
export function relu(x: Tensor): Tensor {
  return record(apply('relu', x), 'ReluBackward', [x], (g) => [mul(g, gt(x, 0))]);
}

/** σ(x) = 1/(1+e^{−x}).   d/dx = σ(x)(1 − σ(x)) = out·(1 − out). */
export function sigmoid(x: Tensor): Tensor {
  const out = apply('sigmoid', x);
  return record(out, 'SigmoidBackward', [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

/** tanh x.   d/dx = 1 − tanh²x = 1 − out². */
export function tanh(x: Tensor): Tensor {
  const out = apply('tanh', x);
  return record(out, 'TanhBackward', [x], (g) => [mul(g, sub(1, mul(out, out)))]);
}

/** softplus(x) = ln(1 + eˣ), a smooth ReLU.   d/dx = σ(x). */
export function softplus(x: Tensor): Tensor {
  return record(apply('softplus', x), 'SoftplusBackward', [x], (g) => [mul(g, sigmoid(x))]);
}

/**
 * Clamps into [min, max] (either bound may be left out).
 * d/dx = 1 inside the range, bounds included (as PyTorch), 0 outside.
 */
/** The bounds of `clamp` as an object, like PyTorch's keywords: `clamp(x, { min: 0 })`. */
export interface ClampBounds {
  min?: number | null;
  max?: number | null;
}

export function clamp(x: Tensor, min?: number | null | ClampBounds, max?: number | null): Tensor {
  // PyTorch's keyword form clamp(x, min=0) reads { min: 0 } here.
  if (typeof min === 'object' && min !== null) {
    if (max !== undefined) throw new ValueError('clamp', 'pass the bounds either as { min, max } or as two numbers, not both');
    ({ min, max } = checkOptions('clamp', min, ['min', 'max'], '{ min: 0, max: 1 }'));
  }
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (v != null && (typeof v !== 'number' || Number.isNaN(v))) throw new ValueError('clamp', `${name} must be a number or null, got ${describe(v)}`);
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (min == null && max == null) throw new ValueError('clamp', 'at least one of min and max must be given');
  if (lo > hi) throw new ValueError('clamp', `min ${lo} is larger than max ${hi}`);
  const out = fromStorage(getBackend().clamp(x, lo, hi), x.shape);
  return record(out, 'ClampBackward', [x], (g) => [mul(g, mul(ge(x, lo), le(x, hi)))]);
}

