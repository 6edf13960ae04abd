import { DTypeError, ValueError } from './errors.js';

/**
 * The element types, one place for all of them:
 * - `float32`, the working dtype, and `float64` (CPU kernels only), so that gradients can be checked
 *   against finite differences without float32 rounding drowning the signal;
 * - `int32`, the index type (JavaScript has no cheap int64; TensorFlow.js and jax-js make the same
 *   choice): labels, `argmax`, `nonzero`, gather and scatter indices;
 * - `bool`, what comparisons return and what masks are.
 * Gradients flow only through the two float dtypes.
 */
export const DTYPES = ['float32', 'float64', 'int32', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

/** The typed array that stores a tensor's elements: one per dtype, bool as 0/1 bytes. */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Each dtype's typed array and its size in bytes; the compiler checks that every dtype has one. */
const ARRAYS: { readonly [D in DType]: { readonly make: (n: number) => Storage; readonly bytes: number } } = {
  float32: { make: (n) => new Float32Array(n), bytes: 4 },
  float64: { make: (n) => new Float64Array(n), bytes: 8 },
  int32: { make: (n) => new Int32Array(n), bytes: 4 },
  bool: { make: (n) => new Uint8Array(n), bytes: 1 },
};

export const DEFAULT_DTYPE: DType = 'float32';

/**
 * The most elements one tensor may have: 2³¹ − 1, the length every JavaScript engine's typed
 * arrays can index (and 8 GiB of float32 already). Larger shapes are refused up front, with the
 * op and the shape named, rather than failing deep inside with a RangeError (or, for a broadcast
 * view, running for minutes).
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** A zeroed typed array of `size` elements; `op` names the caller in the error when memory runs out. */
export function allocate(dtype: DType, size: number, op = 'allocate'): Storage {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ELEMENTS) {
    throw new ValueError(op, `cannot allocate ${size} elements: sizes must be whole numbers from 0 to ${MAX_ELEMENTS}`);
  }
  try {
    return ARRAYS[dtype].make(size);
  } catch (e) {
    const bytes = size * ARRAYS[dtype].bytes;
    throw new ValueError(op, `out of memory allocating ${size} ${dtype} elements (${(bytes / 2 ** 30).toFixed(2)} GiB): ${(e as Error).message}`);
  }
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return ARRAYS[dtype].bytes;
}

export function dtypeOf(storage: Storage): DType {
  if (storage instanceof Float64Array) return 'float64';
  if (storage instanceof Int32Array) return 'int32';
  if (storage instanceof Uint8Array) return 'bool';
  return 'float32';
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function checkDType(op: string, dtype: unknown): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new DTypeError(op, `unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`);
}

/**
 * `value` as element type `dtype` stores it, with PyTorch's conversions: to bool, anything but 0
 * is true (NaN too); to int32, floats truncate toward zero. (A typed array's own store would
 * turn 0.5 into a false byte.)
 */
export function toElement(dtype: DType, value: number): number {
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  if (dtype === 'int32') return value | 0;
  return value;
}

// ---- type promotion --------------------------------------------------------------------------

/** The kind order PyTorch promotes along: bool < integer < floating. */
const KIND: { readonly [D in DType]: number } = { bool: 0, int32: 1, float32: 2, float64: 2 };

/**
 * The dtype of `a ∘ b` for two tensors, PyTorch's table restricted to these four types: the
 * higher kind wins (bool < int32 < float). The one departure: float32 with float64 is an error,
 * as it always was here, because a silent float32 would spoil a float64 gradcheck.
 */
export function promoteTypes(op: string, a: DType, b: DType): DType {
  if (a === b) return a;
  if (KIND[a] === 2 && KIND[b] === 2) {
    throw new DTypeError(op, `dtypes ${a} and ${b} differ; convert one with .to('${a}') or .to('${b}')`);
  }
  return KIND[a] >= KIND[b] ? a : b;
}

/**
 * The dtype of `t ∘ v` for a tensor of dtype `t` and a JavaScript number or boolean `v`
 * (PyTorch's "wrapped number" rule): the number changes the tensor's dtype only when it is of a
 * higher kind — a fractional number makes an integer or bool tensor float32, an integer makes a
 * bool tensor int32, a boolean never changes it.
 */
export function promoteWithScalar(t: DType, v: number | boolean): DType {
  if (typeof v === 'boolean' || KIND[t] === 2) return t;
  if (!Number.isInteger(v)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** The dtype of an op between two numbers (no tensor to follow): float32 for any number, bool for two booleans. */
export function scalarDType(v: number | boolean): DType {
  return typeof v === 'boolean' ? 'bool' : DEFAULT_DTYPE;
}

/** Binary ops that are not about promotion need one dtype (where's branches, cat's inputs…). */
export function sameDType(op: string, a: DType, b: DType): DType {
  if (a !== b) {
    throw new DTypeError(op, `dtypes ${a} and ${b} differ; convert one with .to('${a}') or .to('${b}')`);
  }
  return a;
}
