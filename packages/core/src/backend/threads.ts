/**
 * Worker threads for the kernels that split their work (matmul), shared by the backends (Node
 * only; elsewhere everything runs on the calling thread).
 *
 * A pool's workers each run one `setup` script: given the pool's `workerData` (shared memory, a
 * compiled WebAssembly module…) it returns the chunk function `(args, chunk) => void`. A job is a
 * few integers and a number of chunks, published in the pool's shared state block; the calling
 * thread and every worker then take chunks from one shared counter until none is left, so a
 * worker that wakes late (a sleeping virtual CPU can take a millisecond to wake) costs only the
 * chunks it did not take, never a whole share. Kernels stay synchronous, and no message is
 * exchanged after start-up. Every output element is computed by the same code whichever thread
 * takes its chunk: results do not depend on the number of threads or on who took what.
 */

import { ValueError } from '../errors.js';
import { describe } from '../shape.js';
type WorkerThreads = typeof import('node:worker_threads');

const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } }).process;
const workerThreads = nodeProcess?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
const os = nodeProcess?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;

// The pool's shared state (Int32 slots). JOB is a sequence lock: odd while the caller writes a
// job's arguments, even once they are complete. Chunks are numbered by tickets that only grow: a
// job owns tickets [BASE, END), taken one at a time from NEXT by compare-and-swap, so a worker
// holding a stale job's arguments can never take a ticket of a later job. FLAGS[c] becomes the
// job's number when chunk c is done, or its negation when the chunk threw. TAKEN counts the
// chunks workers have taken, ever. SLEEPING counts workers blocked (or about to block) in
// Atomics.wait on JOB, CALLER_WAITS is 1 while the calling thread blocks on COMPLETED: a notify
// is sent only when someone sleeps. Atomics.notify is not free even with no waiter (on Node 22 and
// 24 it took a tenth of a training step's main thread, called once per job and once per chunk);
// with sequentially consistent atomics the check cannot miss a sleeper: a thread increments the
// counter before it waits on a value, so either the notifier sees the count, or the sleeper's
// wait sees the new value and returns at once.
const JOB = 0, NEXT = 1, COMPLETED = 2, TAKEN = 3, SLEEPING = 4, CALLER_WAITS = 5, ARGS = 6, MAX_ARGS = 20, BASE = ARGS + MAX_ARGS, END = BASE + 1,
  FLAGS = END + 1;
/** The most chunks one job may have. */
export const MAX_CHUNKS = 256;
// A worker's own block: READY, set once it has started.
const READY = 0;
/** How long the caller waits for a worker's chunk before computing it itself. */
const WORKER_PATIENCE_MS = 10_000;
/**
 * How long a worker keeps polling for the next job before it sleeps: kernels come in quick
 * succession in a training step, and waking a sleeping thread costs tens to hundreds of
 * microseconds on a virtual machine.
 */
const SPIN_MS = 1;

const cores = (): number => (os ? os.availableParallelism() : 1);

/**
 * The most threads `setNumThreads` accepts: 4 per core (past that, threads only wait for each
 * other and each costs a worker's memory) and never more than a job's chunks (a thread past
 * that never gets work).
 */
export function maxThreads(): number {
  return Math.min(4 * cores(), MAX_CHUNKS);
}

/** `n` as a thread count, or a ValueError naming `op` and the allowed range. */
function checkThreads(op: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxThreads()) {
    throw new ValueError(op, `expected a whole number of threads from 1 to ${maxThreads()} (4 per core, ${cores()} cores here), got ${describe(n)}`);
  }
  return n;
}

/**
 * `TENSORGRAD_NUM_THREADS` when set, else one per core up to 4. A bad value is reported by the
 * first op (`getBackend` calls `checkThreadsEnv`) and by `getNumThreads`, not while the module
 * loads: an import must not throw (a CLI could not even print its help).
 */
let envError: ValueError | null = null;
function defaultThreads(): number {
  const raw = nodeProcess?.env?.TENSORGRAD_NUM_THREADS;
  if (raw !== undefined && raw !== '') {
    try {
      return checkThreads('TENSORGRAD_NUM_THREADS', /^\d+$/.test(raw.trim()) ? Number(raw) : raw);
    } catch (e) {
      envError = e as ValueError;
      return 1;
    }
  }
  return workerThreads && os ? Math.min(cores(), 4) : 1;
}

let numThreads = defaultThreads();
const pools = new Set<WorkerPool>();
let warned = false;

/** Threads used by the kernels that split their work, the calling thread included (like `torch.set_num_threads`). */
export function setNumThreads(n: number): void {
  checkThreads('setNumThreads', n);
  envError = null;
  numThreads = workerThreads ? n : 1;
  for (const p of pools) p.stop(numThreads - 1);
}

