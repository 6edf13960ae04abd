import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { Windows } from '../backend/kernels.js';
import { sameDType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe, type Shape } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { add, tangentSum } from './arithmetic.js';
import { needs } from './helpers.js';
import { sum } from './reduce.js';
import { contiguous, reshape, squeeze, unsqueeze } from './view.js';
import { checkInput4d, foldWindows, pair, single, unfoldWindows, windowCount, windows, type Axis, type Pair } from './windows.js';

/**
 * Convolutions (NCHW, as PyTorch), each a matrix product with the unfolded input (im2col):
 *
 *   y[n, o, ·] = Σ_{c,i,j} w[o, c, i, j] · x[n, c, ··s − p + (i, j)·d] + b[o]
 *             = (W · unfold(x[n]))          with W the weights as a [Cout, C·kh·kw] matrix.
 *
 * So both gradients are products too (docs/convolution.md derives them):
 *   ∂L/∂x = fold(Wᵀ · G),  the transposed convolution of G;     ∂L/∂W = Σₙ G · unfold(x)ᵀ;     ∂L/∂b = Σ G.
 * The three are kernels (`conv2d`, `conv2dInputGrad`, `conv2dWeightGrad`), and each one's
 * gradient is made of the other two, so the set is closed under differentiation: a transposed
 * convolution is `conv2dInputGrad`, and second derivatives work. Groups split C and Cout into G
 * independent convolutions.
 */

/**
 * y = conv(x, W) + b, `[N, Cout, oh, ow]`.   ∂/∂x = inputGrad(g, W), ∂/∂W = weightGrad(g, x),
 * ∂/∂b = Σ over N, oh, ow of g.
 */
function convolution(x: Tensor, weight: Tensor, bias: Tensor | null, win: Windows, groups: number): Tensor {
  const [n] = x.shape, [cout] = weight.shape;
  const w2 = reshape(contiguous(weight.detach()), [cout, -1]);
  const raw = getBackend().conv2d(contiguous(x.detach()), w2, bias === null ? null : contiguous(bias.detach()), win, groups);
  const out = fromStorage(raw, [n, cout, win.oh, win.ow]);
  return record(out, 'ConvolutionBackward', bias === null ? [x, weight] : [x, weight, bias], (g) => [
    needs(x, () => convolutionInputGrad(g, weight, win, groups, x.shape[1])),
    needs(weight, () => convolutionWeightGrad(g, x, win, groups, weight.shape)),
    ...(bias === null ? [] : [needs(bias, () => sum(g, [0, 2, 3]))]),
  ], [x, weight], ([tx, tw, tb]) => tangentSum(
    tx && convolution(tx, weight, null, win, groups), tw && convolution(x, tw, null, win, groups), tb ? reshape(tb, [cout, 1, 1]) : null,
  ));
}

/**
 * ∂L/∂x of a convolution, fold(Wᵀ·g): the transposed convolution of g. Linear in g and W, and the
 * adjoint of `convolution` in its input: ⟨gg, inputGrad(g, W)⟩ = ⟨conv(gg, W), g⟩, so
 * ∂/∂g = conv(gg, W) and ∂/∂W = weightGrad(g, gg).
 */
function convolutionInputGrad(g: Tensor, weight: Tensor, win: Windows, groups: number, channels: number): Tensor {
  const [cout] = weight.shape;
  const w2 = reshape(contiguous(weight.detach()), [cout, -1]);
  const raw = getBackend().conv2dInputGrad(contiguous(g.detach()), w2, win, groups, channels);
  const out = fromStorage(raw, [g.shape[0], channels, win.h, win.w]);
  return record(out, 'ConvolutionBackwardInput', [g, weight], (gg) => [
    needs(g, () => convolution(gg, weight, null, win, groups)),
    needs(weight, () => convolutionWeightGrad(g, gg, win, groups, weight.shape)),
  ], [g, weight], ([tg, tw]) => tangentSum(tg && convolutionInputGrad(tg, weight, win, groups, channels), tw && convolutionInputGrad(g, tw, win, groups, channels)));
}

