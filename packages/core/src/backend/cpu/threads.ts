/**
 * The CPU backend's matmul threads: the caller and the workers share one arena of memory (a
 * SharedArrayBuffer handed to each worker when it starts; when a product needs more, the pool is
 * restarted around a bigger arena). Operands are copied into the arena, rows of C are shared out
 * in chunks over the threads (`../threads.ts` runs them), and C is read out.
 */
import type { DType, Storage } from '../../dtype.js';
import { WorkerPool, unitsPerChunk } from '../threads.js';

export { getNumThreads, setNumThreads, threadsAvailable } from '../threads.js';

/** Computes rows [rowStart, rowEnd) of C = A·Btᵀ (A `[m,k]`, Bt `[n,k]`, C `[m,n]`, each at its offset). */
export type RowsKernel = (A: Storage, ao: number, Bt: Storage, bo: number, k: number, n: number, C: Storage, co: number, rowStart: number, rowEnd: number) => void;

/** Products needing a larger arena than this run on one thread. */
const ARENA_LIMIT = 2 ** 30;

let arena: SharedArrayBuffer | null = null;
/** One pool per kernel function (workers run the kernel from its source text). */
const pools = new Map<RowsKernel, WorkerPool>();

function poolFor(kernel: RowsKernel): WorkerPool {
  let pool = pools.get(kernel);
  if (pool === undefined) {
    // Job: [f64, ao, bo, k, n, co, m, rows per chunk] — offsets in elements of the arena.
    const setup = `(arena) => {
      const kernel = (${kernel.toString()});
      const f32 = new Float32Array(arena), f64 = new Float64Array(arena, 0, arena.byteLength >> 3);
      return (a, c) => {
        const mem = a[0] ? f64 : f32;
        kernel(mem, a[1], mem, a[2], a[3], a[4], mem, a[5], c * a[7], Math.min(a[6], (c + 1) * a[7]));
      };
    }`;
    pool = new WorkerPool(setup, () => arena);
    pools.set(kernel, pool);
  }
  return pool;
}

/** How many pool workers have started and take work (for tests and diagnostics). */
export function readyWorkers(): number {
  let n = 0;
  for (const p of pools.values()) n = Math.max(n, p.ready());
  return n;
}

/**
 * Views of the shared arena for A `[m,k]`, Bt `[n,k]` and C `[m,n]`, back to back (the arena
 * grows as needed); null when the product is too large for it. Copy the operands in, call
 * `parallelRows`, read C out.
 */
export function arenaViews(dtype: DType, m: number, k: number, n: number): { A: Storage; Bt: Storage; C: Storage } | null {
  const bytes = dtype === 'float64' ? 8 : 4;
  const needed = (m * k + n * k + m * n) * bytes;
  if (needed > ARENA_LIMIT) return null;
  if (arena === null || arena.byteLength < needed) {
    // Workers see only the arena they started with: restart the pools around a bigger one.
    for (const p of pools.values()) p.stop(0);
    arena = new SharedArrayBuffer(Math.min(ARENA_LIMIT, Math.max(needed, 2 * (arena?.byteLength ?? 0), 1 << 24)));
  }
  const view = (start: number, length: number): Storage =>
    bytes === 8 ? new Float64Array(arena!, start * 8, length) : new Float32Array(arena!, start * 4, length);
  return { A: view(0, m * k), Bt: view(m * k, n * k), C: view(m * k + n * k, m * n) };
}

/**
 * Computes C = A·Btᵀ for arena views from `arenaViews`, rows shared out in chunks (multiples of
 * 4 rows) over the pool and the calling thread; returns when all are done.
 */
export function parallelRows(kernel: RowsKernel, views: { A: Storage; Bt: Storage; C: Storage }, m: number, k: number, n: number): void {
  const { A, Bt, C } = views;
  const el = A.BYTES_PER_ELEMENT;
  const rows = 4 * unitsPerChunk(Math.ceil(m / 4));
  const args = [el === 8 ? 1 : 0, A.byteOffset / el, Bt.byteOffset / el, k, n, C.byteOffset / el, m, rows];
  poolFor(kernel).run(args, Math.ceil(m / rows), (_, c) => kernel(A, 0, Bt, 0, k, n, C, 0, c * rows, Math.min(m, (c + 1) * rows)));
}
