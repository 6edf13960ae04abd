import { allocate, dtypeOf, type Storage } from '../../dtype.js';
import type { MatmulOperand } from '../backend.js';

/**
 * Batched C = A·B with A `[m,k]`, B `[k,n]`. The loop order follows the memory layout so the
 * innermost loop always runs over contiguous memory:
 * - A·B   : C[i,:] += A[i,p]·B[p,:]      (i-p-j, rows of B streamed)
 * - A·Bᵀ  : C[i,j]  = A[i,:]·Bᵀ[j,:]     (row-by-row dot products)
 * - Aᵀ·B  : C[i,:] += Aᵀ[p,i]·B[p,:]     (p-i-j, outer products)
 * Each output row accumulates in float64 and is rounded once.
 */
export function matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number): Storage {
  const batch = a.offsets.length;
  const out = allocate(dtypeOf(a.storage), batch * m * n);
  const A = a.storage, B = b.storage;
  const acc = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = a.offsets[t], bo = b.offsets[t], co = t * m * n;
    if (!a.transposed && !b.transposed) {
      for (let i = 0; i < m; i++) {
        acc.fill(0);
        const arow = ao + i * k;
        for (let p = 0; p < k; p++) {
          const av = A[arow + p];
          if (av === 0) continue;
          const brow = bo + p * n;
          for (let j = 0; j < n; j++) acc[j] += av * B[brow + j];
        }
        out.set(acc, co + i * n);
      }
    } else if (!a.transposed && b.transposed) {
      for (let i = 0; i < m; i++) {
        const arow = ao + i * k;
        for (let j = 0; j < n; j++) {
          const brow = bo + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += A[arow + p] * B[brow + p];
          out[co + i * n + j] = s;
        }
      }
    } else if (a.transposed && !b.transposed) {
      const rows = new Float64Array(m * n);
      for (let p = 0; p < k; p++) {
        const arow = ao + p * m;
        const brow = bo + p * n;
        for (let i = 0; i < m; i++) {
          const av = A[arow + i];
          if (av === 0) continue;
          const r = i * n;
          for (let j = 0; j < n; j++) rows[r + j] += av * B[brow + j];
        }
      }
      out.set(rows, co);
    } else {
      // Aᵀ·Bᵀ = (B·A)ᵀ: C[i,j] = Σ_p Aᵀ[p,i]·Bᵀ[j,p].
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += A[ao + p * m + i] * B[bo + j * k + p];
          out[co + i * n + j] = s;
        }
      }
    }
  }
  return out;
}
