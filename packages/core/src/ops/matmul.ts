import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { MatmulOperand } from '../backend/kernels.js';
import { isFloating, sameDType } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { broadcastShapes, describe, sizeOf, type Shape } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { needs, sumToShape } from './helpers.js';
import { add, mul, tangentSum } from './arithmetic.js';
import { contiguous, expand, reshape, squeeze, transpose, unsqueeze } from './view.js';

/**
 * Describes a `[..., r, c]` tensor to the kernel without copying when its last two dims are
 * row-major (the usual case) or column-major (a transposed view such as `W.T`): the kernel picks
 * its loop order from the layout. Anything else is copied once.
 */
function operand(t: Tensor): MatmulOperand {
  const nd = t.ndim;
  const r = t.shape[nd - 2], c = t.shape[nd - 1];
  const rs = t.strides[nd - 2], cs = t.strides[nd - 1];
  const rowMajor = (r === 1 || rs === c) && (c === 1 || cs === 1);
  const colMajor = (r === 1 || rs === 1) && (c === 1 || cs === r);
  if (!rowMajor && !colMajor) return operand(contiguous(t).detach());
  const batchShape = t.shape.slice(0, nd - 2);
  const offsets: number[] = [];
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let b = 0; b < sizeOf(batchShape); b++) {
    offsets.push(idx.reduce((o, v, i) => o + v * t.strides[i], t.offset));
    for (let d = batchShape.length - 1; d >= 0 && ++idx[d] === batchShape[d]; d--) idx[d] = 0;
  }
  return { buffer: t.buffer, offsets, transposed: !rowMajor };
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are treated as a row (left) or column (right)
 * vector and that dim is dropped from the result; leading (batch) dims broadcast.
 *
 * For C = A·B:   ∂L/∂A = ∂L/∂C · Bᵀ,   ∂L/∂B = Aᵀ · ∂L/∂C
 * (summed over batch dims that broadcasting created).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDType('matmul', a.dtype, b.dtype);
  if (!isFloating(a.dtype)) throw new DTypeError('matmul', `needs float operands, got ${a.dtype}; convert with .float()`);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: both operands need at least 1 dimension`);
  }
  if (a.ndim === 1 || b.ndim === 1) {
    let out = matmul(a.ndim === 1 ? unsqueeze(a, 0) : a, b.ndim === 1 ? unsqueeze(b, 1) : b);
    if (b.ndim === 1) out = squeeze(out, -1);
    if (a.ndim === 1) out = squeeze(out, b.ndim === 1 ? -1 : -2);
    return out;
  }
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) {
    throw new ShapeError('matmul', `${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: inner dimensions ${k} and ${k2} differ`);
  }
  let batch: Shape;
  try {
    batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    throw new ShapeError('matmul', `${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: batch dimensions do not broadcast`);
  }
  const ae = expand(a, [...batch, m, k]).detach();
  const be = expand(b, [...batch, k, n]).detach();
  const out = fromStorage(getBackend().matmul(operand(ae), operand(be), m, k, n), [...batch, m, n]);
  return record(out, 'MmBackward', [a, b], (g) => [
    needs(a, () => sumToShape(matmul(g, transpose(b, -1, -2)), a.shape)),
    needs(b, () => sumToShape(matmul(transpose(a, -1, -2), g), b.shape)),
  ], [a, b], ([ta, tb]) => tangentSum(ta && matmul(ta, b), tb && matmul(a, tb)));
}

/**
 * y = x·Wᵀ + b — PyTorch's `F.linear`, the op of a Linear layer: `x` is `[..., in]`, `weight`
 * `[out, in]` (read where it is stored), `bias` `[out]` or null. One kernel call: the bias is
 * added as each product is written (on the GPU, no second pass over y and no extra texture);
 * the result equals `x.matmul(weight.T).add(bias)` exactly.
 *
 *   ∂L/∂x = g·W,   ∂L/∂W = gᵀ·x (over all leading dims),   ∂L/∂b = Σ over leading dims of g
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const shapes = `x ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias === null ? '' : `, bias ${fmtShape(bias.shape)}`}`;
  if (weight.ndim !== 2 || x.ndim === 0) throw new ShapeError('linear', `${shapes}: expected x [..., in] and weight [out, in]`);
  if (x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError('linear', `${shapes}: x has ${x.shape[x.ndim - 1]} features, the weight [out, in] expects ${weight.shape[1]}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError('linear', `${shapes}: expected bias [out] = [${weight.shape[0]}]`);
  }
  sameDType('linear', x.dtype, weight.dtype);
  if (bias !== null) sameDType('linear', x.dtype, bias.dtype);
  if (bias === null) return matmul(x, transpose(weight, 0, 1));
  if (x.ndim === 1) return squeeze(linear(unsqueeze(x, 0), weight, bias), 0);

  const [m, k] = x.shape.slice(-2);
  const n = weight.shape[0];
  const batch = x.shape.slice(0, -2);
  const wt = expand(transpose(weight, 0, 1), [...batch, k, n]).detach();
  const out = fromStorage(getBackend().matmul(operand(x.detach()), operand(wt), m, k, n, contiguous(bias.detach())), [...batch, m, n]);
  return record(out, 'AddmmBackward', [x, weight, bias], (g) => [
    needs(x, () => matmul(g, weight)),
    needs(weight, () => matmul(transpose(reshape(g, [-1, n]), 0, 1), reshape(x, [-1, k]))),
    needs(bias, () => sumToShape(g, bias.shape)),
  ], [x, weight], ([tx, tw, tb]) => tangentSum(tx && matmul(tx, transpose(weight, 0, 1)), tw && matmul(x, transpose(tw, 0, 1)), tb));
}

