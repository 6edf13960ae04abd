import { isContiguous, sizeOf } from '../../shape.js';
import { DataBuffer } from '../buffer.js';
import { copy as hostCopy } from '../host.js';
import type { View } from '../kernels.js';
import { adopt, scopeActive } from '../scope.js';
import { Arena, WasmBlock, copyToHost, hostArray } from './instance.js';

/**
 * Where a kernel call's operands and scratch live in the module's memory: one arena, reset at the
 * start of every call (kernels run one at a time on the calling thread; workers only compute in
 * what the call laid out).
 */
export const arena = new Arena();

/**
 * The byte address of element `offset` of `buffer` in the module's memory: in place when the
 * buffer is resident, else a scratch copy of the `span` elements from there.
 */
export function addressOf(buffer: DataBuffer, offset: number, span: number): number {
  const d = buffer.device;
  if (d instanceof WasmBlock) return d.at + 4 * offset;
  return arena.put((buffer.host as Float32Array).subarray(offset, offset + span));
}

/** The elements of `x` in row-major order, in the module's memory (a strided view is compacted first). */
export function compactAddress(x: View): number {
  const size = sizeOf(x.shape);
  if (isContiguous(x.shape, x.strides)) return addressOf(x.buffer, x.offset, size);
  return arena.put(hostCopy(x, 'float32') as Float32Array);
}

/** Where a kernel writes its float32 result (`resultSpace`). */
export interface ResultSpace {
  /** The byte address the kernel writes the result to. */
  readonly at: number;
  /** Whether the result stays in the module's memory (inside `tidy`): then no host array is worth allocating ahead. */
  readonly resident: boolean;
  /** The result, once written: the resident buffer, or a copy out (into the host array `allocate` made, if it was called). */
  done(): Float32Array | DataBuffer;
  /**
   * Allocates the host array the result will be copied into, unless it stays resident: called
   * while the workers compute, its pages are faulted in meanwhile (`hostArray`).
   */
  allocate(): void;
}

/**
 * Room for a kernel's float32 result of `length` elements (`capacity` ≥ length floats, for
 * kernels that write padding past the elements). Inside a `tidy` scope it is a block of the
 * module's own memory that becomes the result as it is: the kernel writes straight into it — no
 * copy afterwards, no host array to allocate, fault in and collect — the next kernel reads it in
 * place, and the scope frees it when it ends. Outside a scope it is room in the call's arena,
 * copied out to a JavaScript array by `done`.
 */
export function resultSpace(length: number, capacity = length): ResultSpace {
  if (scopeActive() && length > 0) {
    const block = WasmBlock.alloc(length, capacity);
    const buffer = DataBuffer.fromDevice(block, length);
    adopt(buffer);
    return { at: block.at, resident: true, done: () => buffer, allocate: () => {} };
  }
  const at = arena.alloc(capacity);
  let out: Float32Array | undefined;
  return { at, resident: false, done: () => copyToHost(at, length, out), allocate: () => void (out = hostArray(length)) };
}
