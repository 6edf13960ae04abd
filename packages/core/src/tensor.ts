import { backward as runBackwardFrom, type BackwardOptions } from './autograd/engine.js';
import type { GradNode } from './autograd/node.js';
import { DataBuffer } from './backend/buffer.js';
import { DTYPES, isFloating, type DType, type Storage } from './dtype.js';
import { AutogradError, ValueError, fmtShape } from './errors.js';
import { formatTensor } from './format.js';
import { contiguousStrides, isContiguous, normalizeDim, sizeOf, type Shape } from './shape.js';
import * as A from './ops/arithmetic.js';
import * as U from './ops/unary.js';
import * as C from './ops/compare.js';
import * as R from './ops/reduce.js';
import * as M from './ops/matmul.js';
import * as V from './ops/view.js';
import * as S from './ops/select.js';
import * as J from './ops/join.js';
import * as I from './ops/indexing.js';
import * as Act from './ops/activation.js';
import * as Srt from './ops/sort.js';
import * as Re from './ops/rearrange.js';
import * as Sc from './ops/scan.js';
import * as Sca from './ops/scatter.js';
import { writeInPlace } from './ops/inplace.js';
import { ops } from './api/ops.js';
import { scalarTensor } from './ops/helpers.js';
import { rand, randn } from './creation.js';
import type { Generator } from './random.js';

