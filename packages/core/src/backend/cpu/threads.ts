/**
 * A small pool of worker threads for the CPU backend's matmul (Node only).
 *
 * The caller and the workers share one growable arena of memory (a SharedArrayBuffer) and a
 * small control block of integers. A job is a few integers written into the control block
 * (where A, Bt and C sit in the arena, and which rows to compute), then a bump of the job counter
 * with `Atomics.notify`; the caller computes its own band of rows and then blocks in
 * `Atomics.wait` until every worker has bumped its done counter. Kernels therefore stay
 * synchronous. Messages are only used to hand over a new arena when it has to grow.
 * Results do not depend on the number of threads: every output element is computed by the same code.
 */
import type { DType, Storage } from '../../dtype.js';

type WorkerThreads = typeof import('node:worker_threads');

/** Computes rows [rowStart, rowEnd) of C = A·Btᵀ (A `[m,k]`, Bt `[n,k]`, C `[m,n]`, each at its offset). */
export type RowsKernel = (A: Storage, ao: number, Bt: Storage, bo: number, k: number, n: number, C: Storage, co: number, rowStart: number, rowEnd: number) => void;

// Control block layout (Int32 slots).
const POSTED = 0, DONE = 1, FAILED = 2, GENERATION = 3, F64 = 4, K = 5, N = 6, ROW0 = 7, ROW1 = 8, AO = 9, BO = 10, CO = 11;

interface PoolWorker {
  worker: import('node:worker_threads').Worker;
  port: import('node:worker_threads').MessagePort;
  ctrl: Int32Array;
  posted: number;
  generation: number;
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
let arena = new SharedArrayBuffer(0);
let generation = 0;

/** Threads used by the CPU backend's matmul, the calling thread included (like `torch.set_num_threads`). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = workerThreads ? n : 1;
  for (const w of pool.slice(Math.max(0, numThreads - 1))) void w.worker.terminate();
  pool = pool.slice(0, Math.max(0, numThreads - 1));
}

export function getNumThreads(): number {
  return numThreads;
}

/** Whether `parallelRows` would use more than the calling thread. */
export function threadsAvailable(): boolean {
  return numThreads > 1 && workerThreads !== undefined;
}

function spawn(kernel: RowsKernel): PoolWorker {
  const wt = workerThreads!;
  const ctrl = new Int32Array(new SharedArrayBuffer(16 * 4));
  const { port1, port2 } = new wt.MessageChannel();
  // The worker runs the very same kernel function, sent as source (it closes over nothing).
  const source = `
    const { workerData, receiveMessageOnPort } = require('node:worker_threads');
    const kernel = (${kernel.toString()});
    const { ctrl, port } = workerData;
    let seen = 0, generation = -1, f32 = null, f64 = null;
    for (;;) {
      Atomics.wait(ctrl, ${POSTED}, seen);
      seen = Atomics.load(ctrl, ${POSTED});
      try {
        while (generation !== Atomics.load(ctrl, ${GENERATION})) {
          // A new arena is on its way: the message may land a moment after the signal.
          const got = receiveMessageOnPort(port);
          if (got === undefined) { Atomics.wait(ctrl, ${FAILED}, Atomics.load(ctrl, ${FAILED}), 1); continue; }
          generation = got.message.generation;
          f32 = new Float32Array(got.message.arena);
          f64 = new Float64Array(got.message.arena);
        }
        const mem = ctrl[${F64}] ? f64 : f32;
        kernel(mem, ctrl[${AO}], mem, ctrl[${BO}], ctrl[${K}], ctrl[${N}], mem, ctrl[${CO}], ctrl[${ROW0}], ctrl[${ROW1}]);
        Atomics.store(ctrl, ${FAILED}, 0);
      } catch (e) {
        Atomics.store(ctrl, ${FAILED}, 1);
      }
      Atomics.store(ctrl, ${DONE}, seen);
      Atomics.notify(ctrl, ${DONE});
    }`;
  const worker = new wt.Worker(source, { eval: true, workerData: { ctrl, port: port2 }, transferList: [port2] });
  worker.unref();
  return { worker, port: port1, ctrl, posted: 0, generation: -1 };
}

/**
 * Views of the shared arena for A `[m,k]`, Bt `[n,k]` and C `[m,n]`, back to back (grown when
 * too small). Copy the operands in, call `parallelRows`, read C out.
 */
export function arenaViews(dtype: DType, m: number, k: number, n: number): { A: Storage; Bt: Storage; C: Storage } {
  const bytes = dtype === 'float64' ? 8 : 4;
  const elements = m * k + n * k + m * n;
  if (arena.byteLength < elements * bytes) {
    arena = new SharedArrayBuffer(Math.max(elements * bytes, 2 * arena.byteLength));
    generation++;
  }
  const view = (start: number, length: number): Storage =>
    bytes === 8 ? new Float64Array(arena, start * 8, length) : new Float32Array(arena, start * 4, length);
  return { A: view(0, m * k), Bt: view(m * k, n * k), C: view(m * k + n * k, m * n) };
}

/**
 * Computes C = A·Btᵀ for arena views from `arenaViews`, rows split into bands (multiples of 4)
 * over the pool and the calling thread; returns when all bands are done.
 */
export function parallelRows(kernel: RowsKernel, views: { A: Storage; Bt: Storage; C: Storage }, m: number, k: number, n: number): void {
  const { A, Bt, C } = views;
  const el = A.BYTES_PER_ELEMENT;
  const parts = Math.min(numThreads, Math.ceil(m / 4));
  while (pool.length < parts - 1) pool.push(spawn(kernel));
  const band = Math.ceil(m / parts / 4) * 4;
  const busy: PoolWorker[] = [];
  for (let p = 1; p < parts && p * band < m; p++) {
    const w = pool[p - 1];
    if (w.generation !== generation) {
      w.port.postMessage({ arena, generation });
      w.generation = generation;
    }
    const c = w.ctrl;
    c[GENERATION] = generation;
    c[F64] = el === 8 ? 1 : 0;
    c[K] = k;
    c[N] = n;
    c[ROW0] = p * band;
    c[ROW1] = Math.min(m, (p + 1) * band);
    c[AO] = A.byteOffset / el;
    c[BO] = Bt.byteOffset / el;
    c[CO] = C.byteOffset / el;
    w.posted++;
    Atomics.store(c, POSTED, w.posted);
    Atomics.notify(c, POSTED);
    busy.push(w);
  }
  kernel(A, 0, Bt, 0, k, n, C, 0, 0, Math.min(m, band));
  for (const w of busy) {
    while (Atomics.load(w.ctrl, DONE) !== w.posted) {
      if (Atomics.wait(w.ctrl, DONE, Atomics.load(w.ctrl, DONE), 120_000) === 'timed-out') {
        throw new Error('matmul: a worker thread did not answer within 120 s');
      }
    }
    if (Atomics.load(w.ctrl, FAILED) !== 0) throw new Error('matmul: a worker thread failed');
  }
}