export function getNumThreads(): number {
  checkThreadsEnv();
  return numThreads;
}

/** Throws the ValueError of a bad `TENSORGRAD_NUM_THREADS`, until `setNumThreads` replaces it. */
export function checkThreadsEnv(): void {
  if (envError !== null) throw envError;
}

/** Whether pools would use more than the calling thread. */
export function threadsAvailable(): boolean {
  return getNumThreads() > 1 && workerThreads !== undefined;
}

interface PoolWorker {
  worker: import('node:worker_threads').Worker;
  ctrl: Int32Array;
}

/** A chunk function: runs chunk `chunk` of the job whose integers are `args`. */
export type ChunkFn = (args: ArrayLike<number>, chunk: number) => void;

export class WorkerPool {
  private workers: PoolWorker[] = [];
  private readonly state = new Int32Array(new SharedArrayBuffer((FLAGS + MAX_CHUNKS) * 4));
  private seq = 0;

  /**
   * @param setup source of a function `(workerData) => ChunkFn` (it closes over nothing: it runs
   *   from its text in each worker)
   * @param data what each worker starts with (read when a worker starts)
   */
  constructor(private readonly setup: string, private readonly data: () => unknown) {
    pools.add(this);
  }

  /** How many workers have started and take work. */
  ready(): number {
    return this.workers.filter((w) => Atomics.load(w.ctrl, READY) === 1).length;
  }

  /** How many chunks workers (not the calling thread) have taken since the pool was made (for tests). */
  chunksTakenByWorkers(): number {
    return Atomics.load(this.state, TAKEN);
  }

  /** Ends all workers past the first `keep` (all by default: the next `run` starts fresh ones). */
  stop(keep = 0): void {
    for (const w of this.workers.slice(keep)) void w.worker.terminate();
    this.workers = this.workers.slice(0, keep);
  }

  /**
   * Tells sleeping workers a job is coming (call it before the serial part of a kernel: copies,
   * packing), so they are awake and polling when `run` publishes it.
   */
  wake(): void {
    if (getNumThreads() < 2 || workerThreads === undefined) return;
    this.startWorkers();
    if (Atomics.load(this.state, SLEEPING) > 0) Atomics.notify(this.state, JOB);
  }

  /** Starts workers up to the thread count (they join jobs once they have started). */
  private startWorkers(): void {
    while (this.workers.length < getNumThreads() - 1) this.workers.push(this.spawn());
  }

  /**
   * Runs chunks 0…chunks−1 of one job (`local(args, c)` on this thread, the setup's chunk function
   * on workers), shared out through the counter; returns when all are done. A chunk that throws
   * in a worker, or that a worker does not finish in time, is computed here with the same code,
   * and the pool restarts. `meanwhile`, when given, runs once on this thread as soon as the job is
   * published (before this thread takes chunks): work of the caller's own that needs none of the
   * results, done while the workers compute.
   */
  run(args: readonly number[], chunks: number, local: ChunkFn, meanwhile?: () => void): void {
    if (args.length > MAX_ARGS || chunks > MAX_CHUNKS) throw new Error(`WorkerPool.run: at most ${MAX_ARGS} arguments and ${MAX_CHUNKS} chunks`);
    if (getNumThreads() < 2 || workerThreads === undefined || chunks < 2) {
      meanwhile?.();
      for (let c = 0; c < chunks; c++) local(args, c);
      return;
    }
    // No wake-up here: publishing the job below notifies the sleeping workers itself.
    this.startWorkers();
    const st = this.state;
    // Publish: odd while writing, then the new even job number (never 0, so −seq marks failure).
    this.seq = this.seq >= 0x3ffffffc ? 2 : this.seq + 2;
    const seq = this.seq;
    let base = Atomics.load(st, NEXT);
    if (base + chunks > 0x3fffffff) {
      base = 0;
      Atomics.store(st, NEXT, 0);
    }
    Atomics.store(st, JOB, seq - 1);
    for (let i = 0; i < args.length; i++) st[ARGS + i] = args[i];
    st[BASE] = base;
    st[END] = base + chunks;
    Atomics.store(st, JOB, seq);
    if (Atomics.load(st, SLEEPING) > 0) Atomics.notify(st, JOB);
    meanwhile?.();
    takeChunks(st, seq, base, base + chunks, args, local);
    // Wait for the chunks workers took: poll briefly (they are usually about to finish), then sleep.
    const spinUntil = performance.now() + SPIN_MS;
    const deadline = performance.now() + WORKER_PATIENCE_MS;
    let redo = false;
    for (let c = 0; c < chunks; c++) {
      for (;;) {
        const done = Atomics.load(st, COMPLETED);
        const flag = Atomics.load(st, FLAGS + c);
        if (flag === seq) break;
        const now = performance.now();
        if (flag === -seq || now > deadline) {
          local(args, c);
          redo = true;
          break;
        }
        if (now > spinUntil) {
          Atomics.store(st, CALLER_WAITS, 1);
          Atomics.wait(st, COMPLETED, done, 5);
          Atomics.store(st, CALLER_WAITS, 0);
        } else pause();
      }
    }
    if (redo) {
      // Retire the workers, so a late write from one can never land in a later result.
      this.stop(0);
      if (!warned) {
        warned = true;
        console.warn(`tensorgrad: a worker thread failed or did not answer within ${WORKER_PATIENCE_MS / 1000} s; its share was computed on the calling thread and the pool restarted`);
      }
    }
  }