/**
 * Node's `util.inspect.custom`, the hook `console.log` calls. `Symbol.for` gives the same symbol
 * without importing `node:util`, so the module still loads in browsers.
 */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** What ops accept wherever a tensor goes: a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers (or booleans, for bool tensors), as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array of float32, float64, int32 or bool elements that remembers how it was
 * made.
 *
 * Elements live in a `DataBuffer`: a typed array on the CPU, and a copy in a backend's memory
 * where one keeps them (a block of the wasm module's memory, a GPU texture). Every in-place write
 * bumps the buffer's version, which the tape checks. `shape`, `strides` and `offset` say where element `[i, j, …]` is:
 * `offset + i·strides[0] + j·strides[1] + …`. Views (transpose, expand, narrow, reshape of a
 * contiguous tensor) share the buffer and only change those numbers.
 */
export class Tensor {
  /** The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** A label for pictures of the graph (`toDot`, `toMermaid`): `mu.name = 'mu'`. */
  name: string | undefined = undefined;
  private gradFn_: GradNode | null = null;
  private requiresGradFlag = false;
  private retainsGrad_ = false;

  /** The memory holding the elements, shared by all views of it. */
  readonly buffer: DataBuffer;

  constructor(
    /** The elements: a typed array (wrapped, not copied) or a buffer to share. */
    elements: Storage | DataBuffer,
    readonly shape: Shape,
    readonly strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this.buffer = elements instanceof DataBuffer ? elements : DataBuffer.fromHost(elements);
  }

  /**
   * The typed array holding the elements, shared by every view of them (see `data` for this
   * tensor's own elements). For reading: write through `mutableData()`.
   */
  get storage(): Storage {
    return this.buffer.host;
  }

  get dtype(): DType {
    return this.buffer.dtype;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (PyTorch's `numel()`; `size()` is the shape, as in PyTorch). */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** The shape, as PyTorch's `x.size()`; with a dim (−1 is the last), that dim's size. */
  size(): Shape;
  size(dim: number): number;
  size(dim?: number): Shape | number {
    return dim === undefined ? this.shape : this.shape[normalizeDim('size', dim, this.ndim)];
  }

  /** Whether elements are laid out row-major, back to back. */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /**
   * The elements as a compact, row-major typed array of length `size`, for reading. A contiguous
   * tensor returns a view of its storage (a GPU copy, if any, stays valid); any other a copy.
   * Writing into it is undefined: use `mutableData()`.
   */
  get data(): Storage {
    if (this.isContiguous()) return this.buffer.host.subarray(this.offset, this.offset + this.numel());
    return ops.contiguous(this).data;
  }

  /**
   * The elements of a contiguous tensor as a typed array to write into in place (what optimizers,
   * initialisers and `loadStateDict` do). A device copy is dropped first, so it never goes stale.
   * Views of the same storage see the writes. Not recorded on the tape: use inside `noGrad`.
   */
  mutableData(): Storage {
    if (!this.isContiguous()) {
      throw new ValueError('mutableData', `the tensor of shape ${fmtShape(this.shape)} is a non-contiguous view; call contiguous() and write into that`);
    }
    return this.buffer.writable().subarray(this.offset, this.offset + this.numel());
  }

  /** The elements as nested JS arrays (a number for a 0-d tensor); a bool tensor gives booleans, as PyTorch's `tolist()`. */
  toArray(): NestedArray {
    const data = this.data;
    const bool = this.dtype === 'bool';
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return bool ? data[start] !== 0 : data[start];
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor as a number (1 or 0 for a bool tensor). */
  item(): number {
    if (this.numel() !== 1) throw new ValueError('item', `only one-element tensors convert to a number, got shape ${fmtShape(this.shape)}`);
    return this.buffer.host[this.offset];
  }

  toString(): string {
    return formatTensor(this);
  }

  /** `console.log(x)` in Node prints what `toString()` does (PyTorch's repr), not the internals. */
  [INSPECT](): string {
    return this.toString();
  }

  // ---- autograd -------------------------------------------------------------------------------

  /** Whether gradients flow to (or through) this tensor. Settable on leaves only. */
  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }

  set requiresGrad(on: boolean) {
    if (on && !isFloating(this.dtype)) {
      throw new AutogradError('requiresGrad', `only float tensors can require gradients, got ${this.dtype}; convert with .float() first`);
    }
    if (this.gradFn_ !== null && !on) {
      throw new AutogradError('requiresGrad', 'can only change requiresGrad of a leaf tensor; use detach() for a non-leaf');
    }
    this.requiresGradFlag = on || this.gradFn_ !== null;
  }

  /** Sets `requiresGrad` and returns `this`, for chaining (`randn([3]).requiresGrad_()`). */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** The node of the op that made this tensor; null for a leaf. */
  get gradFn(): GradNode | null {
    return this.gradFn_;
  }

  /** True for tensors not made by a recorded op (inputs and parameters). */
  get isLeaf(): boolean {
    return this.gradFn_ === null;
  }

  /** @internal Called by `record` when an op puts this tensor on the tape. */
  setGradFn(node: GradNode): void {
    this.gradFn_ = node;
    this.requiresGradFlag = true;
  }

  /** Keep `.grad` on this non-leaf tensor during backward. */
  retainGrad(): this {
    this.retainsGrad_ = true;
    return this;
  }

  get retainsGrad(): boolean {
    return this.retainsGrad_;
  }

  /**
   * Backpropagates from this tensor: every leaf that requires grad gets ∂this/∂leaf added to its
   * `.grad`. A non-scalar tensor needs `gradient` (∂L/∂this). The tape is freed unless `retainGraph`.
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    runBackwardFrom(this, gradient, options);
  }

  /** Sets `.grad` to null (what optimizers' `zeroGrad()` does for each parameter). */
  zeroGrad(): void {
    this.grad = null;
  }

  /** The same elements, cut from the tape: no gradient flows through the result. */
  detach(): Tensor {
    return new Tensor(this.buffer, this.shape, this.strides, this.offset);
  }

  /** A copy with its own storage (differentiable). */
  clone(): Tensor {
    return ops.clone(this);
  }

  /**
   * Where the elements are: `'cpu'` (the host's memory, typed arrays) or the backend whose memory
   * holds them (`'wasm'`, `'gpu'`). Which backend runs an op is `setBackend`'s choice, not the
   * operands': an operand living in the running backend's memory is read in place, any other is
   * copied there for the call.
   */
  get device(): string {
    return this.buffer.device?.backend ?? 'cpu';
  }

  /**
   * Converts to another dtype, or moves the elements into a backend's memory (as PyTorch's
   * `x.to('cuda')`), where its kernels read them without copying them in: worth it for a tensor
   * read many times, such as a benchmark's operands. Results of ops come back to the host (the
   * wasm backend's blocks would be freed only by the garbage collector, which does not see them).
   * Elements a backend cannot hold (float64 on wasm; everything in gpu.js's CPU modes) stay on the
   * host, where its kernels read them: `device` says where they are. Differentiable; returns
   * `this` when there is nothing to do.
   */
  to(dtype: DType): Tensor;
  to(device: string): Tensor;
  to(target: string): Tensor {
    if ((DTYPES as readonly string[]).includes(target)) return target === this.dtype ? this : V.cast(this, target as DType);
    return V.toDevice(this, target);
  }

  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  /** int32, truncating floats toward zero (as PyTorch's `.int()`). */
  int(): Tensor { return this.to('int32'); }
  /** bool: true where non-zero. */
  bool(): Tensor { return this.to('bool'); }

  // ---- indexing (ops/indexing.ts) ----------------------------------------------------------------

  /**
   * PyTorch's subscript `x[...]`, one argument per position: a number selects (and drops the
   * dim), `slice(start, stop, step)` slices, `null` adds a dim, `'...'` stands for the dims not
   * named, an int32 tensor or number array picks by index, a bool tensor is a mask.
   * `x.index(0, slice(1, 3), null, '...', idx)` is `x[0, 1:3, None, ..., idx]`.
   */
  index(...entries: I.IndexEntry[]): Tensor { return ops.index(this, entries); }
  select(dim: number, index: number): Tensor { return ops.select(this, dim, index); }
  maskedSelect(mask: Tensor): Tensor { return ops.maskedSelect(this, mask); }
  nonzero(): Tensor { return ops.nonzero(this); }
  take(indices: Tensor | NestedArray): Tensor { return ops.take(this, indices); }
  /** A copy with `values` written at `this.index(...idx)`: `x.indexPut([mask], 0)`, `x.indexPut([rows, cols], v, { accumulate: true })`. */
  indexPut(idx: readonly I.IndexEntry[], values: TensorLike | boolean, options?: I.IndexPutOptions): Tensor { return ops.indexPut(this, idx, values, options); }

  // ---- in-place ops (ops/inplace.ts): each writes into this tensor and returns it ----------------

  add_(other: TensorLike): this { return this.inPlace('add_', [other], () => ops.add(this, other)); }
  sub_(other: TensorLike): this { return this.inPlace('sub_', [other], () => ops.sub(this, other)); }
  mul_(other: TensorLike): this { return this.inPlace('mul_', [other], () => ops.mul(this, other)); }
  div_(other: TensorLike): this { return this.inPlace('div_', [other], () => ops.div(this, other)); }
  clamp_(min?: number | null | U.ClampBounds, max?: number | null): this { return this.inPlace('clamp_', [], () => ops.clamp(this, min, max)); }
  maskedFill_(mask: Tensor, value: number | boolean): this { return this.inPlace('maskedFill_', [], () => ops.maskedFill(this, mask, value)); }
  indexPut_(idx: readonly I.IndexEntry[], values: TensorLike | boolean, options?: I.IndexPutOptions): this {
    return this.inPlace('indexPut_', [values], () => ops.indexPut(this, idx, values, options));
  }
  /** Copies `src` (broadcast to this shape, converted to this dtype) into this tensor. */
  copy_(src: Tensor): this {
    if (!(src instanceof Tensor)) throw new ValueError('copy_', `src must be a tensor, got ${typeof src}`);
    return this.inPlace('copy_', [src], () => V.cast(ops.expand(src, this.shape), this.dtype));
  }
  fill_(value: number | boolean): this {
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new ValueError('fill_', `value must be a number, got ${typeof value}`);
    return this.inPlace('fill_', [], () => V.cast(ops.expand(scalarTensor(value, this.dtype), this.shape), this.dtype));
  }
  zero_(): this { return this.fill_(0); }
  /** Fills with uniform samples from [from, to) (PyTorch's uniform_), from `generator` or the global one. */
  uniform_(from = 0, to = 1, options?: { generator?: Generator }): this {
    return this.inPlace('uniform_', [], () => ops.add(ops.mul(rand(this.shape, { dtype: this.dtype, ...options }), to - from), from));
  }
  /** Fills with samples of N(mean, std²) (PyTorch's normal_). */
  normal_(mean = 0, std = 1, options?: { generator?: Generator }): this {
    return this.inPlace('normal_', [], () => ops.add(ops.mul(randn(this.shape, { dtype: this.dtype, ...options }), std), mean));
  }

  private inPlace(op: string, operands: readonly unknown[], compute: () => Tensor): this {
    writeInPlace(op, this, operands, compute);
    return this;
  }

  // ---- ops as methods (each is also a function of the same name) --------------------------------

  add(other: TensorLike): Tensor { return ops.add(this, other); }
  sub(other: TensorLike): Tensor { return ops.sub(this, other); }
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  neg(): Tensor { return ops.neg(this); }
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }

  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  relu(): Tensor { return ops.relu(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  softplus(options?: Act.SoftplusOptions): Tensor { return ops.softplus(this, options); }
  clamp(min?: number | null | U.ClampBounds, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  square(): Tensor { return ops.square(this); }
  log1p(): Tensor { return U.log1p(this); }
  expm1(): Tensor { return U.expm1(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  erf(): Tensor { return ops.erf(this); }
  gelu(options?: U.GeluOptions): Tensor { return ops.gelu(this, options); }
  silu(): Tensor { return ops.silu(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  trunc(): Tensor { return ops.trunc(this); }
  frac(): Tensor { return ops.frac(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  log2(): Tensor { return U.log2(this); }
  log10(): Tensor { return U.log10(this); }
  exp2(): Tensor { return U.exp2(this); }
  tan(): Tensor { return ops.tan(this); }
  asin(): Tensor { return ops.asin(this); }
  acos(): Tensor { return ops.acos(this); }
  atan(): Tensor { return ops.atan(this); }
  sinh(): Tensor { return ops.sinh(this); }
  cosh(): Tensor { return ops.cosh(this); }
  asinh(): Tensor { return ops.asinh(this); }
  acosh(): Tensor { return ops.acosh(this); }
  atanh(): Tensor { return ops.atanh(this); }
  atan2(other: TensorLike): Tensor { return A.atan2(this, other); }
  hypot(other: TensorLike): Tensor { return ops.hypot(this, other); }
  remainder(other: TensorLike): Tensor { return ops.remainder(this, other); }
  fmod(other: TensorLike): Tensor { return ops.fmod(this, other); }
  copysign(other: TensorLike): Tensor { return ops.copysign(this, other); }
  lerp(end: TensorLike, weight: TensorLike): Tensor { return ops.lerp(this, end, weight); }
  logaddexp(other: TensorLike): Tensor { return ops.logaddexp(this, other); }
  isnan(): Tensor { return ops.isnan(this); }
  isinf(): Tensor { return ops.isinf(this); }
  isfinite(): Tensor { return ops.isfinite(this); }
  nanToNum(options?: C.NanToNumOptions): Tensor { return ops.nanToNum(this, options); }
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  selu(): Tensor { return ops.selu(this); }
  celu(alpha?: number): Tensor { return ops.celu(this, alpha); }
  hardtanh(min?: number, max?: number): Tensor { return ops.hardtanh(this, min, max); }
  relu6(): Tensor { return Act.relu6(this); }
  hardsigmoid(): Tensor { return ops.hardsigmoid(this); }
  hardswish(): Tensor { return ops.hardswish(this); }
  mish(): Tensor { return ops.mish(this); }
  logsigmoid(): Tensor { return ops.logsigmoid(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ops.leakyRelu(this, negativeSlope); }
  softmin(dim: number): Tensor { return ops.softmin(this, dim); }
  glu(dim?: number): Tensor { return ops.glu(this, dim); }

  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  /** `cond ? this : other`, like PyTorch's `x.where(cond, y)`. */
  where(cond: Tensor, other: TensorLike): Tensor { return ops.where(cond, this, other); }
  maskedFill(mask: Tensor, value: number | boolean): Tensor { return ops.maskedFill(this, mask, value); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  logicalAnd(other: TensorLike): Tensor { return ops.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return ops.logicalOr(this, other); }
  logicalXor(other: TensorLike): Tensor { return ops.logicalXor(this, other); }

  sum(dim?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  max(dim?: number | readonly number[], keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  min(dim?: number | readonly number[], keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  logsumexp(dim?: number | readonly number[], keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }
  /** Variance, unbiased by default (`{ correction: 0 }` for the population variance), as PyTorch's `var`. */
  var(dim?: number | readonly number[], options?: R.VarOptions): Tensor { return ops.variance(this, dim, options); }
  std(dim?: number | readonly number[], options?: R.VarOptions): Tensor { return ops.std(this, dim, options); }
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor { return ops.norm(this, p, dim, keepdim); }
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return ops.cumprod(this, dim); }
  cummax(dim: number): Sc.CumulativeResult { return ops.cummax(this, dim); }
  cummin(dim: number): Sc.CumulativeResult { return ops.cummin(this, dim); }
  logcumsumexp(dim: number): Tensor { return ops.logcumsumexp(this, dim); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return ops.scatter(this, dim, index, src); }
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: Sca.ScatterReduce, options?: Sca.ScatterReduceOptions): Tensor {
    return ops.scatterReduce(this, dim, index, src, reduce, options);
  }
  indexAdd(dim: number, index: S.IndexLike, source: Tensor, options?: Sca.IndexAddOptions): Tensor { return ops.indexAdd(this, dim, index, source, options); }
  indexCopy(dim: number, index: S.IndexLike, source: Tensor): Tensor { return ops.indexCopy(this, dim, index, source); }
  indexFill(dim: number, index: S.IndexLike, value: number): Tensor { return ops.indexFill(this, dim, index, value); }
  amax(dim?: number | readonly number[], keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }
  amin(dim?: number | readonly number[], keepdim = false): Tensor { return ops.amin(this, dim, keepdim); }
  any(dim?: number | readonly number[], keepdim = false): Tensor { return ops.any(this, dim, keepdim); }
  all(dim?: number | readonly number[], keepdim = false): Tensor { return ops.all(this, dim, keepdim); }
  prod(dim?: number | readonly number[], keepdim = false): Tensor { return ops.prod(this, dim, keepdim); }
  sort(options?: Srt.SortOptions): { values: Tensor; indices: Tensor } { return ops.sort(this, options); }
  argsort(options?: Srt.SortOptions): Tensor { return ops.argsort(this, options); }
  topk(k: number, options?: Srt.TopkOptions): { values: Tensor; indices: Tensor } { return ops.topk(this, k, options); }
  kthvalue(k: number, dim?: number, keepdim?: boolean): { values: Tensor; indices: Tensor } { return ops.kthvalue(this, k, dim, keepdim); }
  mode(dim?: number, keepdim?: boolean): { values: Tensor; indices: Tensor } { return ops.mode(this, dim, keepdim); }
  unique(options?: Srt.UniqueOptions): Srt.UniqueResult { return ops.unique(this, options); }
  repeat(...counts: number[] | [readonly number[]]): Tensor { return ops.repeat(this, V.shapeArgs(counts)); }
  tile(...counts: number[] | [readonly number[]]): Tensor { return ops.tile(this, V.shapeArgs(counts)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return ops.roll(this, shifts, dims); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return ops.unflatten(this, dim, sizes); }
  movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor { return ops.movedim(this, source, destination); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor { return ops.diagonal(this, offset, dim1, dim2); }
  diag(offset = 0): Tensor { return ops.diag(this, offset); }
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  outer(other: Tensor): Tensor { return ops.outer(this, other); }
  dot(other: Tensor): Tensor { return ops.dot(this, other); }
  bmm(other: Tensor): Tensor { return ops.bmm(this, other); }
  baddbmm(batch1: Tensor, batch2: Tensor, options?: M.BaddbmmOptions): Tensor { return ops.baddbmm(this, batch1, batch2, options); }

  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }

  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, V.shapeArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.view(this, V.shapeArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  /** `permute(1, 0)` or `permute([1, 0])`, as in PyTorch. */
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, V.shapeArgs(dims)); }
  /** The transpose of a 2-D tensor (reverses the dims of any tensor, like PyTorch's `.T`). */
  get T(): Tensor { return ops.permute(this, [...this.shape.keys()].reverse()); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, V.shapeArgs(shape)); }
  expandAs(other: Tensor): Tensor { return ops.expand(this, other.shape); }
  contiguous(): Tensor { return ops.contiguous(this); }

  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return S.slice(this, dim, start, end, step); }
  indexSelect(dim: number, index: S.IndexLike): Tensor { return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  /** `flip(0, 1)` or `flip([0, 1])`. */
  flip(...dims: number[] | [readonly number[]]): Tensor { return ops.flip(this, V.shapeArgs(dims)); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  split(sizes: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, sizes, dim); }
  unbind(dim = 0): Tensor[] { return ops.unbind(this, dim); }
}

/** Wraps a kernel's fresh contiguous output as a tensor. */
export function fromStorage(storage: Storage | DataBuffer, shape: Shape): Tensor {
  return new Tensor(storage, shape);
}