/**
 * ∂L/∂W of a convolution, Σₙ g·unfold(x)ᵀ, shaped as the weight. Bilinear: ⟨ggW, weightGrad(g, x)⟩
 * = ⟨conv(x, ggW), g⟩, so ∂/∂g = conv(x, ggW) and ∂/∂x = inputGrad(g, ggW).
 */
function convolutionWeightGrad(g: Tensor, x: Tensor, win: Windows, groups: number, shape: Shape): Tensor {
  const raw = getBackend().conv2dWeightGrad(contiguous(g.detach()), contiguous(x.detach()), win, groups);
  const out = fromStorage(raw, shape);
  return record(out, 'ConvolutionBackwardWeight', [g, x], (gw) => [
    needs(g, () => convolution(x, gw, null, win, groups)),
    needs(x, () => convolutionInputGrad(g, gw, win, groups, x.shape[1])),
  ], [g, x], ([tg, tx]) => tangentSum(tg && convolutionWeightGrad(tg, x, win, groups, shape), tx && convolutionWeightGrad(g, tx, win, groups, shape)));
}

export interface ConvOptions {
  /** How far the window moves (default 1). */
  stride?: Pair;
  /** Zeros added on each side (default 0), or 'same' (output as large as the input; stride 1) or 'valid' (0). */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between the kernel's taps (default 1). */
  dilation?: Pair;
  /** Channel groups: C and Cout split into this many independent convolutions (default 1; C for depthwise). */
  groups?: number;
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/** The two axes of a convolution: 'same' pads d(k − 1) in all, the odd one after (PyTorch's choice). */
function convAxes(op: string, k: [number, number], options: ConvOptions): [Axis, Axis] {
  const { stride = 1, padding = 0, dilation = 1 } = options;
  const s = pair(op, 'stride', stride, 1), d = pair(op, 'dilation', dilation, 1);
  let before: [number, number], after: [number, number];
  if (padding === 'same') {
    if (s[0] !== 1 || s[1] !== 1) throw new ValueError(op, `padding 'same' needs stride 1, got stride ${describe(stride)}`);
    const total = [d[0] * (k[0] - 1), d[1] * (k[1] - 1)];
    before = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
    after = [total[0] - before[0], total[1] - before[1]];
  } else {
    before = after = padding === 'valid' ? [0, 0] : pair(op, 'padding', padding, 0);
  }
  return [0, 1].map((i) => ({ k: k[i], s: s[i], before: before[i], after: after[i], d: d[i] })) as [Axis, Axis];
}

function checkGroups(op: string, groups: unknown, c: number, cout: number, shapes: string): number {
  const g = single(op, 'groups', groups, 1);
  if (c % g !== 0 || cout % g !== 0) throw new ShapeError(op, `${shapes}: groups ${g} must divide the input's ${c} channels and the output's ${cout}`);
  return g;
}

function checkBias(op: string, bias: Tensor | null, channels: number, shapes: string): void {
  if (bias === null || bias === undefined) return;
  if (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(op, `${shapes}: the bias must be [${channels}], one per output channel`);
  }
}

/**
 * 2-D convolution of `x` `[N, C, H, W]` (or `[C, H, W]`) with `weight` `[Cout, C/groups, kh, kw]`
 * and an optional `bias` `[Cout]` (PyTorch's `F.conv2d`).
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  if (x instanceof Tensor && x.ndim === 3) return squeeze(conv2d(unsqueeze(x, 0), weight, bias, options), 0);
  checkInput4d(op, x);
  checkInput4d(op, weight, 'weight [Cout, C/groups, kh, kw]');
  const opts = checkOptions(op, options, CONV_OPTIONS, "{ stride: 2, padding: 1 }");
  const [, c, h, w] = x.shape;
  const [cout, cpg, kh, kw] = weight.shape;
  const shapes = `input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''}`;
  const g = checkGroups(op, opts.groups ?? 1, c, cout, shapes);
  if (cpg * g !== c) throw new ShapeError(op, `${shapes}: the weight expects ${cpg * g} input channels (${cpg} per group × ${g} groups), the input has ${c}`);
  checkBias(op, bias, cout, shapes);
  sameDType(op, x.dtype, weight.dtype);
  if (bias) sameDType(op, x.dtype, bias.dtype);
  const [ay, ax] = convAxes(op, [kh, kw], opts);
  const win = windows(h, w, ay, ax, windowCount(op, h, ay, shapes), windowCount(op, w, ax, shapes));
  return convolution(x, weight, bias, win, g);
}

/** 1-D convolution of `x` `[N, C, L]` (or `[C, L]`) with `weight` `[Cout, C/groups, k]`: conv2d over a height of 1. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  const op = 'conv1d';
  if (!(x instanceof Tensor) || !(weight instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 2) || weight.ndim !== 3) {
    throw new ShapeError(op, `expected input [N, C, L] and weight [Cout, C/groups, k], got ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)} and ${weight instanceof Tensor ? fmtShape(weight.shape) : describe(weight)}`);
  }
  if (x.ndim === 2) return squeeze(conv1d(unsqueeze(x, 0), weight, bias, options), 0);
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = checkOptions(op, options, CONV_OPTIONS, '{ stride: 2, padding: 1 }');
  const p = padding === 'same' || padding === 'valid' ? padding : ([0, single(op, 'padding', padding, 0)] as const);
  const out = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, single(op, 'stride', stride, 1)], padding: p, dilation: [1, single(op, 'dilation', dilation, 1)], groups,
  });
  return squeeze(out, 2);
}

export interface ConvTransposeOptions {
  stride?: Pair;
  /** Removed from each side of the output (the padding of the convolution this one transposes). */
  padding?: Pair;
  /** Added to one side of the output, to pick among the sizes a strided convolution maps to one size (less than the stride or the dilation). */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

/**
 * Transposed convolution (PyTorch's `F.conv_transpose2d`), the adjoint of conv2d in x: `x`
 * `[N, Cin, H, W]`, `weight` `[Cin, Cout/groups, kh, kw]`; each input element spreads a weighted
 * kernel into the output: y = fold(Wᵀ · x) + b, with H_out = (H − 1)s − 2p + d(k − 1) + outputPadding + 1.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  const op = 'convTranspose2d';
  if (x instanceof Tensor && x.ndim === 3) return squeeze(convTranspose2d(unsqueeze(x, 0), weight, bias, options), 0);
  checkInput4d(op, x);
  checkInput4d(op, weight, 'weight [Cin, Cout/groups, kh, kw]');
  const { stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1 } = checkOptions(op, options, ['stride', 'padding', 'outputPadding', 'groups', 'dilation'], '{ stride: 2, padding: 1 }');
  const [, cin, h, w] = x.shape;
  const [wcin, copg, kh, kw] = weight.shape;
  const shapes = `input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''}`;
  if (wcin !== cin) throw new ShapeError(op, `${shapes}: the weight [Cin, Cout/groups, kh, kw] expects ${wcin} input channels, the input has ${cin}`);
  const g = checkGroups(op, groups, cin, copg * single(op, 'groups', groups, 1), shapes);
  const cout = copg * g;
  checkBias(op, bias, cout, shapes);
  sameDType(op, x.dtype, weight.dtype);
  if (bias) sameDType(op, x.dtype, bias.dtype);
  const s = pair(op, 'stride', stride, 1), p = pair(op, 'padding', padding, 0), d = pair(op, 'dilation', dilation, 1);
  const op2 = pair(op, 'outputPadding', outputPadding, 0);
  [0, 1].forEach((i) => {
    if (op2[i] >= Math.max(s[i], d[i])) throw new ValueError(op, `outputPadding ${describe(outputPadding)} must be smaller than the stride or the dilation (${describe(stride)}, ${describe(dilation)})`);
  });
  const size = [h, w].map((v, i) => (v - 1) * s[i] - 2 * p[i] + d[i] * ([kh, kw][i] - 1) + op2[i] + 1);
  if (size.some((v) => v < 1)) throw new ShapeError(op, `${shapes}: the output would be ${fmtShape(size)}; lower the padding`);
  // The output's windows are the input's positions: fold puts column (y, x) of Wᵀ·x back at them.
  const axes = [0, 1].map((i) => ({ k: [kh, kw][i], s: s[i], before: p[i], after: p[i], d: d[i] }));
  const win = windows(size[0], size[1], axes[0], axes[1], h, w);
  // The convolution this one transposes maps [N, Cout, size] to x's [N, Cin, h, w] with this weight.
  const out = convolutionInputGrad(x, weight, win, g, cout);
  return bias ? add(out, reshape(bias, [cout, 1, 1])) : out;
}

export interface UnfoldOptions {
  dilation?: Pair;
  padding?: Pair;
  stride?: Pair;
}

/** PyTorch's `F.unfold` (im2col): `[N, C, H, W]` → `[N, C·kh·kw, L]`, every sliding window as a column. */
export function unfold(x: Tensor, kernelSize: Pair, options: UnfoldOptions = {}): Tensor {
  const op = 'unfold';
  checkInput4d(op, x);
  const { dilation = 1, padding = 0, stride = 1 } = checkOptions(op, options, ['dilation', 'padding', 'stride'], '{ stride: 2 }');
  const [ay, ax] = axesOf(op, kernelSize, stride, padding, dilation);
  const shapes = `input ${fmtShape(x.shape)}, kernel ${describe(kernelSize)}`;
  return unfoldWindows(x, windows(x.shape[2], x.shape[3], ay, ax, windowCount(op, x.shape[2], ay, shapes), windowCount(op, x.shape[3], ax, shapes)));
}

/** PyTorch's `F.fold` (col2im), unfold's adjoint: `[N, C·kh·kw, L]` → `[N, C, outputSize]`, overlapping windows summed. */
export function fold(x: Tensor, outputSize: Pair, kernelSize: Pair, options: UnfoldOptions = {}): Tensor {
  const op = 'fold';
  if (!(x instanceof Tensor) || x.ndim !== 3) throw new ShapeError(op, `expected an input [N, C·kh·kw, L], got ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)}`);
  const { dilation = 1, padding = 0, stride = 1 } = checkOptions(op, options, ['dilation', 'padding', 'stride'], '{ stride: 2 }');
  const [h, w] = pair(op, 'outputSize', outputSize, 1);
  const [ay, ax] = axesOf(op, kernelSize, stride, padding, dilation);
  const shapes = `input ${fmtShape(x.shape)}, output size ${describe(outputSize)}, kernel ${describe(kernelSize)}`;
  const oh = windowCount(op, h, ay, shapes), ow = windowCount(op, w, ax, shapes);
  const kk = ay.k * ax.k;
  if (x.shape[1] % kk !== 0) throw new ShapeError(op, `${shapes}: ${x.shape[1]} rows is not a multiple of the kernel's ${kk} taps`);
  if (x.shape[2] !== oh * ow) throw new ShapeError(op, `${shapes}: ${x.shape[2]} columns, but the output has ${oh}×${ow} = ${oh * ow} windows`);
  return foldWindows(x, windows(h, w, ay, ax, oh, ow), x.shape[1] / kk);
}

function axesOf(op: string, kernelSize: Pair, stride: Pair, padding: Pair, dilation: Pair): [Axis, Axis] {
  const k = pair(op, 'kernelSize', kernelSize, 1), s = pair(op, 'stride', stride, 1), p = pair(op, 'padding', padding, 0), d = pair(op, 'dilation', dilation, 1);
  return [0, 1].map((i) => ({ k: k[i], s: s[i], before: p[i], after: p[i], d: d[i] })) as [Axis, Axis];
}
