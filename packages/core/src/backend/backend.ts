import type { DType, Storage } from '../dtype.js';
import type { Shape } from '../shape.js';
import { BackendError } from '../errors.js';
import type { DataBuffer } from './buffer.js';
import { cpuBackend } from './cpu/index.js';

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

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'relu' | 'sigmoid' | 'tanh' | 'softplus';
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type ReduceOp = 'sum' | 'max' | 'min';
export type ArgReduceOp = 'argmax' | 'argmin';

/**
 * One operand of a batched matmul: batch `b` of the matrix starts at `offsets[b]` and is stored
 * row-major, or — when `transposed` — stored row-major as its transpose (so `Wᵀ` needs no copy).
 */
export interface MatmulOperand {
  readonly buffer: DataBuffer;
  readonly offsets: readonly number[];
  readonly transposed: boolean;
}

/**
 * What a kernel returns: a fresh contiguous typed array, or a buffer whose elements may stay on
 * the backend's device until the CPU reads them.
 */
export type KernelOutput = Storage | DataBuffer;

/**
 * Kernels read their inputs through `view.buffer.host` (CPU) or the buffer's device copy (a GPU
 * backend that made it); only `copy` writes, through `dst.buffer.writable()`.
 */
export interface Backend {
  readonly name: string;
  /** What `backendInfo()` reports besides the name (threads, the gpu.js mode…). */
  info?(): Record<string, string | number | boolean | null>;
  /** Elementwise `f(x)`; the result is contiguous with `x.shape`. */
  unary(op: UnaryOp, x: View): KernelOutput;
  /** `min(max(x, lo), hi)` elementwise. */
  clamp(x: View, lo: number, hi: number): KernelOutput;
  /** Elementwise `a ∘ b`; `a` and `b` are already broadcast to `shape` (stride 0 along broadcast dims). */
  binary(op: BinaryOp, a: View, b: View, shape: Shape): KernelOutput;
  /** `cond ≠ 0 ? a : b`, all three already broadcast to `shape`. */
  where(cond: View, a: View, b: View, shape: Shape): KernelOutput;
  /** Reduces over `dims`; the result has `x.shape` with those dims set to 1 (keepdim layout). */
  reduce(op: ReduceOp, x: View, dims: readonly number[]): KernelOutput;
  /** Index of the largest/smallest element along `dim` (first one on ties), as floats; keepdim layout. */
  argReduce(op: ArgReduceOp, x: View, dim: number): KernelOutput;
  /**
   * `batch` products `[m,k]·[k,n]`; the result is `[batch, m, n]` contiguous. `bias`, a contiguous
   * `[n]` vector, is added to every row of every product when given (the epilogue of `linear`).
   */
  matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View): KernelOutput;
  /** Copies `src` into the (possibly strided) `dst`; both have the same shape. */
  copy(src: View, dst: View): void;
  /** `out[…, i, …] = x[…, index[…, i, …], …]` along `dim`; `x` and `index` contiguous, equal shapes off `dim`. */
  gather(x: View, dim: number, index: View): KernelOutput;
  /** The adjoint of gather: `out = zeros(shape)`, then `out[…, index[…, i, …], …] += src[…, i, …]`. */
  scatterAdd(shape: Shape, dtype: DType, dim: number, index: View, src: View): KernelOutput;
}

const registry = new Map<string, Backend>([['cpu', cpuBackend]]);
let current: Backend = cpuBackend;

/** Makes a backend available to `setBackend` under its name. */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  return current;
}

/** Chooses the backend that runs every following op (`'cpu'` is always there). */
export function setBackend(name: string): Backend {
  const b = registry.get(name);
  if (b === undefined) {
    const hint = name === 'gpu' ? " (the gpu backend registers itself when \"@tensorgrad/core/gpu\" is imported)" : '';
    throw new BackendError('setBackend', `unknown backend ${JSON.stringify(name)}; available: ${[...registry.keys()].join(', ')}${hint}`);
  }
  current = b;
  return b;
}

/** Runs `fn` with `name` as the backend, then restores the one before (also when `fn` throws). */
export function withBackend<T>(name: string, fn: () => T): T {
  const before = current;
  setBackend(name);
  try {
    return fn();
  } finally {
    current = before;
  }
}

/** The backend that runs kernels now and what it runs on, e.g. `{ name: 'gpu', mode: 'headlessgl', … }`. */
export function backendInfo(): { name: string } & Record<string, string | number | boolean | null> {
  return { ...current.info?.(), name: current.name };
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
