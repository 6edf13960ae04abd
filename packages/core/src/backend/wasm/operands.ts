import { isContiguous, sizeOf } from '../../shape.js';
import type { DataBuffer } from '../buffer.js';
import { copy as hostCopy } from '../host.js';
import type { View } from '../kernels.js';
import { Arena, WasmBlock } from './instance.js';

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
