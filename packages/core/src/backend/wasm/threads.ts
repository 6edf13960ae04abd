/**
 * The wasm backend's threads: every worker instantiates the same compiled module over the same
 * shared memory, so a job is just the kernels' arguments. A chunk of a matmul is a block of C that
 * a thread packs its share of operands for and computes; a chunk of an elementwise function is a
 * run of elements (`kernelChunk`). Matmul blocks are whole 4×8 tiles, each computed by the same
 * code whoever takes it, so results do not depend on the thread count.
 */
import { WorkerPool, threadsAvailable, unitsPerChunk } from '../threads.js';
import { wasm, type WasmKernels } from './instance.js';

/**
 * Below this many multiply-adds one thread wins: waking a worker costs tens of microseconds.
 * The crossing point comes from timing products of 2M and 4M multiply-adds on 1 and 2 threads
 * (the numbers, and how to rerun them, are in benchmarks/README.md, "Where the constants come from").
 */
const PARALLEL_MIN_WORK = 1 << 22;

/** One product for `parallelGemm`: byte addresses in the module's memory, and the strides of each operand. */
export interface Gemm {
  /** A[i, p] at a + 4·(i·ars + p·acs). */
  a: number; ars: number; acs: number; m: number;
  /** B[p, j] at b + 4·(p·brs + j·bcs). */
  b: number; brs: number; bcs: number; k: number; n: number;
  /** Scratch for packed A (m4·k floats) and packed B (k·n8 floats). */
  packedA: number; packedB: number;
  /** C, [m4, n8] row-major (n8 = n rounded up to 8). */
  c: number;
  /** n8 floats added to every row, or 0. */
  bias: number;
}

// A job's first integer says what it is. A product's job: [COLUMNS or ROWS, a, ars, acs, m, b, brs,
// bcs, k, n, packedA, packedB, c, bias, per]; an elementwise one: [UNARY, op, x, out, n, per]; a
// max pooling one: [MAX_POOL, x, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, values, indices, per];
// a scatter-add one: [SCATTER_ROWS, src, index, rows, len, size, out, per]; an image-minor one:
// [IMAGE_MINOR, x, images, chw, out, per] (units: groups of 8 images); a convolution's:
// [CONV_WINDOWS, geo, panels, per] (units: window panels, the rest of the geometry at geo); a
// convolution input gradient's: [CONV_INPUT_GRAD, geo, groups of 8 images, per]; a channels-last
// one: [ROWS_MINOR, src, images, rows, L, dst, per] (units: groups of 8 images); a weight
// gradient's: [CONV_WEIGHT_ROWS, geo, quads of taps, per]; an elementwise binary one:
// [BINARY, op, a, as, b, bs, out, n, per] (as, bs: 1 or 0, a broadcast scalar).
const COLUMNS = 0, ROWS = 1, UNARY = 2, MAX_POOL = 3, SCATTER_ROWS = 4, IMAGE_MINOR = 5, CONV_WINDOWS = 6, CONV_INPUT_GRAD = 7, ROWS_MINOR = 8,
  CONV_WEIGHT_ROWS = 9, BINARY = 10;

/**
 * Chunk `c` of a job. Of a product split by COLUMNS: column panels [c·per, (c+1)·per) — packs
 * those panels of B, then multiplies every row of the (already packed) A by them; split by ROWS:
 * row quads [c·per, (c+1)·per) — packs those rows of A, then multiplies them by the (already
 * packed) B. Of a UNARY job: elements [c·per, (c+1)·per), per a multiple of 4. Of a MAX_POOL
 * job: planes [c·per, (c+1)·per), each plane's windows independent of the others'. Of an
 * IMAGE_MINOR, ROWS_MINOR or CONV_INPUT_GRAD job: groups of 8 images; of a CONV_WINDOWS job:
 * window panels, packed, multiplied and put in place; of a CONV_WEIGHT_ROWS job: quads of taps,
 * packed and multiplied. It runs from its text in the workers too, with the job kinds defined
 * beside it: it uses nothing else.
 */
