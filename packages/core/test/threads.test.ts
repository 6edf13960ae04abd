// The matmul worker pool's fallback: a worker that fails (or never answers) must not change results.
import { expect, test, vi } from 'vitest';
import { arenaViews, getNumThreads, parallelRows, readyWorkers, setNumThreads } from '../src/backend/cpu/threads.js';
import type { Storage } from '../src/dtype.js';

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
