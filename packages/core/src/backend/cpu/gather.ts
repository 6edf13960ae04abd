import { allocate, type DType, type Storage } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import type { PutMode, View } from '../kernels.js';

/**
 * Views `shape` around `dim` as `[outer, len, inner]`; with contiguous operands the element
 * `[o, i, r]` sits at `(o·len + i)·inner + r`.
 */
function split(shape: Shape, dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim], sizeOf(shape.slice(dim + 1))];
}

export function gather(x: View, dim: number, index: View): Storage {
  const [outer, len, inner] = split(index.shape, dim);
  const xLen = x.shape[dim];
  const out = allocate(x.buffer.dtype, index.buffer.length === 0 ? 0 : outer * len * inner);
  const X = x.buffer.host, I = index.buffer.host;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const base = (o * len + i) * inner;
      for (let r = 0; r < inner; r++) {
        const at = I[index.offset + base + r];
        if (at >>> 0 < xLen) out[base + r] = X[x.offset + (o * xLen + at) * inner + r];
      }
    }
  }
  return out;
}

export function scatterAdd(shape: Shape, dtype: DType, dim: number, index: View, src: View): Storage {
  const [outer, len, inner] = split(index.shape, dim);
  const outLen = shape[dim];
  const out = allocate(dtype, sizeOf(shape));
  const S = src.buffer.host, I = index.buffer.host;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const base = (o * len + i) * inner;
      for (let r = 0; r < inner; r++) {
        const at = I[index.offset + base + r];
        if (at >>> 0 < outLen) out[(o * outLen + at) * inner + r] += S[src.offset + base + r];
      }
    }
  }
  return out;
}

/** `out = x`, then `out[index[i]] = combine(out[index[i]], values[i])` in order. */
export function put(x: View, index: View, values: View, mode: PutMode): Storage {
  const n = sizeOf(x.shape);
  const out = allocate(x.buffer.dtype, n);
  out.set(x.buffer.host.subarray(x.offset, x.offset + n));
  const I = index.buffer.host, V = values.buffer.host, m = sizeOf(index.shape);
  const combine = PUT_MODES[mode];
  for (let i = 0; i < m; i++) {
    const at = I[index.offset + i];
    out[at] = combine(out[at], V[values.offset + i]);
  }
  if (x.buffer.dtype === 'bool') for (let i = 0; i < m; i++) out[I[index.offset + i]] = out[I[index.offset + i]] !== 0 ? 1 : 0;
  return out;
}

const PUT_MODES: Record<PutMode, (have: number, v: number) => number> = {
  set: (_, v) => v,
  add: (have, v) => have + v,
  multiply: (have, v) => have * v,
  // A NaN on either side wins (`v > NaN` is false, so a NaN already there stays): PyTorch's amax.
  amax: (have, v) => (v > have || v !== v ? v : have),
  amin: (have, v) => (v < have || v !== v ? v : have),
};
