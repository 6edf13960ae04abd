/**
 * A small pool of worker threads for the CPU backend's matmul (Node only).
 *
 * The caller and the workers share one arena of memory (a SharedArrayBuffer handed to each worker
 * when it starts; when a product needs more, the pool is restarted with a bigger arena, so no
 * messages are ever exchanged) and a small control block of integers per worker. A job
 * is a few integers written into the control block (where A, Bt and C sit in the arena, and which
 * rows to compute), then a bump of the job counter with `Atomics.notify`; the caller computes its
 * own band of rows and then blocks in `Atomics.wait` until every worker has bumped its done
 * counter. Kernels therefore stay synchronous.
 * Results do not depend on the number of threads: every output element is computed by the same code.
 */
import type { DType, Storage } from '../../dtype.js';

type WorkerThreads = typeof import('node:worker_threads');

/** Computes rows [rowStart, rowEnd) of C = A·Btᵀ (A `[m,k]`, Bt `[n,k]`, C `[m,n]`, each at its offset). */
export type RowsKernel = (A: Storage, ao: number, Bt: Storage, bo: number, k: number, n: number, C: Storage, co: number, rowStart: number, rowEnd: number) => void;

// Control block layout (Int32 slots).
const POSTED = 0, DONE = 1, FAILED = 2, F64 = 3, K = 4, N = 5, ROW0 = 6, ROW1 = 7, AO = 8, BO = 9, CO = 10, READY = 11;
/** Products needing a larger arena than this run on one thread. */
const ARENA_LIMIT = 2 ** 30;

interface PoolWorker {
  worker: import('node:worker_threads').Worker;
  ctrl: Int32Array;
  posted: number;
}

const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } }).process;
const workerThreads = nodeProcess?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
const os = nodeProcess?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;

function defaultThreads(): number {
  const env = Number(nodeProcess?.env?.TENSORGRAD_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return workerThreads && os ? Math.min(os.availableParallelism(), 4) : 1;
}

let numThreads = defaultThreads();
let pool: PoolWorker[] = [];
let arena: SharedArrayBuffer | null = null;
let warned = false;
/** How long the caller waits for a worker's rows before computing them itself. */
const WORKER_PATIENCE_MS = 10_000;

/** Threads used by the CPU backend's matmul, the calling thread included (like `torch.set_num_threads`). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = workerThreads ? n : 1;
  stopWorkers(Math.max(0, numThreads - 1));
}

/** Ends all workers past the first `keep`. */
function stopWorkers(keep: number): void {
  for (const w of pool.slice(keep)) void w.worker.terminate();
  pool = pool.slice(0, keep);
}

export function getNumThreads(): number {
  return numThreads;
}

/** How many pool workers have started and take work (for tests and diagnostics). */
export function readyWorkers(): number {
  return pool.filter((w) => Atomics.load(w.ctrl, READY) === 1).length;
}

/** Whether `parallelRows` would use more than the calling thread. */
export function threadsAvailable(): boolean {
  return numThreads > 1 && workerThreads !== undefined;
}

function spawn(kernel: RowsKernel, shared: SharedArrayBuffer): PoolWorker {
  const ctrl = new Int32Array(new SharedArrayBuffer(16 * 4));
  // The worker runs the very same kernel function, sent as source (it closes over nothing).
  const source = `
    const { workerData } = require('node:worker_threads');
    const kernel = (${kernel.toString()});
    const { ctrl, arena } = workerData;
    const f32 = new Float32Array(arena), f64 = new Float64Array(arena, 0, arena.byteLength >> 3);
    let seen = 0;
    Atomics.store(ctrl, ${READY}, 1);
    for (;;) {
      // Re-check every 50 ms as well as on notify: a missed wake-up costs 50 ms, never a hang.
      while (Atomics.load(ctrl, ${POSTED}) === seen) Atomics.wait(ctrl, ${POSTED}, seen, 50);
      seen = Atomics.load(ctrl, ${POSTED});
      try {
        const mem = ctrl[${F64}] ? f64 : f32;
        kernel(mem, ctrl[${AO}], mem, ctrl[${BO}], ctrl[${K}], ctrl[${N}], mem, ctrl[${CO}], ctrl[${ROW0}], ctrl[${ROW1}]);
        Atomics.store(ctrl, ${FAILED}, 0);
      } catch (e) {
        Atomics.store(ctrl, ${FAILED}, 1);
      }
      Atomics.store(ctrl, ${DONE}, seen);
      Atomics.notify(ctrl, ${DONE});
    }`;
  const worker = new workerThreads!.Worker(source, { eval: true, workerData: { ctrl, arena: shared } });
  worker.unref();
  return { worker, ctrl, posted: 0 };
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
    // Workers see only the arena they started with: restart the pool around a bigger one.
    stopWorkers(0);
    arena = new SharedArrayBuffer(Math.min(ARENA_LIMIT, Math.max(needed, 2 * (arena?.byteLength ?? 0), 1 << 24)));
  }
  const view = (start: number, length: number): Storage =>
    bytes === 8 ? new Float64Array(arena!, start * 8, length) : new Float32Array(arena!, start * 4, length);
  return { A: view(0, m * k), Bt: view(m * k, n * k), C: view(m * k + n * k, m * n) };
}