function kernelChunk(K: WasmKernels, j: ArrayLike<number>, c: number): void {
  if (j[0] === UNARY) {
    const i0 = c * j[5];
    K.unary(j[1], j[2] + 4 * i0, j[3] + 4 * i0, Math.min(j[4] - i0, j[5]), 0, 0);
    return;
  }
  if (j[0] === CONV_WINDOWS) {
    K.conv_windows(j[1], c * j[3], Math.min(j[2], (c + 1) * j[3]), c);
    return;
  }
  if (j[0] === CONV_INPUT_GRAD) {
    K.conv_input_grad(j[1], c * j[3], Math.min(j[2], (c + 1) * j[3]), c);
    return;
  }
  if (j[0] === BINARY) {
    const i0 = c * j[8];
    K.binary(j[1], j[2] + 4 * i0 * j[3], j[3], j[4] + 4 * i0 * j[5], j[5], j[6] + 4 * i0, Math.min(j[7] - i0, j[8]));
    return;
  }
  if (j[0] === CONV_WEIGHT_ROWS) {
    K.conv_weight_rows(j[1], c * j[3], Math.min(j[2], (c + 1) * j[3]), c);
    return;
  }
  if (j[0] === ROWS_MINOR) {
    K.rows_minor(j[1], j[2], j[3], j[4], j[5], c * j[6], Math.min(Math.ceil(j[2] / 8), (c + 1) * j[6]));
    return;
  }
  if (j[0] === IMAGE_MINOR) {
    K.image_minor(j[1], j[2], j[3], j[4], c * j[5], Math.min(Math.ceil(j[2] / 8), (c + 1) * j[5]));
    return;
  }
  if (j[0] === SCATTER_ROWS) {
    const r0 = c * j[7], rows = Math.min(j[3] - r0, j[7]);
    K.scatter_add_rows(j[1] + 4 * r0 * j[4], j[2] + 4 * r0 * j[4], rows, j[4], j[5], j[6] + 4 * r0 * j[5]);
    return;
  }
  if (j[0] === MAX_POOL) {
    const p0 = c * j[17], planeIn = 4 * j[3] * j[4], planeOut = 4 * j[13] * j[14];
    K.max_pool(j[1] + p0 * planeIn, Math.min(j[2] - p0, j[17]), j[3], j[4], j[5], j[6], j[7], j[8], j[9], j[10], j[11], j[12],
      j[13], j[14], j[15] + p0 * planeOut, j[16] + p0 * planeOut);
    return;
  }
  const m4 = Math.ceil(j[4] / 4) * 4, n8 = Math.ceil(j[9] / 8) * 8;
  if (j[0] === COLUMNS) {
    const j0 = 8 * c * j[14], j1 = Math.min(n8, j0 + 8 * j[14]);
    K.pack_b(j[5], j[6], j[7], j[8], j[9], j[11], j0, j1);
    K.gemm(j[10], j[11], j[8], n8, j[12], 0, m4, j0, j1, j[13]);
  } else {
    const i0 = 4 * c * j[14], i1 = Math.min(m4, i0 + 4 * j[14]);
    K.pack_a(j[1], j[2], j[3], j[4], j[8], j[10], i0, i1);
    K.gemm(j[10], j[11], j[8], n8, j[12], i0, i1, 0, n8, j[13]);
  }
}

let pool: WorkerPool | null = null;

function kernelPool(): WorkerPool {
  pool ??= new WorkerPool(
    `({ module, memory }) => {
      const K = new WebAssembly.Instance(module, { env: { memory } }).exports;
      const COLUMNS = ${COLUMNS}, UNARY = ${UNARY}, MAX_POOL = ${MAX_POOL}, SCATTER_ROWS = ${SCATTER_ROWS};
      const IMAGE_MINOR = ${IMAGE_MINOR}, CONV_WINDOWS = ${CONV_WINDOWS}, CONV_INPUT_GRAD = ${CONV_INPUT_GRAD};
      const ROWS_MINOR = ${ROWS_MINOR}, CONV_WEIGHT_ROWS = ${CONV_WEIGHT_ROWS}, BINARY = ${BINARY};
      const kernelChunk = (${kernelChunk.toString()});
      return (j, c) => kernelChunk(K, j, c);
    }`,
    () => ({ module: wasm().module, memory: wasm().memory }),
  );
  return pool;
}

/** Whether an [m,k]·[k,n] product is shared out over the threads. */
function gemmInParallel(m: number, k: number, n: number): boolean {
  return wasm().shared && threadsAvailable() && m * k * n >= PARALLEL_MIN_WORK;
}

