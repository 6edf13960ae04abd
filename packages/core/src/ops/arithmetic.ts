import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { BinaryOp } from '../backend/kernels.js';
import { isFloating } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, fromStorage, type TensorLike } from '../tensor.js';
import { asDType, broadcastView, checkOperand, needs, resultDType, scalarTensor, sumToShape, tensorPair } from './helpers.js';
import { eq, ge, gt, logicalAnd, lt, where } from './compare.js';
import { abs, exp, log, log1p, floor as floorOf, trunc as truncOf } from './unary.js';

/** Ops defined on floats only: integer and bool operands are promoted to float32 first (true division, as PyTorch's `/`). */
const FLOAT_ONLY: ReadonlySet<BinaryOp> = new Set([
  'div', 'atan2', 'hypot', 'copysign', 'binaryCrossEntropy', 'binaryCrossEntropyBackward', 'sigmoidBackward', 'thresholdBackward',
]);

/**
 * Runs a broadcasting binary kernel on the operands promoted to one dtype (PyTorch's rules,
 * ops/helpers.ts); returns the result with both operands as tensors of that dtype.
 */
export function broadcastBinary(op: BinaryOp, a: TensorLike, b: TensorLike): [Tensor, Tensor, Tensor] {
  let dtype = resultDType(op, a, b);
  if (FLOAT_ONLY.has(op) && !isFloating(dtype)) dtype = 'float32';
  // PyTorch refuses bool subtraction (even against a float): a − b of masks is usually a mistake for a xor.
  if (op === 'sub' && [a, b].some((v) => typeof v === 'boolean' || (v instanceof Tensor && v.dtype === 'bool'))) {
    throw new DTypeError('sub', 'subtraction with a bool tensor is not supported; for masks use logicalXor or logicalNot, or convert with .int() / .float() first');
  }
  const [x, y] = tensorPair(op, a, b, dtype);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const out = fromStorage(getBackend().binary(op, broadcastView(x, shape), broadcastView(y, shape), shape), shape);
  return [out, x, y];
}

// In every rule below `sumToShape` undoes broadcasting: a broadcast operand receives the sum of
// the gradients of all the positions it was copied to. Each op's tangent rule (JVP) sits after its
// gradient rule (VJP): ẏ = ∂y/∂x·ẋ + ∂y/∂y'·ẏ', the same partial derivatives applied forward,
// where broadcasting needs nothing (the tangent broadcasts as its operand did).

/**
 * What a two-input gradient rule reads: `forX` when x needs a gradient, `forY` when y does (as
 * PyTorch saves; writing in place into what no rule will read stays allowed).
 */
function reads(x: Tensor, forX: readonly Tensor[], y: Tensor, forY: readonly Tensor[]): Tensor[] {
  return [...new Set([...(x.requiresGrad ? forX : []), ...(y.requiresGrad ? forY : [])])];
}

/**
 * The sum of a tangent rule's terms, skipping inputs without a tangent (null): the rule of an op
 * whose inputs' tangents are ẋ, ẏ is `tangentSum(ẋ && ∂y/∂x·ẋ, ẏ && ∂y/∂y'·ẏ)`.
 */
export function tangentSum(...terms: (Tensor | null)[]): Tensor {
  const present = terms.filter((t): t is Tensor => t !== null);
  return present.slice(1).reduce((acc, t) => add(acc, t), present[0]);
}

/** x + y.   ∂/∂x = 1, ∂/∂y = 1. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('add', a, b);
  return record(out, 'AddBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(g, y.shape)),
  ], [], ([tx, ty]) => tangentSum(tx, ty));
}

/** x − y.   ∂/∂x = 1, ∂/∂y = −1. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('sub', a, b);
  return record(out, 'SubBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(neg(g), y.shape)),
  ], [], ([tx, ty]) => tangentSum(tx, ty && neg(ty)));
}

/** x · y.   ∂/∂x = y, ∂/∂y = x. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('mul', a, b);
  return record(out, 'MulBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, y), x.shape)),
    needs(y, () => sumToShape(mul(g, x), y.shape)),
  ], reads(x, [y], y, [x]), ([tx, ty]) => tangentSum(tx && mul(tx, y), ty && mul(x, ty)));
}

/** x / y.   ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('div', a, b);
  return record(out, 'DivBackward', [x, y], (g) => [
    needs(x, () => sumToShape(div(g, y), x.shape)),
    needs(y, () => sumToShape(neg(mul(g, div(out, y))), y.shape)),
  ], reads(x, [y], y, [y, out]), ([tx, ty]) => tangentSum(tx && div(tx, y), ty && neg(mul(ty, div(out, y)))));
}

/**
 * xʸ.   ∂/∂x = y·x^(y−1), taken as 0 where y = 0 (x⁰ is constant; at x = 0 the formula is 0·∞);
 *       ∂/∂y = xʸ·ln x, taken as 0 where x = 0 and y ≥ 0 (the limit for y > 0, a convention at y = 0)
 *       — both PyTorch's rules.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('pow', a, b);
  const dx = (): Tensor => where(eq(y, 0), 0, mul(y, pow(x, sub(y, 1))));
  const dy = (): Tensor => where(logicalAnd(eq(x, 0), ge(y, 0)), 0, mul(out, log(x)));
  return record(out, 'PowBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, dx()), x.shape)),
    needs(y, () => sumToShape(mul(g, dy()), y.shape)),
  ], undefined, ([tx, ty]) => tangentSum(tx && mul(tx, dx()), ty && mul(ty, dy())));
}

/** −x.   ∂/∂x = −1. */
export function neg(a: TensorLike): Tensor {
  const v = checkOperand('neg', a);
  const x = v instanceof Tensor ? v : scalarTensor(v, 'float32');
  if (x.dtype === 'bool') throw new DTypeError('neg', 'negation of a bool tensor is not supported; use logicalNot() or convert with .int() first');
  const out = fromStorage(getBackend().unary('neg', x), x.shape);
  return record(out, 'NegBackward', [x], (g) => [neg(g)], [], ([t]) => neg(t!));
}