/**
 * Computes C = A·Btᵀ for arena views from `arenaViews`, rows split into bands (multiples of 4)
 * over the pool and the calling thread; returns when all bands are done.
 */
export function parallelRows(kernel: RowsKernel, views: { A: Storage; Bt: Storage; C: Storage }, m: number, k: number, n: number): void {
  const { A, Bt, C } = views;
  const el = A.BYTES_PER_ELEMENT;
  while (pool.length < numThreads - 1) pool.push(spawn(kernel, arena!));
  // Only workers that have started take a share: a thread still starting up is never waited for
  // (until then the caller does its rows).
  const ready = pool.filter((w) => Atomics.load(w.ctrl, READY) === 1);
  const parts = Math.min(ready.length + 1, Math.ceil(m / 4));
  const band = Math.ceil(m / parts / 4) * 4;
  const busy: { w: PoolWorker; rows: [number, number] }[] = [];
  for (let p = 1; p < parts && p * band < m; p++) {
    const w = ready[p - 1];
    const rows: [number, number] = [p * band, Math.min(m, (p + 1) * band)];
    const c = w.ctrl;
    c[F64] = el === 8 ? 1 : 0;
    c[K] = k;
    c[N] = n;
    [c[ROW0], c[ROW1]] = rows;
    c[AO] = A.byteOffset / el;
    c[BO] = Bt.byteOffset / el;
    c[CO] = C.byteOffset / el;
    w.posted++;
    Atomics.store(c, POSTED, w.posted);
    Atomics.notify(c, POSTED);
    busy.push({ w, rows });
  }
  kernel(A, 0, Bt, 0, k, n, C, 0, 0, Math.min(m, band));
  let abandoned = false;
  for (const { w, rows } of busy) {
    const deadline = performance.now() + WORKER_PATIENCE_MS;
    while (Atomics.load(w.ctrl, DONE) !== w.posted && performance.now() < deadline) {
      Atomics.wait(w.ctrl, DONE, Atomics.load(w.ctrl, DONE), 50);
    }
    if (Atomics.load(w.ctrl, DONE) === w.posted && Atomics.load(w.ctrl, FAILED) === 0) continue;
    // A worker that fails or does not answer: do its rows here (same code, same numbers), and
    // retire the pool and its arena, so a late write from it can never land in a later product.
    kernel(A, 0, Bt, 0, k, n, C, 0, rows[0], rows[1]);
    abandoned = true;
  }
  if (abandoned) {
    stopWorkers(0);
    arena = null;
    if (!warned) {
      warned = true;
      console.warn(`tensorgrad: a matmul worker thread did not answer within ${WORKER_PATIENCE_MS / 1000} s; its rows were computed on the calling thread and the pool restarted`);
    }
  }
}
