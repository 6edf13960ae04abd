import { record } from '../autograd/node.js';
import { recordElementwise } from './elementwise-rule.js';
import { getBackend } from '../backend/backend.js';
import type { UnaryOp } from '../backend/kernels.js';
import { ValueError } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { add, broadcastBinary, mul, div, sub, tangentSum } from './arithmetic.js';
import { asDType, needs } from './helpers.js';
import { isFloating, promoteWithScalar } from '../dtype.js';
import { ge, le } from './compare.js';

/** The unary ops that keep an integer or bool dtype; the others compute in float32 for those (exp of an int32 tensor is float32, as in PyTorch). */
const KEEPS_DTYPE: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'trunc']);

function apply(op: UnaryOp, x: Tensor): Tensor {
  const input = KEEPS_DTYPE.has(op) || isFloating(x.dtype) ? x : asDType(x, 'float32');
  return fromStorage(getBackend().unary(op, input), x.shape);
}

/** eˣ.   d/dx = eˣ = out. */
export function exp(x: Tensor): Tensor {
  const out = apply('exp', x);
  return recordElementwise(out, 'ExpBackward', x, (g) => mul(g, out), [out]);
}

/** ln x.   d/dx = 1/x. */
export function log(x: Tensor): Tensor {
  return recordElementwise(apply('log', x), 'LogBackward', x, (g) => div(g, x), [x]);
}

/** √x.   d/dx = 1/(2√x) = 1/(2·out). */
export function sqrt(x: Tensor): Tensor {
  const out = apply('sqrt', x);
  return recordElementwise(out, 'SqrtBackward', x, (g) => div(g, mul(out, 2)), [out]);
}

/** |x|.   d/dx = sign(x) (0 at 0, as PyTorch takes it). */
export function abs(x: Tensor): Tensor {
  return recordElementwise(apply('abs', x), 'AbsBackward', x, (g) => mul(g, sign(x)), [x]);
}

/** sign(x) ∈ {−1, 0, 1}. Piecewise constant: not differentiated. */
export function sign(x: Tensor): Tensor {
  return apply('sign', x);
}

/** max(x, 0).   d/dx = 1 where x > 0, else 0; read from the output (out > 0 ⇔ x > 0), which is what PyTorch saves. */
export function relu(x: Tensor): Tensor {
  const out = apply('relu', x);
  return recordElementwise(out, 'ReluBackward', x, (g) => thresholdBackward(g, out), [out]);
}

/**
 * g·[x > 0] in one kernel (`thresholdBackward`), 0 where x ≤ 0 whatever g is, as PyTorch's
 * threshold_backward. Its own derivatives: ∂/∂g = [x > 0], ∂/∂x = 0 (almost everywhere).
 */
function thresholdBackward(g: Tensor, x: Tensor): Tensor {
  const [out] = broadcastBinary('thresholdBackward', g, x);
  // out = g·[x > 0]: linear in g, flat in x
  return record(out, 'ReluBackwardBackward', [g, x], (gg) => [thresholdBackward(gg, x), null], [x], ([tg, tx]) => tangentSum(tg && thresholdBackward(tg, x), tx && mul(tx, 0)));
}

/** σ(x) = 1/(1+e^{−x}).   d/dx = σ(x)(1 − σ(x)) = out·(1 − out). */
export function sigmoid(x: Tensor): Tensor {
  const out = apply('sigmoid', x);
  return recordElementwise(out, 'SigmoidBackward', x, (g) => sigmoidBackward(g, out), [out]);
}

/**
 * g·y(1 − y) for y = σ(x), in one kernel (`sigmoidBackward`). Its own derivatives, for second
 * derivatives: ∂/∂g = y(1 − y), ∂/∂y = g(1 − 2y).
 */
function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  const [out] = broadcastBinary('sigmoidBackward', g, y);
  return record(out, 'SigmoidBackwardBackward', [g, y], (gg) => [
    needs(g, () => mul(gg, mul(y, sub(1, y)))),
    needs(y, () => mul(gg, mul(g, sub(1, mul(y, 2))))),
  ], [g, y], ([tg, ty]) => tangentSum(tg && mul(tg, mul(y, sub(1, y))), ty && mul(ty, mul(g, sub(1, mul(y, 2))))));
}

/** tanh x.   d/dx = 1 − tanh²x = 1 − out². */
export function tanh(x: Tensor): Tensor {
  const out = apply('tanh', x);
  return recordElementwise(out, 'TanhBackward', x, (g) => mul(g, sub(1, mul(out, out))), [out]);
}

