import { allocate } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { div } from './arithmetic.js';
import { matmul } from './matmul.js';
import { getBackend } from '../backend/backend.js';
import { sum } from './reduce.js';
import { gatherInRange, scatterAddInRange } from './select.js';
import { record } from '../autograd/node.js';
import { contiguous, reshape, squeeze, transpose, unsqueeze } from './view.js';
import { checkInput4d, pair, single, unfoldWindows, windowCount, windows, type Axis, type Pair } from './windows.js';

/**
 * Pooling over the windows of an `[N, C, H, W]` input (or `[C, H, W]`), each channel on its own.
 *   max:  y = x at the window's argmax (its first maximum, as PyTorch; the `maxPool` kernel
 *         finds both);  ∂L/∂x: g goes to that one position — a scatter-add per plane, which
 *         sums where overlapping windows share a maximum (the adjoint of reading x there).
 *   avg:  y = Σ window / divisor, the windows unfolded into columns (im2col) and summed;
 *         ∂L/∂x: g/divisor spread evenly over the window (unfold's gradient, fold).
 */

export interface MaxPoolOptions {
  /** How far the window moves; default: the kernel size (non-overlapping windows). */
  stride?: Pair | null;
  /** −∞ added on each side, at most half the kernel (default 0). */
  padding?: Pair;
  dilation?: Pair;
  /** Count windows with ⌈⌉ instead of ⌊⌋, so the last partial window is pooled too. */
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  stride?: Pair | null;
  /** Zeros added on each side, at most half the kernel (default 0). */
  padding?: Pair;
  ceilMode?: boolean;
  /** Whether the padding's zeros count in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

interface Pooling {
  x: Tensor;
  axes: [Axis, Axis];
  oh: number;
  ow: number;
  shapes: string;
}

function pooling(op: string, x: Tensor, kernelSize: Pair, stride: Pair | null | undefined, padding: Pair, dilation: Pair, ceilMode: unknown): Pooling {
  checkInput4d(op, x);
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const s = stride === undefined || stride === null ? k : pair(op, 'stride', stride, 1);
  const p = pair(op, 'padding', padding, 0), d = pair(op, 'dilation', dilation, 1);
  if (typeof ceilMode !== 'boolean') throw new ValueError(op, `ceilMode must be a boolean, got ${describe(ceilMode)}`);
  const shapes = `input ${fmtShape(x.shape)}, kernel ${describe(kernelSize)}`;
  [0, 1].forEach((i) => {
    if (p[i] > Math.floor(k[i] / 2)) throw new ValueError(op, `padding ${describe(padding)} must be at most half the kernel size ${describe(kernelSize)}`);
  });
  const axes = [0, 1].map((i) => ({ k: k[i], s: s[i], before: p[i], after: p[i], d: d[i] })) as [Axis, Axis];
  const [h, w] = x.shape.slice(2);
  return { x, axes, oh: windowCount(op, h, axes[0], shapes, ceilMode), ow: windowCount(op, w, axes[1], shapes, ceilMode), shapes };
}

/** A 3-D `[C, H, W]` input pooled as a batch of one. */
function unbatched(x: Tensor, f: (x: Tensor) => Tensor): Tensor | null {
  return x instanceof Tensor && x.ndim === 3 ? squeeze(f(unsqueeze(x, 0)), 0) : null;
}

/** Max over each window (PyTorch's `F.max_pool2d`); padding positions are −∞, never the maximum of a window with an element. */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPoolOptions = {}): Tensor {
  const op = 'maxPool2d';
  const { stride, padding = 0, dilation = 1, ceilMode = false } = checkOptions(op, options, ['stride', 'padding', 'dilation', 'ceilMode'], '{ stride: 2 }');
  const u = unbatched(x, (b) => maxPool2d(b, kernelSize, options));
  if (u !== null) return u;
  const { axes, oh, ow } = pooling(op, x, kernelSize, stride, padding, dilation, ceilMode);
  const [n, c, h, w] = x.shape;
  const win = windows(h, w, axes[0], axes[1], oh, ow);
  const { values, indices } = getBackend().maxPool(contiguous(x.detach()), win);
  const idx = fromStorage(indices, [n * c, oh * ow]);
  const out = fromStorage(values, [n, c, oh, ow]);
  return record(out, 'MaxPool2dBackward', [x], (g) => [reshape(scatterAddInRange([n * c, h * w], 1, idx, reshape(g, [n * c, oh * ow])), x.shape)], [idx],
    ([t]) => reshape(gatherInRange(reshape(t!, [n * c, h * w]), 1, idx), out.shape));
}

