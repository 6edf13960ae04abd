import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { BinaryOp } from '../backend/kernels.js';
import { isFloating } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, fromStorage, type TensorLike } from '../tensor.js';
import { asDType, broadcastView, checkOperand, needs, resultDType, scalarTensor, sumToShape, tensorPair } from './helpers.js';
import { eq, gt, lt, where } from './compare.js';
import { log } from './unary.js';

/** Ops defined on floats only: integer and bool operands are promoted to float32 first (true division, as PyTorch's `/`). */
const FLOAT_ONLY: ReadonlySet<BinaryOp> = new Set(['div', 'binaryCrossEntropy', 'binaryCrossEntropyBackward', 'sigmoidBackward', 'thresholdBackward']);

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
// the gradients of all the positions it was copied to.

/** x + y.   ∂/∂x = 1, ∂/∂y = 1. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('add', a, b);
  return record(out, 'AddBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(g, y.shape)),
  ], []);
}

/** x − y.   ∂/∂x = 1, ∂/∂y = −1. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('sub', a, b);
  return record(out, 'SubBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(neg(g), y.shape)),
  ], []);
}

/** x · y.   ∂/∂x = y, ∂/∂y = x. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('mul', a, b);
  return record(out, 'MulBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, y), x.shape)),
    needs(y, () => sumToShape(mul(g, x), y.shape)),
  ], [x, y]);
}

/** x / y.   ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('div', a, b);
  return record(out, 'DivBackward', [x, y], (g) => [
    needs(x, () => sumToShape(div(g, y), x.shape)),
    needs(y, () => sumToShape(neg(mul(g, div(out, y))), y.shape)),
  ], [y, out]);
}

/**
 * xʸ.   ∂/∂x = y·x^(y−1),  ∂/∂y = xʸ·ln x (taken as 0 where x = 0, the limit for y > 0, as PyTorch does).
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('pow', a, b);
  return record(out, 'PowBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, mul(y, pow(x, sub(y, 1)))), x.shape)),
    needs(y, () => sumToShape(mul(g, where(eq(x, 0), 0, mul(out, log(x)))), y.shape)),
  ]);
}

/** −x.   ∂/∂x = −1. */
export function neg(a: TensorLike): Tensor {
  const v = checkOperand('neg', a);
  const x = v instanceof Tensor ? v : scalarTensor(v, 'float32');
  if (x.dtype === 'bool') throw new DTypeError('neg', 'negation of a bool tensor is not supported; use logicalNot() or convert with .int() first');
  const out = fromStorage(getBackend().unary('neg', x), x.shape);
  return record(out, 'NegBackward', [x], (g) => [neg(g)], []);
}

/**
 * Elementwise max/min. The gradient goes to the larger (smaller) input; on a tie it is split in
 * half between the two, so the rule is symmetric (PyTorch does the same).
 */
function extremum(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary(op, a, b);
  const wins = op === 'maximum' ? gt : lt;
  return record(out, op === 'maximum' ? 'MaximumBackward' : 'MinimumBackward', [x, y], (g) => {
    const half = mul(asDType(eq(x, y), x.dtype), 0.5);
    return [
      needs(x, () => sumToShape(mul(g, add(asDType(wins(x, y), x.dtype), half)), x.shape)),
      needs(y, () => sumToShape(mul(g, add(asDType(wins(y, x), x.dtype), half)), y.shape)),
    ];
  }, [x, y]);
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('maximum', a, b);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('minimum', a, b);
}
