import type { DType, Storage } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { DataBuffer } from './buffer.js';

/**
 * The kernel interface: everything a backend must do, and nothing about autodiff.
 * Ops (in `../ops`) call these and never know which backend runs them.
 */

/** A strided window onto a buffer: element `[i, j, …]` lives at `offset + i·strides[0] + j·strides[1] + …`. */
export interface View {
  readonly buffer: DataBuffer;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'relu' | 'sigmoid' | 'tanh' | 'softplus'
  | 'sin' | 'cos' | 'log1p' | 'expm1' | 'erf'
  | 'floor' | 'ceil' | 'round' | 'trunc' | 'reciprocal' | 'rsqrt' | 'log2' | 'log10' | 'exp2'
  | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'asinh' | 'acosh' | 'atanh';
/**
 * Elementwise ops of two operands. The last four are fused steps, each one kernel where the ops
 * above would take several, named after their math as PyTorch names its kernels:
 * `binaryCrossEntropy` and `binaryCrossEntropyBackward` are the cross-entropy of a probability
 * `a` against a target `b` and its derivative in `a` (ops/loss.ts gives the math; ~12 kernels
 * forward and ~20 backward unfused); `sigmoidBackward` is a·b(1 − b), a gradient `a` through a
 * sigmoid whose output is `b`; `thresholdBackward` is b > 0 ? a : 0, through a ReLU of `b`.
 */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2' | 'hypot' | 'remainder' | 'fmod' | 'copysign'
  | ComparisonOp | 'binaryCrossEntropy' | 'binaryCrossEntropyBackward' | 'sigmoidBackward' | 'thresholdBackward';
/** The binary ops whose result is bool whatever the operands' dtype. */
export const COMPARISON_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export function isComparison(op: BinaryOp): op is ComparisonOp {
  return (COMPARISON_OPS as readonly string[]).includes(op);
}

/** The dtype a binary kernel returns for operands of `dtype`: bool for a comparison, else `dtype`. */
export function binaryResultDType(op: BinaryOp, dtype: DType): DType {
  return isComparison(op) ? 'bool' : dtype;
}
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';
/**
 * Running reductions along a dim (`cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`).
 * max and min propagate NaN: once a NaN is met the rest of the line is NaN, as PyTorch's.
 */
/** How `put` combines a value with what is at its position: overwrite, or a reduction (amax/amin keep NaN). */
export type PutMode = 'set' | 'add' | 'multiply' | 'amax' | 'amin';
export type ScanOp = 'sum' | 'prod' | 'max' | 'min' | 'logsumexp';

/**
 * One operand of a batched matmul: batch `b` of the matrix starts at `offsets[b]` and is stored
 * row-major, or — when `transposed` — stored row-major as its transpose (so `Wᵀ` needs no copy).
 */
export interface MatmulOperand {
  readonly buffer: DataBuffer;
  readonly offsets: readonly number[];
  readonly transposed: boolean;
}

/** The hyper-parameters of one Adam step; `step` counts from 1 (the update being made). */
export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay the parameter itself instead of adding λθ to the gradient. */
  readonly decoupled: boolean;
  readonly step: number;
}

/**
 * Where the windows of a convolution or a pooling sit on an `[N, C, H, W]` input: a `kh × kw`
 * window moves by `sh`, `sw`, its taps are `dh`, `dw` apart, and window `(oh, ow)` starts at
 * input row `oh·sh − ph`, column `ow·sw − pw` (`ph`, `pw` the top and left padding; the bottom
 * and right padding are implied by `oh`, `ow`, the output size, so padding may be asymmetric).
 */
export interface Windows {
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}

/**
 * What a kernel returns: a fresh contiguous typed array, or a buffer whose elements may stay on
 * the backend's device until the CPU reads them.
 */
export type KernelOutput = Storage | DataBuffer;

/** What the `maxPool` kernel returns: the windows' maxima and their positions. */
export interface MaxPoolOutput {
  values: KernelOutput;
  indices: KernelOutput;
}

/**
 * Kernels read their inputs through `view.buffer.host` (CPU) or the buffer's device copy (the
 * backend that made it) and return fresh outputs; only `copyInto` writes, through
 * `dst.buffer.writable()`.
 *
 * Dtypes: the ops decide them (type promotion, float-only ops) and hand kernels operands of one
 * dtype, any of the four; a kernel's output has that dtype unless its comment says otherwise
 * (comparisons and masks are bool, indices int32). A backend may run only float32 itself and pass
 * the rest to the reference kernels.
 */
