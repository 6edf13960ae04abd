import { allocate, type Storage } from '../../dtype.js';
import { contiguousStrides, sizeOf } from '../../shape.js';
import type { ArgReduceOp, ReduceOp, ScanOp, View } from '../kernels.js';
import { walk } from '../walk.js';

/**
 * Reduction as a strided walk: the output is addressed with stride 0 along reduced dims, so every
 * input element lands on its output slot. Sums accumulate in float64, so a float32 sum of a
 * million elements keeps its digits.
 */
export function reduce(op: ReduceOp, x: View, dims: readonly number[]): Storage {
  const outShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outStrides = contiguousStrides(outShape).map((s, i) => (dims.includes(i) ? 0 : s));
  const size = sizeOf(outShape);
  const acc = new Float64Array(size).fill(op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity);
  const a = x.buffer.host;
  const row =
    op === 'sum'
      ? (n: number, o: number, so: number, i: number, si: number) => {
          for (let j = 0; j < n; j++, o += so, i += si) acc[o] += a[i];
        }
      : op === 'prod'
        ? (n: number, o: number, so: number, i: number, si: number) => {
            for (let j = 0; j < n; j++, o += so, i += si) acc[o] *= a[i];
          }
      : op === 'max'
        ? (n: number, o: number, so: number, i: number, si: number) => {
            for (let j = 0; j < n; j++, o += so, i += si) {
              const v = a[i];
              if (v > acc[o] || v !== v) acc[o] = v; // NaN wins, as in PyTorch
            }
          }
        : (n: number, o: number, so: number, i: number, si: number) => {
            for (let j = 0; j < n; j++, o += so, i += si) {
              const v = a[i];
              if (v < acc[o] || v !== v) acc[o] = v;
            }
          };
  walk(x.shape, [outStrides, x.strides], [0, x.offset], row);
  const out = allocate(x.buffer.dtype, size);
  out.set(acc);
  return out;
}

export function argReduce(op: ArgReduceOp, x: View, dim: number): Storage {
  const len = x.shape[dim];
  const outShape = x.shape.map((d, i) => (i === dim ? 1 : d));
  const out = allocate('int32', sizeOf(outShape));
  const best = new Float64Array(out.length).fill(op === 'argmax' ? -Infinity : Infinity);
  const seen = new Uint8Array(out.length);
  const a = x.buffer.host;
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  // Walk the tensor as [outer…, dim] so we know the position along `dim` of every element.
  const outStrides = contiguousStrides(outShape);
  for (let p = 0; p < len; p++) {
    const shape = x.shape.map((d, i) => (i === dim ? 1 : d));
    walk(shape, [outStrides, x.strides], [0, x.offset + p * x.strides[dim]], (n, o, so, i, si) => {
      for (let j = 0; j < n; j++, o += so, i += si) {
        const v = a[i];
        if (!seen[o] || better(v, best[o]) || (v !== v && best[o] === best[o])) {
          seen[o] = 1;
          best[o] = v;
          out[o] = p;
        }
      }
    });
  }
  return out;
}

/**
 * Running `op` along `dim` of a contiguous view, accumulated in float64 (as PyTorch's CPU kernel
 * accumulates float32) and rounded once per output. With the shape as `[outer, len, inner]`,
 * element `[o, i, r]` sits at `(o·len + i)·inner + r`.
 */
export function scan(op: ScanOp, x: View, dim: number): Storage {
  const len = x.shape[dim];
  const inner = sizeOf(x.shape.slice(dim + 1));
  const outer = sizeOf(x.shape.slice(0, dim));
  const out = allocate(x.buffer.dtype, outer * len * inner);
  const X = x.buffer.host;
  const acc = new Float64Array(inner);
  const step = SCAN_STEPS[op];
  for (let o = 0; o < outer; o++) {
    acc.fill(SCAN_IDENTITY[op]);
    for (let i = 0; i < len; i++) {
      const base = (o * len + i) * inner;
      for (let r = 0; r < inner; r++) out[base + r] = acc[r] = step(acc[r], X[x.offset + base + r]);
    }
  }
  return out;
}

const SCAN_IDENTITY: Record<ScanOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity, logsumexp: -Infinity };
const SCAN_STEPS: Record<ScanOp, (acc: number, v: number) => number> = {
  sum: (acc, v) => acc + v,
  prod: (acc, v) => acc * v,
  // A NaN, once met, stays (`v >= NaN` is false), and each later NaN takes its place: PyTorch's rule.
  max: (acc, v) => (v >= acc || v !== v ? v : acc),
  min: (acc, v) => (v <= acc || v !== v ? v : acc),
  // log(eᵃ + eᵛ) = m + log1p(e^{−|a−v|}) with m the larger: never overflows. An infinite m is the
  // answer itself (the formula would give ∞ − ∞); a NaN passes through Math.max.
  logsumexp: (acc, v) => {
    const m = Math.max(acc, v);
    return m === -Infinity || m === Infinity ? m : m + Math.log1p(Math.exp(-Math.abs(acc - v)));
  },
};

/**
 * The stable sorting order along `dim` of a contiguous view: each `[…, :, …]` line's positions
 * sorted by value (NaN after every number), ties in their original order.
 */
export function argsort(x: View, dim: number, descending: boolean): Storage {
  const len = x.shape[dim], inner = sizeOf(x.shape.slice(dim + 1)), outer = sizeOf(x.shape.slice(0, dim));
  const out = allocate('int32', outer * len * inner);
  const X = x.buffer.host;
  const order = Array.from({ length: len }, (_, i) => i);
  const key = new Float64Array(len);
  // NaN compares as larger than everything; a descending sort is the ascending one of −x with NaN first.
  const cmp = (i: number, j: number): number => {
    const a = key[i], b = key[j];
    if (a !== a) return b !== b ? 0 : descending ? -1 : 1;
    if (b !== b) return descending ? 1 : -1;
    return descending ? b - a : a - b;
  };
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = x.offset + o * len * inner + r;
      for (let i = 0; i < len; i++) {
        key[i] = X[base + i * inner];
        order[i] = i;
      }
      order.sort((i, j) => cmp(i, j) || i - j);
      for (let i = 0; i < len; i++) out[o * len * inner + i * inner + r] = order[i];
    }
  }
  return out;
}