/** softplus(x) = ln(1 + eˣ), a smooth ReLU.   d/dx = σ(x). */
export function softplus(x: Tensor): Tensor {
  return recordElementwise(apply('softplus', x), 'SoftplusBackward', x, (g) => mul(g, sigmoid(x)), [x]);
}

/** The bounds of `clamp` as an object, like PyTorch's keywords: `clamp(x, { min: 0 })`. */
export interface ClampBounds {
  min?: number | null;
  max?: number | null;
}

/**
 * Clamps into [min, max] (either bound may be left out).
 * d/dx = 1 inside the range, bounds included (as PyTorch), 0 outside.
 */
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
  // Fractional bounds make an integer tensor float32, as a fractional operand would.
  const input = asDType(x, promoteWithScalar(promoteWithScalar(x.dtype, min == null ? 0 : lo), max == null ? 0 : hi));
  const out = fromStorage(getBackend().clamp(input, lo, hi), x.shape);
  return recordElementwise(out, 'ClampBackward', x, (g) => mul(g, mul(ge(x, lo), le(x, hi))), [x]);
}


/** x².   d/dx = 2x (through mul: g·x + g·x). */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** ln(1 + x), exact for small x where 1 + x would round.   d/dx = 1/(1 + x). */
export function log1p(x: Tensor): Tensor {
  return recordElementwise(apply('log1p', x), 'Log1PBackward', x, (g) => div(g, add(x, 1)), [x]);
}

/** eˣ − 1, exact for small x where eˣ − 1 cancels.   d/dx = eˣ = out + 1. */
export function expm1(x: Tensor): Tensor {
  const out = apply('expm1', x);
  return recordElementwise(out, 'Expm1Backward', x, (g) => mul(g, add(out, 1)), [out]);
}

/** sin x.   d/dx = cos x. */
export function sin(x: Tensor): Tensor {
  return recordElementwise(apply('sin', x), 'SinBackward', x, (g) => mul(g, cos(x)), [x]);
}

/** cos x.   d/dx = −sin x. */
export function cos(x: Tensor): Tensor {
  return recordElementwise(apply('cos', x), 'CosBackward', x, (g) => mul(g, sin(x)).neg(), [x]);
}

/** The error function erf x = 2/√π ∫₀ˣ e^{−t²} dt.   d/dx = 2/√π · e^{−x²}. */
export function erf(x: Tensor): Tensor {
  return recordElementwise(apply('erf', x), 'ErfBackward', x, (g) => mul(g, mul(exp(mul(x, x).neg()), 2 / Math.sqrt(Math.PI))), [x]);
}