/** Tells the kernel workers a product is coming (before its operands are copied in). */
export function wakeKernelWorkers(m: number, k: number, n: number): void {
  if (gemmInParallel(m, k, n)) kernelPool().wake();
}

/**
 * C = A·B (+ bias), shared out in chunks over the worker threads when the product is large
 * enough. The operand whose packing every chunk needs is packed first, here: A when the chunks
 * are column panels (chosen when A is the smaller to pack, m ≤ n), B when they are row quads.
 * `meanwhile` runs once on this thread while the workers start on the chunks (see `WorkerPool.run`).
 */
export function parallelGemm(g: Gemm, meanwhile?: () => void): void {
  const K = wasm().kernels;
  const quads = Math.ceil(g.m / 4), panels = Math.ceil(g.n / 8);
  const parallel = gemmInParallel(g.m, g.k, g.n);
  const columns = !parallel || (g.m <= g.n ? panels >= 4 : quads < 4);
  const per = !parallel ? panels : unitsPerChunk(columns ? panels : quads);
  const job = [columns ? COLUMNS : ROWS, g.a, g.ars, g.acs, g.m, g.b, g.brs, g.bcs, g.k, g.n, g.packedA, g.packedB, g.c, g.bias, per];
  if (columns) K.pack_a(g.a, g.ars, g.acs, g.m, g.k, g.packedA, 0, 4 * quads);
  else K.pack_b(g.b, g.brs, g.bcs, g.k, g.n, g.packedB, 0, 8 * panels);
  const chunks = Math.ceil((columns ? panels : quads) / per);
  if (parallel) {
    kernelPool().run(job, chunks, (j, c) => kernelChunk(K, j, c), meanwhile);
  } else {
    meanwhile?.();
    for (let c = 0; c < chunks; c++) kernelChunk(K, job, c);
  }
}

/**
 * Elementwise functions at least this long share their elements out over the threads. Only the
 * ones costing several instructions per element (exp, log, sigmoid, the cross-entropy kernels,
 * division) are worth it: the others run at memory speed on one thread.
 */
const PARALLEL_MIN_ELEMENTS = 1 << 16;

/**
 * An elementwise job over n elements (`job` without its last argument, the elements per chunk, a
 * multiple of 4): shared out over the threads when `parallel` and n is large, else one chunk here;
 * `meanwhile` as in `runChunks`.
 */
function shareElements(job: number[], n: number, parallel: boolean, meanwhile?: () => void): void {
  const per = parallel && wasm().shared && threadsAvailable() && n >= PARALLEL_MIN_ELEMENTS ? 4 * unitsPerChunk(Math.ceil(n / 4)) : n;
  job.push(per);
  runChunks(job, n, per, meanwhile);
}

/** `unary(op, x, out, n)` of kernels.wat, shared out over the threads when `parallel` and n is large (`shareElements`). */
export function parallelUnary(op: number, x: number, out: number, n: number, parallel: boolean, meanwhile?: () => void): void {
  shareElements([UNARY, op, x, out, n], n, parallel, meanwhile);
}

/**
 * `binary(op, a, as, b, bs, out, n)` of kernels.wat (one run of n elements; `as`/`bs` 1, or 0 for a
 * broadcast scalar), shared out over the threads when `parallel` and n is large (`shareElements`).
 */
export function parallelBinary(op: number, a: number, as: number, b: number, bs: number, out: number, n: number, parallel: boolean, meanwhile?: () => void): void {
  shareElements([BINARY, op, a, as, b, bs, out, n], n, parallel, meanwhile);
}

/**
 * Memory-bound jobs (pooling, scatter-add, image-minor layouts: each element read or written about
 * once) share their units out over the threads only when they move at least this many floats.
 */
const PARALLEL_MIN_MOVED = 1 << 18;

/**
 * Runs a job of independent units (planes, rows, images), its last argument the units per chunk:
 * shared out over the threads when it moves `floats` ≥ PARALLEL_MIN_MOVED, else in one chunk here.
 */
function shareUnits(job: number[], units: number, floats: number, meanwhile?: () => void): void {
  const per = !wasm().shared || !threadsAvailable() || floats < PARALLEL_MIN_MOVED ? units : unitsPerChunk(units);
  job.push(per);
  runChunks(job, units, per, meanwhile);
}