/**
 * Elementwise max/min. The gradient goes to the larger (smaller) input; on a tie it is split in
 * half between the two, so the rule is symmetric (PyTorch does the same).
 */
function extremum(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary(op, a, b);
  const wins = op === 'maximum' ? gt : lt;
  // ∂/∂x = [x wins] + ½[x = y], ∂/∂y = [y wins] + ½[x = y]
  const share = (p: Tensor, q: Tensor): Tensor => add(asDType(wins(p, q), x.dtype), mul(asDType(eq(x, y), x.dtype), 0.5));
  return record(out, op === 'maximum' ? 'MaximumBackward' : 'MinimumBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, share(x, y)), x.shape)),
    needs(y, () => sumToShape(mul(g, share(y, x)), y.shape)),
  ], [x, y], ([tx, ty]) => tangentSum(tx && mul(tx, share(x, y)), ty && mul(ty, share(y, x))));
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('maximum', a, b);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('minimum', a, b);
}

/** The angle of the point (x, y), atan2(y, x), in (−π, π].   ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²). */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  const [out, y, x] = broadcastBinary('atan2', a, b);
  const r2 = (): Tensor => add(mul(x, x), mul(y, y));
  return record(out, 'Atan2Backward', [y, x], (g) => {
    const r = r2();
    return [needs(y, () => sumToShape(mul(g, div(x, r)), y.shape)), needs(x, () => sumToShape(mul(g, div(y, r)).neg(), x.shape))];
  }, [y, x], ([ty, tx]) => div(tangentSum(ty && mul(ty, x), tx && neg(mul(tx, y))), r2()));
}

/** √(a² + b²) without overflow in the squares.   ∂/∂a = a/out, ∂/∂b = b/out. */
export function hypot(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('hypot', a, b);
  return record(out, 'HypotBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, div(x, out)), x.shape)),
    needs(y, () => sumToShape(mul(g, div(y, out)), y.shape)),
  ], [x, y, out], ([tx, ty]) => div(tangentSum(tx && mul(tx, x), ty && mul(ty, y)), out));
}

/**
 * The remainder of a/b with the sign of b (Python's %, PyTorch's remainder): a − ⌊a/b⌋·b.
 *   ∂/∂a = 1, ∂/∂b = −⌊a/b⌋ (the quotient is locally constant).
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('remainder', a, b);
  return record(out, 'RemainderBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(mul(g, floorOf(div(x, y))).neg(), y.shape)),
  ], [x, y], ([tx, ty]) => tangentSum(tx, ty && neg(mul(ty, floorOf(div(x, y))))));
}

/** The remainder of a/b with the sign of a (C's fmod): a − trunc(a/b)·b.   ∂/∂a = 1, ∂/∂b = −trunc(a/b). */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('fmod', a, b);
  return record(out, 'FmodBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(mul(g, truncOf(div(x, y))).neg(), y.shape)),
  ], [x, y], ([tx, ty]) => tangentSum(tx, ty && neg(mul(ty, truncOf(div(x, y))))));
}

/** |a| with the sign of b (IEEE copysign).   ∂/∂a = out/a (±1; 0 at a = 0, as PyTorch), ∂/∂b = 0. */
export function copysign(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('copysign', a, b);
  return record(out, 'CopysignBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, where(eq(x, 0), 0, div(out, x))), x.shape)),
    needs(y, () => sumToShape(mul(g, 0), y.shape)),
  ], [x, out], ([tx, ty]) => tangentSum(tx && mul(tx, where(eq(x, 0), 0, div(out, x))), ty && mul(ty, 0)));
}

/** start + weight·(end − start) (PyTorch's lerp); the gradients come out of the ops. */
export function lerp(start: TensorLike, end: TensorLike, weight: TensorLike): Tensor {
  return add(start, mul(weight, sub(end, start)));
}

/**
 * log(eᵃ + eᵇ) = max(a, b) + log1p(e^{−|a − b|}), which neither overflows nor loses the smaller
 * term.   ∂/∂a = σ(a − b), ∂/∂b = σ(b − a), out of the ops.
 */
export function logaddexp(a: TensorLike, b: TensorLike): Tensor {
  return add(maximum(a, b), log1p(exp(abs(sub(a, b)).neg())));
}
