/**
 * The wasm backend's matmul threads: every worker instantiates the same compiled module over the
 * same shared memory, so a job is just the gemm arguments with a band of rows (multiples of 4,
 * so each row is computed by the same block code for any thread count).
 */
import { WorkerPool, rowBands, threadsAvailable } from '../threads.js';
import { wasm } from './instance.js';

/**
 * Below this many multiply-adds one thread wins: waking a worker costs tens of microseconds.
 * Measured on these 2 cores (1 vs 2 threads, best of 5×200 calls): 2M multiply-adds 0.145 vs
 * 0.149 ms, 4M 0.250 vs 0.238 ms, and the VAE's 40M products ~1.6× faster on two.
 */
const PARALLEL_MIN_WORK = 1 << 22;

let pool: WorkerPool | null = null;

function gemmPool(): WorkerPool {
  pool ??= new WorkerPool(
    `({ module, memory }) => {
      const { gemm } = new WebAssembly.Instance(module, { env: { memory } }).exports;
      return (j) => gemm(j[0], j[1], j[2], j[3], j[4], j[5], j[6], j[7], j[8], j[9], j[10], j[11]);
    }`,
    () => ({ module: wasm().module, memory: wasm().memory }),
  );
  return pool;
}

/**
 * `gemm` over rows [0, m) (each band packs its own rows of A into `ap`), split over the worker
 * threads when the product is large enough.
 */
export function parallelGemm(a: number, ars: number, acs: number, m: number, ap: number, bp: number, k: number, n8: number, c: number, bias: number): void {
  const { kernels, shared } = wasm();
  if (!shared || !threadsAvailable() || m < 8 || m * k * n8 < PARALLEL_MIN_WORK) {
    kernels.gemm(a, ars, acs, m, ap, bp, k, n8, c, 0, m, bias);
    return;
  }
  const jobs = rowBands(m, 4).map(([r0, r1]) => [a, ars, acs, m, ap, bp, k, n8, c, r0, r1, bias]);
  gemmPool().run(jobs, (j) => kernels.gemm(j[0], j[1], j[2], j[3], j[4], j[5], j[6], j[7], j[8], j[9], j[10], j[11]));
}

/** How many gemm workers have started (for tests). */
export function readyGemmWorkers(): number {
  return pool?.ready() ?? 0;
}
