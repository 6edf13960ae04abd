/**
 * Worker threads for the kernels that split their work (matmul rows), shared by the backends
 * (Node only; elsewhere everything runs on the calling thread).
 *
 * A pool's workers each run one `setup` script: given the pool's `workerData` (shared memory, a
 * compiled WebAssembly module…) it returns the job function. A job is a few integers written into
 * the worker's control block (a SharedArrayBuffer), then a bump of its job counter with
 * `Atomics.notify`; the caller runs its own share and then blocks in `Atomics.wait` until every
 * worker has bumped its done counter. Kernels therefore stay synchronous, and no message is ever
 * exchanged after start-up. Work is split so that every output element is computed by the same
 * code whatever thread runs it: results do not depend on the number of threads.
 */

type WorkerThreads = typeof import('node:worker_threads');

const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } }).process;
const workerThreads = nodeProcess?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
const os = nodeProcess?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;

// Control block layout (Int32 slots); a job's integers follow from ARGS.
const POSTED = 0, DONE = 1, FAILED = 2, READY = 3, ARGS = 4, MAX_ARGS = 12;
/** How long the caller waits for a worker's share before computing it itself. */
const WORKER_PATIENCE_MS = 10_000;

function defaultThreads(): number {
  const env = Number(nodeProcess?.env?.TENSORGRAD_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return workerThreads && os ? Math.min(os.availableParallelism(), 4) : 1;
}

let numThreads = defaultThreads();
const pools = new Set<WorkerPool>();
let warned = false;

/** Threads used by the kernels that split their work, the calling thread included (like `torch.set_num_threads`). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = workerThreads ? n : 1;
  for (const p of pools) p.stop(numThreads - 1);
}

export function getNumThreads(): number {
  return numThreads;
}

/** Whether pools would use more than the calling thread. */
export function threadsAvailable(): boolean {
  return numThreads > 1 && workerThreads !== undefined;
}

interface PoolWorker {
  worker: import('node:worker_threads').Worker;
  ctrl: Int32Array;
  posted: number;
}

export class WorkerPool {
  private workers: PoolWorker[] = [];

  /**
   * @param setup source of a function `(workerData) => (args: Int32Array) => void` (it closes over
   *   nothing: it runs from its text in each worker)
   * @param data what each worker starts with (read when a worker starts)
   */
  constructor(private readonly setup: string, private readonly data: () => unknown) {
    pools.add(this);
  }

  /** How many workers have started and take work. */
  ready(): number {
    return this.workers.filter((w) => Atomics.load(w.ctrl, READY) === 1).length;
  }

  /** Ends all workers past the first `keep` (all by default: the next `run` starts fresh ones). */
  stop(keep = 0): void {
    for (const w of this.workers.slice(keep)) void w.worker.terminate();
    this.workers = this.workers.slice(0, keep);
  }

  /**
   * Runs `jobs[0]` on the calling thread and the others on workers that are ready (a job no
   * ready worker takes runs on the calling thread too); returns when all are done. A worker that
   * fails or does not answer has its job run here with the same code, and the pool restarts.
   */
  run(jobs: readonly (readonly number[])[], local: (args: readonly number[]) => void): void {
    while (this.workers.length < numThreads - 1) this.workers.push(this.spawn());
    const ready = this.workers.filter((w) => Atomics.load(w.ctrl, READY) === 1);
    const busy: { w: PoolWorker; job: readonly number[] }[] = [];
    const mine = [jobs[0]];
    for (let j = 1; j < jobs.length; j++) {
      const w = ready[j - 1];
      if (w === undefined) {
        mine.push(jobs[j]);
        continue;
      }
      w.ctrl.set(jobs[j], ARGS);
      w.posted++;
      Atomics.store(w.ctrl, POSTED, w.posted);
      Atomics.notify(w.ctrl, POSTED);
      busy.push({ w, job: jobs[j] });
    }
    for (const job of mine) local(job);
    let abandoned = false;
    for (const { w, job } of busy) {
      const deadline = performance.now() + WORKER_PATIENCE_MS;
      while (Atomics.load(w.ctrl, DONE) !== w.posted && performance.now() < deadline) {
        Atomics.wait(w.ctrl, DONE, Atomics.load(w.ctrl, DONE), 50);
      }
      if (Atomics.load(w.ctrl, DONE) === w.posted && Atomics.load(w.ctrl, FAILED) === 0) continue;
      local(job);
      abandoned = true;
    }
    if (abandoned) {
      // Retire the workers, so a late write from one can never land in a later result.
      this.stop(0);
      if (!warned) {
        warned = true;
        console.warn(`tensorgrad: a worker thread did not answer within ${WORKER_PATIENCE_MS / 1000} s; its share was computed on the calling thread and the pool restarted`);
      }
    }
  }

  private spawn(): PoolWorker {
    const ctrl = new Int32Array(new SharedArrayBuffer((ARGS + MAX_ARGS) * 4));
    const source = `
      const { workerData } = require('node:worker_threads');
      const { ctrl, data } = workerData;
      const job = (${this.setup})(data);
      const args = ctrl.subarray(${ARGS});
      let seen = 0;
      Atomics.store(ctrl, ${READY}, 1);
      for (;;) {
        // Re-check every 50 ms as well as on notify: a missed wake-up costs 50 ms, never a hang.
        while (Atomics.load(ctrl, ${POSTED}) === seen) Atomics.wait(ctrl, ${POSTED}, seen, 50);
        seen = Atomics.load(ctrl, ${POSTED});
        try {
          job(args);
          Atomics.store(ctrl, ${FAILED}, 0);
        } catch (e) {
          Atomics.store(ctrl, ${FAILED}, 1);
        }
        Atomics.store(ctrl, ${DONE}, seen);
        Atomics.notify(ctrl, ${DONE});
      }`;
    const worker = new workerThreads!.Worker(source, { eval: true, workerData: { ctrl, data: this.data() } });
    worker.unref();
    return { worker, ctrl, posted: 0 };
  }
}

/**
 * Splits `rows` into at most `numThreads` bands whose bounds are multiples of `quantum` (so a
 * kernel's row blocks fall the same way for any thread count); returns [start, end) pairs.
 */
export function rowBands(rows: number, quantum: number, workers = numThreads): [number, number][] {
  const parts = Math.max(1, Math.min(workers, Math.ceil(rows / quantum)));
  const band = Math.ceil(rows / parts / quantum) * quantum;
  const bands: [number, number][] = [];
  for (let s = 0; s < rows; s += band) bands.push([s, Math.min(rows, s + band)]);
  return bands;
}
