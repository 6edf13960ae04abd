/**
 * A small pool of worker threads for the CPU backend's matmul (Node only). Work is handed over
 * through shared memory and waited for with `Atomics.wait`, so kernels stay synchronous: the
 * calling thread computes its own share of the rows, then blocks until the workers finish theirs.
 * Results do not depend on the number of threads: every output element is computed by the same code.
 */
import type { Storage } from '../../dtype.js';

type WorkerThreads = typeof import('node:worker_threads');

interface PoolWorker {
  worker: import('node:worker_threads').Worker;
  port: import('node:worker_threads').MessagePort;
  /** [0]: jobs posted (the caller bumps it), [1]: jobs finished (the worker bumps it), [2]: 1 if the last job failed. */
  ctrl: Int32Array;
  posted: number;
}

/** Computes rows [rowStart, rowEnd) of C = A·Btᵀ (A `[m,k]`, Bt `[n,k]`, C `[m,n]`, all at offset 0). */
export type RowsKernel = (A: Storage, Bt: Storage, k: number, n: number, C: Storage, rowStart: number, rowEnd: number) => void;

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

/** Threads used by the CPU backend's matmul, the calling thread included (like `torch.set_num_threads`). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = workerThreads ? n : 1;
  for (const w of pool.slice(numThreads - 1)) void w.worker.terminate();
  pool = pool.slice(0, numThreads - 1);
}

export function getNumThreads(): number {
  return numThreads;
}

function spawn(kernel: RowsKernel): PoolWorker {
  const wt = workerThreads!;
  const ctrl = new Int32Array(new SharedArrayBuffer(12));
  const { port1, port2 } = new wt.MessageChannel();
  // The worker runs the very same kernel function, sent as source (it closes over nothing).
  const source = `
    const { workerData, receiveMessageOnPort } = require('node:worker_threads');
    const kernel = (${kernel.toString()});
    const { ctrl, port } = workerData;
    let seen = 0;
    for (;;) {
      Atomics.wait(ctrl, 0, seen);
      seen = Atomics.load(ctrl, 0);
      try {
        // A message posted while the port was still being handed over can arrive a moment
        // after the signal: poll for it (1 ms naps) rather than assume it is there.
        let received;
        for (let tries = 0; (received = receiveMessageOnPort(port)) === undefined; tries++) {
          if (tries > 60000) throw new Error('no job message');
          Atomics.wait(ctrl, 2, Atomics.load(ctrl, 2), 1);
        }
        const job = received.message;
        kernel(job.A, job.Bt, job.k, job.n, job.C, job.rowStart, job.rowEnd);
        Atomics.store(ctrl, 2, 0);
      } catch (e) {
        Atomics.store(ctrl, 2, 1);
      }
      Atomics.store(ctrl, 1, seen);
      Atomics.notify(ctrl, 1);
    }`;
  const worker = new wt.Worker(source, { eval: true, workerData: { ctrl, port: port2 }, transferList: [port2] });
  worker.unref();
  return { worker, port: port1, ctrl, posted: 0 };
}

/** Whether `parallelRows` would use more than the calling thread. */
export function threadsAvailable(): boolean {
  return numThreads > 1 && workerThreads !== undefined;
}

/** Storage whose memory workers can see. */
export function sharedLike(src: Storage, length: number): Storage {
  const bytes = src.BYTES_PER_ELEMENT * length;
  return src instanceof Float64Array ? new Float64Array(new SharedArrayBuffer(bytes)) : new Float32Array(new SharedArrayBuffer(bytes));
}

/**
 * Splits rows [0, m) into bands (multiples of 4) over the pool and the calling thread, and
 * returns once all are done. A, Bt and C must be backed by SharedArrayBuffers.
 */
export function parallelRows(kernel: RowsKernel, A: Storage, Bt: Storage, C: Storage, m: number, k: number, n: number): void {
  const parts = Math.min(numThreads, Math.ceil(m / 4));
  while (pool.length < parts - 1) pool.push(spawn(kernel));
  const band = Math.ceil(m / parts / 4) * 4;
  const busy: PoolWorker[] = [];
  for (let p = 1; p < parts && p * band < m; p++) {
    const w = pool[p - 1];
    w.port.postMessage({ A, Bt, C, k, n, rowStart: p * band, rowEnd: Math.min(m, (p + 1) * band) });
    w.posted++;
    Atomics.store(w.ctrl, 0, w.posted);
    Atomics.notify(w.ctrl, 0);
    busy.push(w);
  }
  kernel(A, Bt, k, n, C, 0, Math.min(m, band));
  for (const w of busy) {
    while (Atomics.load(w.ctrl, 1) !== w.posted) {
      if (Atomics.wait(w.ctrl, 1, Atomics.load(w.ctrl, 1), 120_000) === 'timed-out') throw new Error('matmul: a worker thread did not answer within 120 s');
    }
    if (Atomics.load(w.ctrl, 2) !== 0) throw new Error('matmul: a worker thread failed');
  }
}