export interface GeluOptions {
  /** 'none' (default): the exact x·Φ(x); 'tanh': the approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  approximate?: 'none' | 'tanh';
}

/**
 * GELU, x·Φ(x) with Φ the standard normal CDF: ½x(1 + erf(x/√2)) (PyTorch's default), or the
 * tanh approximation. Built from differentiable ops, so the gradient Φ(x) + x·φ(x) comes out of them.
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const { approximate = 'none' } = checkOptions('gelu', options, ['approximate'], "{ approximate: 'tanh' }");
  if (approximate === 'tanh') {
    const inner = mul(add(x, mul(mul(x, mul(x, x)), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  if (approximate !== 'none') throw new ValueError('gelu', `approximate must be 'none' or 'tanh', got ${describe(approximate)}`);
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** SiLU (swish), x·σ(x).   d/dx = σ(x)(1 + x(1 − σ(x))), from the product rule. */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

// ---- rounding: piecewise constant, so their gradient is 0 (PyTorch's convention), and an
// integer tensor comes back as it is ---------------------------------------------------------------

function rounding(op: 'floor' | 'ceil' | 'round' | 'trunc', name: string, x: Tensor): Tensor {
  if (!isFloating(x.dtype)) return x;
  return recordElementwise(apply(op, x), name, x, (g) => mul(g, 0), []);
}

/** ⌊x⌋.   d/dx = 0. */
export function floor(x: Tensor): Tensor { return rounding('floor', 'FloorBackward', x); }
/** ⌈x⌉.   d/dx = 0. */
export function ceil(x: Tensor): Tensor { return rounding('ceil', 'CeilBackward', x); }
/** x rounded to the nearest integer, halves to even (2.5 → 2, 3.5 → 4), as PyTorch.   d/dx = 0. */
export function round(x: Tensor): Tensor { return rounding('round', 'RoundBackward', x); }
/** x rounded toward zero.   d/dx = 0. */
export function trunc(x: Tensor): Tensor { return rounding('trunc', 'TruncBackward', x); }
/** The fractional part x − trunc(x) (its sign is x's).   d/dx = 1. */
export function frac(x: Tensor): Tensor { return sub(x, trunc(x)); }

// ---- powers and logarithms ------------------------------------------------------------------------

/** 1/x.   d/dx = −1/x² = −out². */
export function reciprocal(x: Tensor): Tensor {
  const out = apply('reciprocal', x);
  return recordElementwise(out, 'ReciprocalBackward', x, (g) => mul(g, mul(out, out)).neg(), [out]);
}

/** 1/√x.   d/dx = −½·x^(−3/2) = −½·out³. */
export function rsqrt(x: Tensor): Tensor {
  const out = apply('rsqrt', x);
  return recordElementwise(out, 'RsqrtBackward', x, (g) => mul(g, mul(mul(out, mul(out, out)), -0.5)), [out]);
}

/** log₂ x.   d/dx = 1/(x·ln 2). */
export function log2(x: Tensor): Tensor {
  return recordElementwise(apply('log2', x), 'Log2Backward', x, (g) => div(g, mul(x, Math.LN2)), [x]);
}

/** log₁₀ x.   d/dx = 1/(x·ln 10). */
export function log10(x: Tensor): Tensor {
  return recordElementwise(apply('log10', x), 'Log10Backward', x, (g) => div(g, mul(x, Math.LN10)), [x]);
}

/** 2ˣ.   d/dx = 2ˣ·ln 2 = out·ln 2. */
export function exp2(x: Tensor): Tensor {
  const out = apply('exp2', x);
  return recordElementwise(out, 'Exp2Backward', x, (g) => mul(g, mul(out, Math.LN2)), [out]);
}

// ---- trigonometric and hyperbolic -----------------------------------------------------------------

/** tan x.   d/dx = 1 + tan²x = 1 + out². */
export function tan(x: Tensor): Tensor {
  const out = apply('tan', x);
  return recordElementwise(out, 'TanBackward', x, (g) => mul(g, add(mul(out, out), 1)), [out]);
}

/** arcsin x.   d/dx = 1/√(1 − x²). */
export function asin(x: Tensor): Tensor {
  return recordElementwise(apply('asin', x), 'AsinBackward', x, (g) => div(g, sqrt(sub(1, mul(x, x)))), [x]);
}

/** arccos x.   d/dx = −1/√(1 − x²). */
export function acos(x: Tensor): Tensor {
  return recordElementwise(apply('acos', x), 'AcosBackward', x, (g) => div(g, sqrt(sub(1, mul(x, x)))).neg(), [x]);
}

/** arctan x.   d/dx = 1/(1 + x²). */
export function atan(x: Tensor): Tensor {
  return recordElementwise(apply('atan', x), 'AtanBackward', x, (g) => div(g, add(mul(x, x), 1)), [x]);
}

/** sinh x.   d/dx = cosh x. */
export function sinh(x: Tensor): Tensor {
  return recordElementwise(apply('sinh', x), 'SinhBackward', x, (g) => mul(g, cosh(x)), [x]);
}

/** cosh x.   d/dx = sinh x. */
export function cosh(x: Tensor): Tensor {
  return recordElementwise(apply('cosh', x), 'CoshBackward', x, (g) => mul(g, sinh(x)), [x]);
}

/** arsinh x.   d/dx = 1/√(x² + 1). */
export function asinh(x: Tensor): Tensor {
  return recordElementwise(apply('asinh', x), 'AsinhBackward', x, (g) => div(g, sqrt(add(mul(x, x), 1))), [x]);
}

/** arcosh x (x ≥ 1).   d/dx = 1/√(x² − 1). */
export function acosh(x: Tensor): Tensor {
  return recordElementwise(apply('acosh', x), 'AcoshBackward', x, (g) => div(g, sqrt(sub(mul(x, x), 1))), [x]);
}

/** artanh x (|x| < 1).   d/dx = 1/(1 − x²). */
export function atanh(x: Tensor): Tensor {
  return recordElementwise(apply('atanh', x), 'AtanhBackward', x, (g) => div(g, sub(1, mul(x, x))), [x]);
}
