import type { Shape } from '../shape.js';
import { coalesce } from './layout.js';

/**
 * The strided loop every elementwise CPU kernel shares. Up to four operands walk the same index
 * space, each with its own strides (0 along a broadcast dim); `row` runs once per innermost row
 * with each operand's start offset and inner stride, so the hot loop is a plain `for` over `n`.
 */
export type RowFn = (
  n: number,
  o0: number, s0: number,
  o1: number, s1: number,
  o2: number, s2: number,
  o3: number, s3: number,
) => void;

export function walk(shape: Shape, strides: readonly (readonly number[])[], offsets: readonly number[], row: RowFn): void {
  const [dims, st] = coalesce(shape, strides);
  const rank = dims.length;
  const s = (k: number, d: number): number => (k < st.length ? st[k][d] : 0);
  let o0 = offsets[0] ?? 0, o1 = offsets[1] ?? 0, o2 = offsets[2] ?? 0, o3 = offsets[3] ?? 0;
  if (rank === 0) {
    row(1, o0, 0, o1, 0, o2, 0, o3, 0);
    return;
  }
  if (dims.includes(0)) return;
  const last = rank - 1;
  const n = dims[last];
  const i0 = s(0, last), i1 = s(1, last), i2 = s(2, last), i3 = s(3, last);
  let rows = 1;
  for (let d = 0; d < last; d++) rows *= dims[d];
  const idx = new Array<number>(last).fill(0);
  for (let r = 0; r < rows; r++) {
    row(n, o0, i0, o1, i1, o2, i2, o3, i3);
    // Odometer step over the outer dims, carrying each operand's offset along.
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      o0 += s(0, d); o1 += s(1, d); o2 += s(2, d); o3 += s(3, d);
      if (idx[d] < dims[d]) break;
      idx[d] = 0;
      o0 -= s(0, d) * dims[d]; o1 -= s(1, d) * dims[d]; o2 -= s(2, d) * dims[d]; o3 -= s(3, d) * dims[d];
    }
  }
}
