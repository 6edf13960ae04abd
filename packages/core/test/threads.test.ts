// The matmul worker pool's fallback: a worker that fails (or never answers) must not change results.
import { expect, test, vi } from 'vitest';
import { arenaViews, getNumThreads, parallelRows, readyWorkers, setNumThreads } from '../src/backend/cpu/threads.js';
import type { Storage } from '../src/dtype.js';
import { WorkerPool } from '../src/backend/threads.js';

/**
 * Writes C[i, j] = i·n + j — but throws when it runs inside a worker thread. Once the test has
 * armed it (a worker is up), the calling thread holds its first chunk until a worker has taken
 * one, so the worker always gets a chunk to fail on, however fast the calling thread is. The
 * flags are the last two words of the shared arena: [armed, a worker started].
 */
function failsInWorkers(_A: Storage, _ao: number, _Bt: Storage, _bo: number, _k: number, n: number, C: Storage, co: number, r0: number, r1: number): void {
  const flags = new Int32Array(C.buffer, C.buffer.byteLength - 8, 2);
  // `workerData` is a variable of the worker's script, and undefined on the calling thread.
  if (typeof workerData !== 'undefined') {
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    throw new Error('boom');
  }
  if (r0 === 0 && Atomics.load(flags, 0) === 1) Atomics.wait(flags, 1, 0, 5000);
  for (let i = r0; i < r1; i++) for (let j = 0; j < n; j++) C[co + i * n + j] = i * n + j;
}
declare const workerData: unknown;

test('rows of a failing worker are computed on the calling thread; the result is complete', async () => {
  const before = getNumThreads();
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    setNumThreads(2);
    const [m, k, n] = [64, 8, 5];
    // The pool starts asynchronously: call until a worker has joined (and failed) at least once.
    for (let attempt = 0; attempt < 500 && warn.mock.calls.length === 0; attempt++) {
      const views = arenaViews('float32', m, k, n)!;
      views.C.fill(-1);
      new Int32Array(views.C.buffer, views.C.buffer.byteLength - 8, 2).set([readyWorkers() > 0 ? 1 : 0, 0]);
      parallelRows(failsInWorkers, views, m, k, n);
      expect(Array.from(views.C)).toEqual(Array.from({ length: m * n }, (_, i) => i));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/computed on the calling thread/));
  } finally {
    warn.mockRestore();
    setNumThreads(before);
  }
});

test("run()'s meanwhile runs once on the calling thread, while workers already compute (and without threads too)", async () => {
  const before = getNumThreads();
  // [a worker finished a chunk, times each chunk ran × 32]
  const shared = new Int32Array(new SharedArrayBuffer(4 * 33));
  const pool = new WorkerPool(
    `({ shared }) => (args, c) => { Atomics.add(shared, 1 + c, 1); Atomics.store(shared, 0, 1); Atomics.notify(shared, 0); }`,
    () => ({ shared }),
  );
  const local = (_args: ArrayLike<number>, c: number): void => void Atomics.add(shared, 1 + c, 1);
  try {
    setNumThreads(2);
    pool.wake();
    for (let i = 0; i < 1000 && pool.ready() < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.ready()).toBe(1);
    let calls = 0;
    pool.run([0], 32, local, () => {
      calls++;
      // The job is already published: a worker takes a chunk while this thread is still here.
      Atomics.wait(shared, 0, 0, 10_000);
      expect(Atomics.load(shared, 0), 'no worker computed while meanwhile ran').toBe(1);
    });
    expect(calls).toBe(1);
    expect(Array.from(shared.subarray(1))).toEqual(Array(32).fill(1));
    setNumThreads(1);
    pool.run([0], 32, local, () => calls++);
    expect(calls).toBe(2);
    expect(Array.from(shared.subarray(1))).toEqual(Array(32).fill(2));
  } finally {
    pool.stop();
    setNumThreads(before);
  }
});