/** Mean over each window (PyTorch's `F.avg_pool2d`). */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  const { stride, padding = 0, ceilMode = false, countIncludePad = true } = checkOptions(op, options, ['stride', 'padding', 'ceilMode', 'countIncludePad'], '{ stride: 2 }');
  if (typeof countIncludePad !== 'boolean') throw new ValueError(op, `countIncludePad must be a boolean, got ${describe(countIncludePad)}`);
  const u = unbatched(x, (b) => avgPool2d(b, kernelSize, options));
  if (u !== null) return u;
  const { axes, oh, ow } = pooling(op, x, kernelSize, stride, padding, 1, ceilMode);
  const [n, c, h, w] = x.shape;
  const sums = sum(reshape(unfoldWindows(x, windows(h, w, axes[0], axes[1], oh, ow)), [n, c, axes[0].k * axes[1].k, oh * ow]), 2);
  // The divisor of window (y, x): the positions it covers, counting the padding's zeros or not,
  // never the part of a ceilMode window that hangs past the padding (PyTorch's rule).
  const span = (a: Axis, size: number, i: number): number => {
    const start = i * a.s - a.before, end = Math.min(start + a.k, size + a.after);
    return countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  };
  const divisor = allocate(x.dtype, oh * ow);
  for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) divisor[y * ow + xx] = span(axes[0], h, y) * span(axes[1], w, xx);
  return reshape(div(sums, fromStorage(divisor, [oh * ow])), [n, c, oh, ow]);
}

/**
 * Mean over an adaptive grid (PyTorch's `F.adaptive_avg_pool2d`): output cell i of a dim averages
 * input rows ⌊i·H/out⌋ … ⌈(i+1)·H/out⌉ − 1. Windows differ in size, so it is two products with
 * averaging matrices, y = A_H · x · A_Wᵀ, whose gradient is Aᵀ·g·A.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const op = 'adaptiveAvgPool2d';
  const u = unbatched(x, (b) => adaptiveAvgPool2d(b, outputSize));
  if (u !== null) return u;
  checkInput4d(op, x);
  const [oh, ow] = pair(op, 'outputSize', outputSize, 1);
  const averaging = (out: number, size: number): Tensor => {
    const a = allocate(x.dtype, out * size);
    for (let i = 0; i < out; i++) {
      const start = Math.floor((i * size) / out), end = Math.ceil(((i + 1) * size) / out);
      for (let j = start; j < end; j++) a[i * size + j] = 1 / (end - start);
    }
    return fromStorage(a, [out, size]);
  };
  return matmul(matmul(averaging(oh, x.shape[2]), x), transpose(averaging(ow, x.shape[3]), 0, 1));
}

/** The 1-d poolings: `[N, C, L]` (or `[C, L]`) pooled as an image of height 1. */
function as1d(op: string, x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 2)) throw new ShapeError(op, `expected an input [N, C, L] or [C, L], got ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)}`);
  return squeeze(f(unsqueeze(x, -2)), -2);
}

export function maxPool1d(x: Tensor, kernelSize: number, options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}): Tensor {
  const op = 'maxPool1d';
  const { stride, padding = 0, dilation = 1, ceilMode = false } = checkOptions(op, options, ['stride', 'padding', 'dilation', 'ceilMode'], '{ stride: 2 }');
  const k = single(op, 'kernelSize', kernelSize, 1);
  const s = stride === undefined || stride === null ? k : single(op, 'stride', stride, 1);
  return as1d(op, x, (x4) => maxPool2d(x4, [1, k], { stride: [1, s], padding: [0, single(op, 'padding', padding, 0)], dilation: [1, single(op, 'dilation', dilation, 1)], ceilMode }));
}

export function avgPool1d(x: Tensor, kernelSize: number, options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}): Tensor {
  const op = 'avgPool1d';
  const { stride, padding = 0, ceilMode = false, countIncludePad = true } = checkOptions(op, options, ['stride', 'padding', 'ceilMode', 'countIncludePad'], '{ stride: 2 }');
  const k = single(op, 'kernelSize', kernelSize, 1);
  const s = stride === undefined || stride === null ? k : single(op, 'stride', stride, 1);
  return as1d(op, x, (x4) => avgPool2d(x4, [1, k], { stride: [1, s], padding: [0, single(op, 'padding', padding, 0)], ceilMode, countIncludePad }));
}

export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  return as1d('adaptiveAvgPool1d', x, (x4) => adaptiveAvgPool2d(x4, [1, single('adaptiveAvgPool1d', 'outputSize', outputSize, 1)]));
}