export interface Kernels {
  /** Elementwise `f(x)`; the result is contiguous with `x.shape`. */
  unary(op: UnaryOp, x: View): KernelOutput;
  /** `min(max(x, lo), hi)` elementwise. */
  clamp(x: View, lo: number, hi: number): KernelOutput;
  /**
   * Elementwise `a ∘ b`; `a` and `b` (of one dtype) are already broadcast to `shape` (stride 0
   * along broadcast dims). The result's dtype is `binaryResultDType(op, a's dtype)`.
   */
  binary(op: BinaryOp, a: View, b: View, shape: Shape): KernelOutput;
  /** `cond ? a : b`, all three already broadcast to `shape`; `cond` is bool, `a` and `b` of one dtype. */
  where(cond: View, a: View, b: View, shape: Shape): KernelOutput;
  /** Reduces over `dims`; the result has `x.shape` with those dims set to 1 (keepdim layout). */
  reduce(op: ReduceOp, x: View, dims: readonly number[]): KernelOutput;
  /** Running `op` along `dim` of a contiguous `x` (`sum`: `out[…, i, …] = Σ_{j ≤ i} x[…, j, …]`), same shape. */
  scan(op: ScanOp, x: View, dim: number): KernelOutput;
  /**
   * The order that sorts a contiguous `x` along `dim`, as int32 positions (stable: equal elements
   * keep their order; NaN sorts after every number, as PyTorch's), same shape as x.
   */
  argsort(x: View, dim: number, descending: boolean): KernelOutput;
  /** Index of the largest/smallest element along `dim` (first one on ties), as int32; keepdim layout. */
  argReduce(op: ArgReduceOp, x: View, dim: number): KernelOutput;
  /**
   * `batch` products `[m,k]·[k,n]`; the result is `[batch, m, n]` contiguous. `bias`, a contiguous
   * `[n]` vector, is added to every row of every product when given (the epilogue of `linear`).
   */
  matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View): KernelOutput;
  /**
   * A contiguous copy of `src` in `dtype` (what contiguous, clone and casts make), converting as
   * PyTorch does: to bool, non-zero is true; to int32, floats truncate toward zero.
   */
  copy(src: View, dtype: DType): KernelOutput;
  /**
   * Writes `src` into the (possibly strided) `dst` of the same shape: a band of `cat`'s output,
   * the strided positions of slice's gradient, an in-place op's result. Converts to `dst`'s dtype
   * as `copy` does. The kernels that write into an existing buffer are this one and `adam`.
   */
  copyInto(src: View, dst: View): void;
  /**
   * One Adam update in place of `param`, `expAvg`, `expAvgSq` (and `maxExpAvgSq` for AMSGrad),
   * from `grad`: all contiguous and of one size. The optimizer step as one pass per parameter,
   * on the backend that holds the parameters.
   */
  adam(param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, h: AdamHyper): void;
  /**
   * `out[…, i, …] = x[…, index[…, i, …], …]` along `dim`; `x` and `index` (int32) contiguous, with
   * equal shapes off `dim`. An index outside [0, x.shape[dim]) reads 0: the ops check user indices
   * first, and the one kernel-made index that can fall outside (max pooling's −1 for a window wholly
   * in the padding) then gets no gradient, as in PyTorch — and no kernel touches memory outside its
   * tensors.
   */
  gather(x: View, dim: number, index: View): KernelOutput;
  /**
   * The adjoint of gather: `out = zeros(shape)`, then `out[…, index[…, i, …], …] += src[…, i, …]`;
   * an index outside [0, shape[dim]) adds nowhere (as in `gather`).
   */
  scatterAdd(shape: Shape, dtype: DType, dim: number, index: View, src: View): KernelOutput;
  /**
   * A copy of the contiguous `x` with `out[index[i]] ∘= values[i]` over x's elements in row-major
   * order (PyTorch's `put`): `index` int32 and in range, `index` and `values` contiguous and of
   * one length. `set` overwrites (with repeated indices the last write wins); the others combine
   * with what is there, so repeated indices accumulate. What `indexPut`, the scatters and the
   * index_* ops run.
   */
  put(x: View, index: View, values: View, mode: PutMode): KernelOutput;
  /**
   * im2col: the windows of a contiguous `x` `[N, C, h, w]` laid out as the columns of
   * `[N, C·kh·kw, oh·ow]`: `out[n, (c·kh + i)·kw + j, y·ow + x'] = x[n, c, y·sh − ph + i·dh, x'·sw − pw + j·dw]`,
   * and `padValue` where that falls outside x (0 for a convolution and for pooling's sums).
   */
  unfold(x: View, win: Windows, padValue: number): KernelOutput;
  /**
   * Max pooling of a contiguous `x` `[N, C, h, w]`: each window's largest element (`values`, x's
   * dtype, `[N, C, oh·ow]`) and where it is (`indices`, int32, the flat position `row·w + col` in
   * its channel's plane): the window's first largest element, a NaN counting as largest, as in
   * PyTorch; taps outside x are skipped.
   */
  maxPool(x: View, win: Windows): MaxPoolOutput;
  /** col2im, the adjoint of `unfold`: each column entry of a contiguous `cols` is added back to the input position it was read from; `[N, C, h, w]`. */
  fold(cols: View, win: Windows, channels: number): KernelOutput;
  /**
   * A convolution, as a product with the unfolded input, per image and group g:
   * `y[n]_g = W_g · unfold(x[n])_g (+ bias)`, `[N, Cout, oh·ow]`. `x` `[N, C, h, w]` and `weight`
   * `[Cout, C/groups·kh·kw]` contiguous; `bias` `[Cout]` or null.
   */
  conv2d(x: View, weight: View, bias: View | null, win: Windows, groups: number): KernelOutput;
  /** ∂L/∂x of conv2d, the transposed convolution of `g` `[N, Cout, oh·ow]`: `fold(W_gᵀ · g[n]_g)`, `[N, channels, h, w]`. */
  conv2dInputGrad(g: View, weight: View, win: Windows, groups: number, channels: number): KernelOutput;
  /** ∂L/∂W of conv2d: `Σₙ g[n]_g · unfold(x[n])_gᵀ`, `[Cout, C/groups·kh·kw]`; `g` `[N, Cout, oh·ow]`, `x` `[N, C, h, w]`. */
  conv2dWeightGrad(g: View, x: View, win: Windows, groups: number): KernelOutput;
}