/** aᵢbⱼ for 1-D a and b: the [n, m] outer product. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError('outer', `expects two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/** Σ aᵢbᵢ for 1-D a and b of one length. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) throw new ShapeError('dot', `expects two 1-D tensors of one length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** Batched matmul of [B, n, m] by [B, m, p], without broadcasting (PyTorch's bmm). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  return matmul(...checkBatches('bmm', a, b));
}

function checkBatches(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new ValueError(op, 'the batches must be tensors');
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) throw new ShapeError(op, `expects [B, n, m] and [B, m, p] with one B, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return [a, b];
}

export interface BaddbmmOptions {
  /** Scale of `input` (default 1; with 0, input is ignored, NaN and ∞ included, as PyTorch). */
  beta?: number;
  /** Scale of the products (default 1). */
  alpha?: number;
}

/** β·input + α·(b1 @ b2) per batch (PyTorch's baddbmm); input broadcasts to [B, n, p]. */
export function baddbmm(input: Tensor, b1: Tensor, b2: Tensor, options?: BaddbmmOptions): Tensor {
  const { beta = 1, alpha = 1 } = checkOptions('baddbmm', options, ['beta', 'alpha'], '{ beta: 0.5, alpha: 2 }');
  for (const [name, v] of [['beta', beta], ['alpha', alpha]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError('baddbmm', `${name} must be a finite number, got ${describe(v)}`);
  }
  const product = matmul(...checkBatches('baddbmm', b1, b2));
  const scaled = alpha === 1 ? product : mul(product, alpha);
  if (!(input instanceof Tensor)) throw new ValueError('baddbmm', `input must be a tensor, got ${describe(input)}`);
  const shape = broadcastShapes('baddbmm', input.shape, scaled.shape);
  if (sizeOf(shape) !== sizeOf(scaled.shape) || shape.length !== scaled.ndim) {
    throw new ShapeError('baddbmm', `input of shape ${fmtShape(input.shape)} does not broadcast to the products' shape ${fmtShape(scaled.shape)}`);
  }
  if (beta === 0) return scaled;
  return add(beta === 1 ? input : mul(input, beta), scaled);
}