/**
 * A job whose chunk c takes units [c·per, (c + 1)·per): run here when it is one chunk, else shared
 * out over the threads. `meanwhile` runs once on this thread while the workers start (see
 * `WorkerPool.run`): the caller allocates its host result there, so its pages are faulted in
 * while the workers compute.
 */
function runChunks(job: number[], units: number, per: number, meanwhile?: () => void): void {
  const K = wasm().kernels, chunks = Math.ceil(units / per);
  if (chunks > 1) {
    kernelPool().run(job, chunks, (j, c) => kernelChunk(K, j, c), meanwhile);
    return;
  }
  meanwhile?.();
  kernelChunk(K, job, 0);
}

/** One `max_pool` call of kernels.wat: byte addresses of x and the two outputs, and the windows. */
export interface MaxPoolJob {
  x: number; planes: number; values: number; indices: number;
  h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oh: number; ow: number;
}

/** kernels.wat's `max_pool`, its planes shared out over the threads when the input is large. */
export function parallelMaxPool(p: MaxPoolJob, meanwhile?: () => void): void {
  const job = [MAX_POOL, p.x, p.planes, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow, p.values, p.indices];
  shareUnits(job, p.planes, p.planes * p.h * p.w, meanwhile);
}

/**
 * kernels.wat's `scatter_add_rows` (out = zeros [rows, size], out[r, index[r, l]] += src[r, l]),
 * its rows shared out over the threads when the output is large (each row is its own: no two
 * threads ever add into one place, and each row's additions keep their order).
 */
export function parallelScatterAddRows(src: number, index: number, rows: number, len: number, size: number, out: number, meanwhile?: () => void): void {
  shareUnits([SCATTER_ROWS, src, index, rows, len, size, out], rows, rows * size, meanwhile);
}

/**
 * x ([images, chw] floats at byte address `x`) laid out image-minor at `out` (kernels.wat's
 * `image_minor`), its groups of 8 images shared out over the threads when x is large.
 */
export function parallelImageMinor(x: number, images: number, chw: number, out: number): void {
  shareUnits([IMAGE_MINOR, x, images, chw, out], Math.ceil(images / 8), images * chw);
}

/** G ([images, rows, L] at byte address `src`) channels last, images interleaved by 8, at `dst` (kernels.wat's `rows_minor`). */
export function parallelRowsMinor(src: number, images: number, rows: number, L: number, dst: number): void {
  shareUnits([ROWS_MINOR, src, images, rows, L, dst], Math.ceil(images / 8), images * rows * L);
}

/** kernels.wat's `conv_weight_rows` over quads of taps [0, quads), `per` a chunk (from `convUnitsPerChunk`). */
export function parallelConvWeightRows(geo: number, quads: number, per: number): void {
  runChunks([CONV_WEIGHT_ROWS, geo, quads, per], quads, per);
}

/**
 * Units per chunk of a convolution job (its units: window panels, image groups, quads of taps) of
 * `work` multiply-adds in all: shared out over the threads as a product of that size would be,
 * in chunks of a multiple of `step` units (the kernel's own step), else all in one chunk.
 */
export function convUnitsPerChunk(units: number, work: number, step = 1): number {
  return wasm().shared && threadsAvailable() && work >= PARALLEL_MIN_WORK ? step * unitsPerChunk(Math.ceil(units / step)) : units;
}


/**
 * kernels.wat's `conv_windows` over panels [0, panels) of the convolution described at `geo`,
 * in chunks of `per` panels (from `convUnitsPerChunk`, a multiple of 4), shared out over the threads when
 * there is more than one (`meanwhile` as in `runChunks`).
 */
export function parallelConvWindows(geo: number, panels: number, per: number, meanwhile?: () => void): void {
  runChunks([CONV_WINDOWS, geo, panels, per], panels, per, meanwhile);
}

/** kernels.wat's `conv_input_grad` over image groups [0, groups), `per` a chunk (from `convUnitsPerChunk`). */
export function parallelConvInputGrad(geo: number, groups: number, per: number, meanwhile?: () => void): void {
  runChunks([CONV_INPUT_GRAD, geo, groups, per], groups, per, meanwhile);
}

/** How many kernel workers have started (for tests). */
export function readyKernelWorkers(): number {
  return pool?.ready() ?? 0;
}

/** How many chunks kernel workers have computed (for tests). */
export function kernelChunksTakenByWorkers(): number {
  return pool?.chunksTakenByWorkers() ?? 0;
}
