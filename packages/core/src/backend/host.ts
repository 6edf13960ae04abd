import { allocate, type DType, type Storage } from '../dtype.js';
import { contiguousStrides, sizeOf } from '../shape.js';
import { DataBuffer } from './buffer.js';
import type { View } from './kernels.js';
import { walk, type RowFn } from './walk.js';

/**
 * Copies between host arrays: the reference `copy` and `copyInto` kernels, and what any backend
 * uses to compact a strided view on the host (a wasm scratch copy, a texture upload) without
 * depending on the reference backend.
 */

export function copy(src: View, dtype: DType): Storage {
  const out = allocate(dtype, sizeOf(src.shape));
  copyInto(src, { buffer: DataBuffer.fromHost(out), shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 });
  return out;
}

export function copyInto(src: View, dst: View): void {
  const s = src.buffer.host, d = dst.buffer.writable();
  // Into bool, any non-zero (NaN too) is true; into int32 the typed array's store truncates toward zero.
  const row: RowFn = dst.buffer.dtype === 'bool' && src.buffer.dtype !== 'bool'
    ? (n, o, so, i, si) => {
        for (let j = 0; j < n; j++, o += so, i += si) d[o] = s[i] !== 0 ? 1 : 0;
      }
    : (n, o, so, i, si) => {
        for (let j = 0; j < n; j++, o += so, i += si) d[o] = s[i];
      };
  walk(src.shape, [dst.strides, src.strides], [dst.offset, src.offset], row);
}
