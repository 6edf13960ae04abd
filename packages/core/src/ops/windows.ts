import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { Windows } from '../backend/kernels.js';
import { isFloating } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { contiguous } from './view.js';

/**
 * The windows of convolutions and pooling, and the two primitives everything in conv.ts and
 * pool.ts is built from: `unfoldWindows` (im2col) and `foldWindows` (col2im, its adjoint). Each
 * is the other's gradient: unfold copies every input element into the columns of the windows
 * that contain it, so ∂L/∂x sums the gradients of those copies, which is fold; and fold sums
 * column entries into the input, so ∂L/∂cols reads the incoming gradient back out, which is unfold.
 */

/** A size, stride, padding or dilation: one number for every spatial dim, or one per dim. */
export type Pair = number | readonly [number, number];

/** One spatial dim's window: kernel, stride, padding before and after, dilation. */
export interface Axis {
  k: number;
  s: number;
  before: number;
  after: number;
  d: number;
}

/** `v` as `[a, b]` of integers ≥ `min`, or a ValueError naming the op and the option. */
export function pair(op: string, name: string, v: unknown, min: number): [number, number] {
  const both = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(both) || both.length !== 2 || both.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new ValueError(op, `${name} must be an integer ≥ ${min} or a pair of them, got ${describe(v)}`);
  }
  return [both[0], both[1]];
}

/** `v` as one integer ≥ `min`, or a ValueError (the 1-d ops' sizes). */
export function single(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(op, `${name} must be an integer ≥ ${min}, got ${describe(v)}`);
  return v;
}

/**
 * How many windows fit along a dim of `size`: ⌊(size + before + after − d(k − 1) − 1)/s⌋ + 1, or
 * with `ceil` (pooling's ceilMode) rounded up — except that a last window starting in the
 * padding after the input is dropped, as in PyTorch. A kernel larger than the padded input is a
 * ShapeError naming the op and both shapes.
 */
export function windowCount(op: string, size: number, a: Axis, shapes: string, ceil = false): number {
  const span = a.d * (a.k - 1) + 1;
  const room = size + a.before + a.after - span;
  if (room < 0) {
    throw new ShapeError(op, `${shapes}: the kernel spans ${span} (size ${a.k}, dilation ${a.d}) but the padded input is only ${size + a.before + a.after}`);
  }
  let n = (ceil ? Math.ceil(room / a.s) : Math.floor(room / a.s)) + 1;
  if (ceil && (n - 1) * a.s >= size + a.before) n--;
  return n;
}

/** The Windows of a 4-D input `[N, C, h, w]` for the two axes. */
export function windows(h: number, w: number, y: Axis, x: Axis, oh: number, ow: number): Windows {
  return { h, w, kh: y.k, kw: x.k, sh: y.s, sw: x.s, ph: y.before, pw: x.before, dh: y.d, dw: x.d, oh, ow };
}

/** A 4-D float input `[N, C, H, W]`, or a DTypeError/ShapeError naming the op. */
export function checkInput4d(op: string, x: unknown, what = 'input [N, C, H, W]'): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(op, `expected a tensor as ${what}, got ${describe(x)}`);
  if (x.ndim !== 4) throw new ShapeError(op, `expected a 4-D ${what}, got shape ${fmtShape(x.shape)}`);
  if (!isFloating(x.dtype)) throw new DTypeError(op, `needs a float tensor, got ${x.dtype}; convert with .float()`);
  return x;
}

/**
 * im2col: `[N, C, h, w]` → `[N, C·kh·kw, oh·ow]`, `padValue` outside x.   Gradient: fold (col2im)
 * of the incoming gradient, which adds each column entry back to where it was read (padding
 * positions read nothing, so get nothing).
 */
export function unfoldWindows(x: Tensor, win: Windows, padValue = 0): Tensor {
  const [n, c] = x.shape;
  const out = fromStorage(getBackend().unfold(contiguous(x.detach()), win, padValue), [n, c * win.kh * win.kw, win.oh * win.ow]);
  return record(out, 'Im2ColBackward', [x], (g) => [foldWindows(g, win, c)], [], ([t]) => unfoldWindows(t!, win, 0));
}

/** col2im: `[N, C·kh·kw, oh·ow]` → `[N, C, h, w]`, overlapping entries summed.   Gradient: unfold (im2col) of the incoming gradient. */
export function foldWindows(cols: Tensor, win: Windows, channels: number): Tensor {
  const out = fromStorage(getBackend().fold(contiguous(cols.detach()), win, channels), [cols.shape[0], channels, win.h, win.w]);
  return record(out, 'Col2ImBackward', [cols], (g) => [unfoldWindows(g, win, 0)], [], ([t]) => foldWindows(t!, win, channels));
}
