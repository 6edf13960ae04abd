import { DTypeError } from './errors.js';

/**
 * `float32` is the working dtype. `float64` exists (CPU only) so that gradients can be checked
 * against finite differences without float32 rounding drowning the signal.
 */
export type DType = 'float32' | 'float64';

/** The typed array that stores a tensor's elements. */
export type Storage = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = 'float32';

export function allocate(dtype: DType, size: number): Storage {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
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
