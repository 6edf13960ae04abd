import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { BinaryOp } from '../backend/kernels.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, fromStorage, type TensorLike } from '../tensor.js';
import { broadcastView, needs, scalarTensor, sumToShape, tensorPair } from './helpers.js';
import { eq, gt, lt, where } from './compare.js';
import { log } from './unary.js';

/** Runs a broadcasting binary kernel; returns the result with both operands as tensors. */
export function broadcastBinary(op: BinaryOp, a: TensorLike, b: TensorLike): [Tensor, Tensor, Tensor] {
  const [x, y] = tensorPair(op, a, b);
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
  ]);
}

/** x − y.   ∂/∂x = 1, ∂/∂y = −1. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('sub', a, b);
  return record(out, 'SubBackward', [x, y], (g) => [
    needs(x, () => sumToShape(g, x.shape)),
    needs(y, () => sumToShape(neg(g), y.shape)),
  ]);
}

/** x · y.   ∂/∂x = y, ∂/∂y = x. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('mul', a, b);
  return record(out, 'MulBackward', [x, y], (g) => [
    needs(x, () => sumToShape(mul(g, y), x.shape)),
    needs(y, () => sumToShape(mul(g, x), y.shape)),
  ]);
}

/** x / y.   ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary('div', a, b);
  return record(out, 'DivBackward', [x, y], (g) => [
    needs(x, () => sumToShape(div(g, y), x.shape)),
    needs(y, () => sumToShape(neg(mul(g, div(out, y))), y.shape)),
  ]);
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
  const x = a instanceof Tensor ? a : scalarTensor(a, 'float32');
  const out = fromStorage(getBackend().unary('neg', x), x.shape);
  return record(out, 'NegBackward', [x], (g) => [neg(g)]);
}

/**
 * Elementwise max/min. The gradient goes to the larger (smaller) input; on a tie it is split in
 * half between the two, so the rule is symmetric (PyTorch does the same).
 */
function extremum(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [out, x, y] = broadcastBinary(op, a, b);
  const wins = op === 'maximum' ? gt : lt;
  return record(out, op === 'maximum' ? 'MaximumBackward' : 'MinimumBackward', [x, y], (g) => {
    const half = mul(eq(x, y), 0.5);
    return [
      needs(x, () => sumToShape(mul(g, add(wins(x, y), half)), x.shape)),
      needs(y, () => sumToShape(mul(g, add(wins(y, x), half)), y.shape)),
    ];
  });
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('maximum', a, b);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('minimum', a, b);
}
