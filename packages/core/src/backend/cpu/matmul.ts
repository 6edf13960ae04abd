import { allocate, dtypeOf, type Storage } from '../../dtype.js';
import type { MatmulOperand, View } from '../kernels.js';
import { arenaViews, parallelRows, threadsAvailable } from './threads.js';

/**
 * Batched C = A·B with A `[m,k]` and B `[k,n]`.
 *
 * Every layout is brought to one form first: A row-major and B *column*-major (stored as Bᵀ,
 * row-major), so that C[i,j] is the dot product of two contiguous rows. `x·Wᵀ` — what Linear
 * computes — is already in that form and copies nothing; other layouts pay one O(k·n) or O(m·k)
 * transposing copy, small next to the O(m·k·n) product.
 *
 * The product itself computes a 4×4 block of C at a time: 16 running sums held in local
 * variables, fed by 8 loads per step of p, instead of 2 loads per multiply-add for a plain dot
 * product. Sums are JavaScript doubles, rounded to the output dtype once.
 */
export function matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View): Storage {
  const batch = a.offsets.length;
  const dtype = a.buffer.dtype;
  const out = allocate(dtype, batch * m * n);
  // Large products are split by rows over worker threads; their operands go to shared memory.
  const threaded = threadsAvailable() && m >= 8 && m * k * n >= 1 << 20;
  for (let t = 0; t < batch; t++) {
    const views = threaded ? arenaViews(dtype, m, k, n) : null;
    // A as row-major [m,k] and B as row-major Bᵀ [n,k]: in shared memory when threaded, else
    // the operand's own memory when it is already laid out that way.
    const A = asRowMajor(a.buffer.host, a.offsets[t], m, k, a.transposed, views?.A);
    const Bt = asRowMajor(b.buffer.host, b.offsets[t], n, k, !b.transposed, views?.Bt);
    if (views !== null) {
      parallelRows(dotRows, views, m, k, n);
      out.set(views.C, t * m * n);
    } else {
      dotRows(A, 0, Bt, 0, k, n, out, t * m * n, 0, m);
    }
  }
  if (bias !== undefined) {
    // The stored (rounded) product plus the bias: the same two roundings as matmul, then add.
    const bv = bias.buffer.host, bo = bias.offset;
    for (let r = 0; r < batch * m; r++) for (let j = 0; j < n; j++) out[r * n + j] += bv[bo + j];
  }
  return out;
}

/**
 * The `[rows, cols]` matrix at `offset` as a row-major array. `storedTransposed` says it is
 * stored as its transpose (row-major `[cols, rows]`), which costs one transposing copy. Written
 * into `into` when given; otherwise a view of `src` when no copy is needed.
 */
function asRowMajor(src: Storage, offset: number, rows: number, cols: number, storedTransposed: boolean, into?: Storage): Storage {
  if (!storedTransposed) {
    const view = src.subarray(offset, offset + rows * cols);
    if (into === undefined) return view;
    into.set(view);
    return into;
  }
  const out = into ?? allocate(dtypeOf(src), rows * cols);
  for (let r = 0; r < cols; r++) {
    const s = offset + r * rows;
    for (let c = 0; c < rows; c++) out[c * cols + r] = src[s + c];
  }
  return out;
}

/**
 * Rows [rowStart, rowEnd) of C = A·Btᵀ, A `[m,k]` and Bt `[n,k]` row-major: 4×4 blocks plus edges.
 * Self-contained (it closes over nothing), because worker threads run it from its source text.
 */
export function dotRows(A: Storage, ao: number, Bt: Storage, bo: number, k: number, n: number, C: Storage, co: number, rowStart: number, rowEnd: number): void {
  const m4 = rowStart + (rowEnd - rowStart) - ((rowEnd - rowStart) % 4);
  const n4 = n - (n % 4);
  for (let i = rowStart; i < m4; i += 4) {
    const a0 = ao + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
        const y0 = Bt[b0 + p], y1 = Bt[b1 + p], y2 = Bt[b2 + p], y3 = Bt[b3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = co + i * n + j;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; o += n;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; o += n;
      C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; o += n;
      C[o] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33;
    }
  }
  // Edges: the last (rows % 4) rows (all columns) and the last n % 4 columns of the blocked rows.
  for (let i = rowStart; i < rowEnd; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ao + i * k + p] * Bt[bo + j * k + p];
      C[co + i * n + j] = s;
    }
  }
}
