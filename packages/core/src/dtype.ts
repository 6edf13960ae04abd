import { DTypeError, ValueError } from './errors.js';

/**
 * `float32` is the working dtype. `float64` exists (CPU only) so that gradients can be checked
 * against finite differences without float32 rounding drowning the signal.
 */
export type DType = 'float32' | 'float64';

/** The typed array that stores a tensor's elements. */
export type Storage = Float32Array | Float64Array;

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
    return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  } catch (e) {
    const bytes = size * (dtype === 'float64' ? 8 : 4);
    throw new ValueError(op, `out of memory allocating ${size} ${dtype} elements (${(bytes / 2 ** 30).toFixed(2)} GiB): ${(e as Error).message}`);
  }
}

export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float64Array ? 'float64' : 'float32';
}

export function checkDType(op: string, dtype: unknown): DType {
  if (dtype === 'float32' || dtype === 'float64') return dtype;
  throw new DTypeError(op, `unknown dtype ${JSON.stringify(dtype)}; expected 'float32' or 'float64'`);
}

/** Binary ops need one dtype: we never promote silently (a float32 would hide in a float64 gradcheck). */
export function sameDType(op: string, a: DType, b: DType): DType {
  if (a !== b) {
    throw new DTypeError(op, `dtypes ${a} and ${b} differ; convert one with .to('${a === 'float64' ? 'float64' : 'float32'}') or .to('${b}')`);
  }
  return a;
}