  private spawn(): PoolWorker {
    const ctrl = new Int32Array(new SharedArrayBuffer(4));
    const source = `
      const { workerData } = require('node:worker_threads');
      const { ctrl, state, data } = workerData;
      const job = (${this.setup})(data);
      const NEXT = ${NEXT}, COMPLETED = ${COMPLETED}, FLAGS = ${FLAGS}, CALLER_WAITS = ${CALLER_WAITS};
      const takeChunks = (${takeChunks.toString()});
      const args = new Int32Array(${MAX_ARGS});
      let seen = Atomics.load(state, ${JOB});
      Atomics.store(ctrl, ${READY}, 1);
      for (;;) {
        // Poll for ${SPIN_MS} ms after a job or a wake-up, then sleep; re-check every 50 ms as
        // well as on notify (a missed wake-up costs 50 ms, never a hang).
        let until = performance.now() + ${SPIN_MS};
        while (Atomics.load(state, ${JOB}) === seen) {
          if (performance.now() < until) {
            if (typeof Atomics.pause === 'function') Atomics.pause();
            continue;
          }
          Atomics.add(state, ${SLEEPING}, 1);
          const woke = Atomics.wait(state, ${JOB}, seen, 50) === 'ok';
          Atomics.sub(state, ${SLEEPING}, 1);
          if (woke) until = performance.now() + ${SPIN_MS};
        }
        // Read the job under the sequence lock: an even number, unchanged across the read.
        let s;
        for (;;) {
          s = Atomics.load(state, ${JOB});
          if (s & 1) continue;
          for (let i = 0; i < ${MAX_ARGS}; i++) args[i] = state[${ARGS} + i];
          const base = state[${BASE}], end = state[${END}];
          if (Atomics.load(state, ${JOB}) !== s) continue;
          seen = s;
          Atomics.add(state, ${TAKEN}, takeChunks(state, s, base, end, args, job));
          break;
        }
      }`;
    const worker = new workerThreads!.Worker(source, { eval: true, workerData: { ctrl, state: this.state, data: this.data() } });
    worker.unref();
    return { worker, ctrl };
  }
}

/** A hint to the CPU inside a spin loop (`Atomics.pause`, Node 22.10+/V8 13), where it exists. */
const atomicsPause = (Atomics as { pause?: () => void }).pause;
function pause(): void {
  atomicsPause?.call(Atomics);
}

/**
 * Takes tickets [base, end) of job `seq` from the shared counter and runs their chunks; marks each
 * chunk done (or failed) and wakes the caller. Returns how many it took. Workers run it from its
 * text, with the slot constants it names defined beside it.
 */
function takeChunks(st: Int32Array, seq: number, base: number, end: number, args: ArrayLike<number>, job: ChunkFn): number {
  for (let taken = 0; ; taken++) {
    let t = Atomics.load(st, NEXT);
    while (t >= base && t < end && Atomics.compareExchange(st, NEXT, t, t + 1) !== t) t = Atomics.load(st, NEXT);
    if (t < base || t >= end) return taken;
    let ok = true;
    try {
      job(args, t - base);
    } catch {
      ok = false;
    }
    Atomics.store(st, FLAGS + t - base, ok ? seq : -seq);
    Atomics.add(st, COMPLETED, 1);
    if (Atomics.load(st, CALLER_WAITS) === 1) Atomics.notify(st, COMPLETED);
  }
}

/**
 * How many units of work (row quads, column panels…) go in one chunk when `units` are shared out
 * over the threads: about 8 chunks per thread, so a thread that starts late leaves only a small
 * tail, while each chunk stays large next to the cost of taking it.
 */
export function unitsPerChunk(units: number, threads = getNumThreads()): number {
  return Math.max(1, Math.ceil(units / Math.min(MAX_CHUNKS, 8 * threads)));
}