/** Every kernel's name, the list the registry completes a backend from (the compiler checks it is whole). */
const KERNELS: { readonly [K in keyof Kernels]: true } = {
  unary: true, clamp: true, binary: true, where: true, reduce: true, scan: true, argReduce: true, matmul: true,
  copy: true, copyInto: true, adam: true, gather: true, scatterAdd: true, put: true, unfold: true, fold: true,
  conv2d: true, conv2dInputGrad: true, conv2dWeightGrad: true, maxPool: true, argsort: true,
};
export const KERNEL_NAMES = Object.keys(KERNELS) as (keyof Kernels)[];

/** A complete backend, as ops see it: every kernel, its name, and what it reports. */
export interface Backend extends Kernels {
  readonly name: string;
  /** What `backendInfo()` reports besides the name (threads, the gpu.js mode…). */
  info?(): Record<string, string | number | boolean | null>;
  /**
   * `src`'s elements, contiguous, in this backend's own memory, where its kernels read them without
   * copying them in (`Tensor.to(device)`). Absent where the host's memory is the backend's (`cpu`).
   */
  place?(src: View): DataBuffer;
}

/** What a kernel returns to hand the call to the reference kernel (a dtype, layout or size it does not take). */
export const DECLINE: unique symbol = Symbol('decline');

/**
 * A backend as written: its name and the kernels it accelerates, any subset. Each may return
 * `DECLINE` for a call it does not take; the registry completes it from the reference backend
 * (`withFallback`), so a backend never imports another and a new kernel needs no stub here.
 */
export type BackendImpl = Omit<Backend, keyof Kernels> & {
  readonly [K in keyof Kernels]?: (...args: Parameters<Kernels[K]>) => ReturnType<Kernels[K]> | typeof DECLINE;
};

/** `impl` completed from `reference`: its own kernels where it has them and takes the call, the reference's otherwise. */
export function withFallback(impl: BackendImpl, reference: Backend): Backend {
  const out: Record<string, unknown> = { ...impl };
  for (const k of KERNEL_NAMES) {
    const own = impl[k] as ((...a: unknown[]) => unknown) | undefined;
    const ref = reference[k] as (...a: unknown[]) => unknown;
    out[k] = own === undefined ? ref : (...a: unknown[]) => {
      const r = own(...a);
      return r === DECLINE ? ref(...a) : r;
    };
  }
  return out as unknown as Backend;
}

/** Adam's bias corrections for step t: stepSize = lr/(1 − β₁ᵗ) and bc2 = √(1 − β₂ᵗ) (every backend's kernel uses these). */
export function biasCorrection(h: AdamHyper): { stepSize: number; bc2: number } {
  return { stepSize: h.lr / (1 - h.beta1 ** h.step), bc2: Math.sqrt(1 - h.beta2 ** h.step) };
}
