import { contiguousStrides, isContiguous, sizeOf, type Shape } from '../../shape.js';
import { copy as hostCopy } from '../host.js';
import { getNumThreads } from '../threads.js';
import type { DType } from '../../dtype.js';
import {
  DECLINE, biasCorrection, isComparison, type AdamHyper, type BackendImpl, type BinaryOp, type KernelOutput, type MatmulOperand,
  type ReduceOp, type UnaryOp, type View, type Windows,
} from '../kernels.js';
import { coalesce } from '../layout.js';
import { walk } from '../walk.js';
import { DataBuffer } from '../buffer.js';
import { WasmBlock, copyToHost, heap, hostArray, wasm } from './instance.js';
import { addressOf, arena, compactAddress, resultSpace } from './operands.js';
import { convolution, convolutionInputGrad, convolutionWeightGrad } from './conv.js';
import { BINARY_CODES, UNARY_CODES } from './module.generated.js';
import { parallelBinary, parallelGemm, parallelMaxPool, parallelScatterAddRows, parallelUnary, wakeKernelWorkers } from './threads.js';

/**
 * The WebAssembly SIMD backend: the kernels of kernels.wat over float32.
 *
 * Where tensors live: parameters and optimizer moments — long-lived, updated every step — are
 * **resident** in the module's memory (a `WasmBlock` as their buffer's device copy): Adam updates
 * them in place and matmuls read the weights where they are, so no step copies them. So is any
 * tensor moved there with `to('wasm')`. Every other tensor is an ordinary typed array: operands
 * are copied in for the call and results copied out.
 * Why not keep every result resident: blocks would be freed only by the garbage collector, which
 * does not see wasm memory; measured on the VAE, dead intermediates piled up to the 768 MB cap in
 * the first epoch. The copies are memcpy-fast next to the kernels (see the README's profile).
 * Float64, int32 and bool tensors, and the ops and layouts listed in each method, run the
 * reference `cpu` kernels.
 */


/** An op's code in kernels.wat: its place in the kernel's br_table (the lists come from the .wat). */
const unaryCode = (op: (typeof UNARY_CODES)[number]): number => UNARY_CODES.indexOf(op);
const binaryCode = (op: (typeof BINARY_CODES)[number]): number => BINARY_CODES.indexOf(op);

/** Every unary op: its wasm code, or null where the reference kernel runs it (the compiler asks for each new op). */
const UNARY: { readonly [P in UnaryOp]: number | null } = {
  neg: unaryCode('neg'), abs: unaryCode('abs'), sqrt: unaryCode('sqrt'), relu: unaryCode('relu'), exp: unaryCode('exp'),
  log: unaryCode('log'), sigmoid: unaryCode('sigmoid'), sign: unaryCode('sign'),
  tanh: null, softplus: null, sin: null, cos: null, log1p: null, expm1: null, erf: null,
  floor: null, ceil: null, round: null, trunc: null, reciprocal: null, rsqrt: null, log2: null, log10: null, exp2: null,
  tan: null, asin: null, acos: null, atan: null, sinh: null, cosh: null, asinh: null, acosh: null, atanh: null,
};
const CLAMP = unaryCode('clamp');
/** exp, log, sigmoid: tens of instructions per element, so worth sharing out over threads. */
const TRANSCENDENTAL = new Set([unaryCode('exp'), unaryCode('log'), unaryCode('sigmoid')]);
/** Every binary op: its wasm code, or null (pow, maximum and minimum run the reference kernels). */
const BINARY: { readonly [P in BinaryOp]: number | null } = {
  add: binaryCode('add'), sub: binaryCode('sub'), mul: binaryCode('mul'), div: binaryCode('div'),
  eq: binaryCode('eq'), ne: binaryCode('ne'), lt: binaryCode('lt'), le: binaryCode('le'), gt: binaryCode('gt'), ge: binaryCode('ge'),
  binaryCrossEntropy: binaryCode('binaryCrossEntropy'), binaryCrossEntropyBackward: binaryCode('binaryCrossEntropyBackward'),
  sigmoidBackward: binaryCode('sigmoidBackward'), thresholdBackward: binaryCode('thresholdBackward'),
  pow: null, maximum: null, minimum: null, atan2: null, hypot: null, remainder: null, fmod: null, copysign: null,
};

/** Binary ops costing tens of instructions an element (two logs, a division): worth sharing out over threads. */
const COSTLY_BINARY = new Set([binaryCode('binaryCrossEntropy'), binaryCode('binaryCrossEntropyBackward'), binaryCode('div')]);

const isF32 = (...views: { buffer: { dtype: string } }[]): boolean => views.every((v) => v.buffer.dtype === 'float32');

function mapUnary(code: number, x: View, lo = 0, hi = 0): KernelOutput {
  const size = sizeOf(x.shape);
  arena.reset();
  const xp = compactAddress(x);
  const res = resultSpace(size);
  if (code === CLAMP) {
    wasm().kernels.unary(code, xp, res.at, size, lo, hi);
    return res.done();
  }
  parallelUnary(code, xp, res.at, size, TRANSCENDENTAL.has(code), res.allocate);
  return res.done();
}

/**
 * `a ∘ b` over `shape`: after merging dims, each operand must run along the last dim with stride
 * 1 or 0 (a broadcast scalar, bias or column); the kernel runs once per row.
 */
function mapBinary(code: number, a: View, b: View, shape: Shape, onHost = false): KernelOutput | null {
  const size = sizeOf(shape);
  const [dims, [sa, sb]] = coalesce(shape, [a.strides, b.strides]);
  const last = dims.length - 1;
  const inner = last < 0 ? 1 : dims[last];
  const ia = last < 0 ? 0 : sa[last], ib = last < 0 ? 0 : sb[last];
  if ((ia !== 0 && ia !== 1) || (ib !== 0 && ib !== 1)) return null;
  // Each operand's span of its buffer: from its offset to the last element it reaches.
  const span = (st: number[]): number => st.reduce((s, d, i) => s + (dims[i] - 1) * d, 0) + 1;
  arena.reset();
  const ap = addressOf(a.buffer, a.offset, span(sa)), bp = addressOf(b.buffer, b.offset, span(sb));
  const res = onHost ? null : resultSpace(size);
  const op = res === null ? arena.alloc(size) : res.at;
  const k = wasm().kernels;
  const outer = dims.slice(0, Math.max(last, 0));
  if (outer.length === 0) {
    // One run: the costly ops share it out over the threads.
    parallelBinary(code, ap, ia, bp, ib, op, inner, COSTLY_BINARY.has(code), res?.allocate);
    return res === null ? copyToHost(op, size) : res.done();
  }
  walk(outer, [contiguousStrides(outer), sa.slice(0, last), sb.slice(0, last)], [0, 0, 0], (n, off, so, i, si, j, sj) => {
    for (let r = 0; r < n; r++, off += so, i += si, j += sj) k.binary(code, ap + 4 * i, ia, bp + 4 * j, ib, op + 4 * off * inner, inner);
  });
  return res === null ? copyToHost(op, size) : res.done();
}

/**
 * Sums of a contiguous tensor over one block of neighbouring dims: the shape is `[K1, R, K2]`
 * (R summed); each of the K1 slices is a column sum of an `[R, K2]` matrix (K2 > 1) or a row sum.
 */
function sumBlock(x: View, dims: readonly number[]): KernelOutput | null {
  if (!isContiguous(x.shape, x.strides)) return null;
  const reduced = x.shape.map((d, i) => dims.includes(i) && d !== 1);
  const first = reduced.indexOf(true), lastR = reduced.lastIndexOf(true);
  if (first < 0) return hostCopy(x, 'float32');
  for (let i = first; i <= lastR; i++) if (!reduced[i] && x.shape[i] !== 1) return null;
  const K1 = sizeOf(x.shape.slice(0, first)), R = sizeOf(x.shape.slice(first, lastR + 1)), K2 = sizeOf(x.shape.slice(lastR + 1));
  arena.reset();
  const xp = compactAddress(x);
  const res = resultSpace(K1 * K2), op = res.at;
  const k = wasm().kernels;
  if (K2 === 1) {
    k.sum_inner(xp, K1, R, op);
  } else {
    // sum_rows works on pairs of columns: each slice's float64 sums start at an even index.
    const stride = K2 + (K2 & 1);
    const acc = arena.alloc(K1 * stride, 8);
    arena.f64(acc, K1 * stride).fill(0);
    for (let s = 0; s < K1; s++) {
      k.sum_rows(xp + 4 * s * R * K2, R, K2, acc + 8 * s * stride);
      k.demote(acc + 8 * s * stride, op + 4 * s * K2, K2);
    }
  }
  return res.done();
}

/**
 * Sums over a leading and a trailing block of dims with the kept dims between — BatchNorm's
 * [0, 2, 3] of `[N, C, H, W]`, the shape `[R1, K, R2]` — in float64 throughout, as the reference:
 * `sum_rows` adds the R1 rows of the `[R1, K·R2]` matrix into float64 column sums, and each kept
 * position then adds its R2 neighbours in JavaScript doubles; one rounding, at the end.
 */
function sumBlocks(x: View, dims: readonly number[]): KernelOutput | null {
  const direct = sumBlock(x, dims);
  if (direct !== null || !isContiguous(x.shape, x.strides)) return direct;
  const reduced = x.shape.map((d, i) => dims.includes(i) && d !== 1);
  const kept = reduced.map((r, i) => !r && x.shape[i] !== 1);
  const a = kept.indexOf(true), b = kept.lastIndexOf(true);
  if (a < 0 || reduced.slice(a, b + 1).some(Boolean) || !reduced.slice(0, a).some(Boolean) || !reduced.slice(b + 1).some(Boolean)) return null;
  const R1 = sizeOf(x.shape.slice(0, a)), K = sizeOf(x.shape.slice(a, b + 1)), R2 = sizeOf(x.shape.slice(b + 1));
  const cols = K * R2, stride = cols + (cols & 1);
  arena.reset();
  const xp = compactAddress(x);
  const acc = arena.alloc(stride, 8);
  arena.f64(acc, stride).fill(0);
  wasm().kernels.sum_rows(xp, R1, cols, acc);
  const sums = arena.f64(acc, cols), out = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let r = 0; r < R2; r++) s += sums[k * R2 + r];
    out[k] = s;
  }
  return out;
}

/**
 * Batched `[m,k]·[k,n]` (+ bias) through pack_a, pack_b and gemm, shared out over the worker
 * threads (`parallelGemm`). A single product whose width is a multiple of 8 is written by gemm
 * straight into the result; otherwise each product's rows are moved there from gemm's padded
 * scratch, inside the module's memory.
 */
function matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View): KernelOutput {
  wakeKernelWorkers(m, k, n);
  const batch = a.offsets.length;
  const n8 = Math.ceil(n / 8) * 8, m4 = Math.ceil(m / 4) * 4;
  arena.reset();
  const direct = batch === 1 && n8 === n;
  // The result, compacted to [batch, m, n]; gemm writes straight into it when there is nothing to compact.
  const res = resultSpace(batch * m * n, direct ? m4 * n8 : batch * m * n), op = res.at;
  // gemm reads 8 bias columns at a time: past n it reads the block's slack, into discarded columns.
  const bias8 = bias === undefined ? 0 : addressOf(bias.buffer, bias.offset, n);
  const packedA = arena.alloc(m4 * k), packedB = arena.alloc(k * n8), c = direct ? op : arena.alloc(m4 * n8);
  // A is [m,k] row-major (rows k apart) or stored as Aᵀ, [k,m] row-major (rows 1 apart, columns m);
  // B is [k,n] row-major (rows n apart) or stored as Bᵀ, [n,k] row-major (rows 1 apart, columns k).
  const [ars, acs] = a.transposed ? [1, m] : [k, 1];
  const [brs, bcs] = b.transposed ? [1, k] : [n, 1];
  for (let t = 0; t < batch; t++) {
    const ap = addressOf(a.buffer, a.offsets[t], m * k), bp = addressOf(b.buffer, b.offsets[t], k * n);
    parallelGemm({ a: ap, ars, acs, m, b: bp, brs, bcs, k, n, packedA, packedB, c, bias: bias8 }, t === 0 ? res.allocate : undefined);
    if (!direct) {
      const mem = new Float32Array(wasm().memory.buffer);
      const dst = op / 4 + t * m * n;
      for (let i = 0; i < m; i++) mem.copyWithin(dst + i * n, c / 4 + i * n8, c / 4 + i * n8 + n);
    }
  }
  return res.done();
}

/**
 * Adam through the SIMD kernel, in place. The parameter and its moments are made resident (copied
 * in once, on the first step) and updated where they are; from then on no step copies them. The
 * float32 arithmetic of the kernel differs from the reference's doubles in the last bits.
 */
function adam(param: View, grad: View, m: View, v: View, vmax: View | null, h: AdamHyper): void {
  const n = sizeOf(param.shape);
  const own = vmax === null ? [param, m, v] : [param, m, v, vmax];
  arena.reset();
  const resident = own.every((x) => x.offset === 0 && x.buffer.length === n) && heap.canAlloc(4 * n * own.length);
  const place = (x: View): number => {
    if (!resident) return arena.put((x.buffer.host as Float32Array).subarray(x.offset, x.offset + n));
    if (!(x.buffer.device instanceof WasmBlock)) x.buffer.setDevice(WasmBlock.holding(x.buffer.host as Float32Array));
    return (x.buffer.device as WasmBlock).at;
  };
  const [pp, mp, vp] = [place(param), place(m), place(v)];
  const xp = vmax === null ? 0 : place(vmax);
  const gp = addressOf(grad.buffer, grad.offset, n);
  const { stepSize, bc2 } = biasCorrection(h);
  const { beta1: b1, beta2: b2 } = h;
  // On this thread alone: the step moves 7 floats an element, so it runs at memory speed, which a
  // second thread does not raise.
  wasm().kernels.adam(pp, gp, mp, vp, xp, n, b1, 1 - b1, b2, 1 - b2, h.weightDecay, 1 - h.lr * h.weightDecay, h.decoupled ? 1 : 0, h.eps, stepSize, bc2);
  if (resident) for (const x of own) x.buffer.deviceUpdated();
  else {
    const back = (x: View, from: number): void => (x.buffer.writable() as Float32Array).set(arena.f32(from, n), x.offset);
    back(param, pp);
    back(m, mp);
    back(v, vp);
    if (vmax !== null) back(vmax, xp);
  }
}

/**
 * `src` copied into a resident block (`Tensor.to('wasm')`): from then on kernels read it in place.
 * Float64, and float32 past the memory's maximum, stays on the host, where the kernels that run it
 * (the reference ones) read it.
 */
function place(src: View): DataBuffer {
  const n = sizeOf(src.shape);
  if (!isF32(src) || !heap.canAlloc(4 * n)) return DataBuffer.fromHost(hostCopy(src, src.buffer.dtype));
  const elements = isContiguous(src.shape, src.strides) ? (src.buffer.host as Float32Array).subarray(src.offset, src.offset + n) : hostCopy(src, 'float32');
  return DataBuffer.fromDevice(WasmBlock.holding(elements as Float32Array), n);
}

/** The kernels write a comparison's 1s and 0s as float32; its result is bool. */
function toBool(f: Float32Array): Uint8Array {
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = f[i];
  return out;
}

/** The int32 elements of a contiguous index in the module's memory (copied in: index tensors are never resident). */
function int32Address(index: View, n: number): number {
  const at = arena.alloc(n);
  new Int32Array(wasm().memory.buffer, at, n).set((index.buffer.host as Int32Array).subarray(index.offset, index.offset + n));
  return at;
}

/** The `n` int32 elements at byte address `at`, copied out (into `out` when the caller allocated one while the kernel ran). */
function copyInt32ToHost(at: number, n: number, out: Int32Array = new Int32Array(n)): Int32Array {
  out.set(new Int32Array(wasm().memory.buffer, at, n));
  return out;
}

/** Bytes of wasm memory a matmul needs (per batch entry). */
const matmulFloats = (m: number, k: number, n: number): number => {
  const n8 = Math.ceil(n / 8) * 8;
  const m4 = Math.ceil(m / 4) * 4;
  return m * k + k * n + m4 * k + k * n8 + m4 * n8 + n8 + 512;
};

/**
 * The kernels this backend runs itself; each declines (`DECLINE`) what it does not take — other
 * dtypes, layouts it has no loop for, sizes past its memory — and the registry hands those calls,
 * and every kernel not listed here, to the reference (`withFallback`).
 */
export const wasmKernels: BackendImpl = {
  name: 'wasm',
  info: () => ({ threads: getNumThreads(), simd: true, sharedMemory: wasm().shared, memoryBytes: wasm().memory.buffer.byteLength }),
  place,

  unary(op: UnaryOp, x: View) {
    const code = UNARY[op];
    if (code === null || !isF32(x) || !arena.fits(2 * sizeOf(x.shape))) return DECLINE;
    return mapUnary(code, x);
  },

  clamp(x: View, lo: number, hi: number) {
    if (!isF32(x) || !arena.fits(2 * sizeOf(x.shape))) return DECLINE;
    return mapUnary(CLAMP, x, lo, hi);
  },

  binary(op: BinaryOp, a: View, b: View, shape: Shape) {
    const code = BINARY[op];
    if (code === null || !isF32(a, b) || !arena.fits(a.buffer.length + b.buffer.length + sizeOf(shape))) return DECLINE;
    // a comparison's 0s and 1s come out to the host, where they become a bool array
    const out = mapBinary(code, a, b, shape, isComparison(op));
    if (out === null) return DECLINE;
    return isComparison(op) ? toBool(out as Float32Array) : out;
  },

  reduce(op: ReduceOp, x: View, dims: readonly number[]) {
    if (op !== 'sum' || !isF32(x) || !arena.fits(4 * sizeOf(x.shape))) return DECLINE;
    return sumBlocks(x, dims) ?? DECLINE;
  },

  matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View) {
    const buffers = bias === undefined ? [a, b] : [a, b, bias];
    if (!isF32(...buffers) || m * n * k === 0 || !arena.fits(matmulFloats(m, k, n))) return DECLINE;
    return matmul(a, b, m, k, n, bias);
  },

  conv2d(x: View, weight: View, bias: View | null, win: Windows, groups: number) {
    if (!isF32(x, weight, ...(bias === null ? [] : [bias]))) return DECLINE;
    return convolution(x, weight, bias, win, groups) ?? DECLINE;
  },

  conv2dInputGrad(g: View, weight: View, win: Windows, groups: number, channels: number) {
    if (!isF32(g, weight)) return DECLINE;
    return convolutionInputGrad(g, weight, win, groups, channels) ?? DECLINE;
  },

  conv2dWeightGrad(g: View, x: View, win: Windows, groups: number) {
    if (!isF32(g, x)) return DECLINE;
    return convolutionWeightGrad(g, x, win, groups) ?? DECLINE;
  },

  maxPool(x: View, win: Windows) {
    const planes = x.shape[0] * x.shape[1], size = planes * win.oh * win.ow;
    if (!isF32(x) || !arena.fits(planes * win.h * win.w + 2 * size + 64)) return DECLINE;
    arena.reset();
    const xp = addressOf(x.buffer, x.offset, planes * win.h * win.w);
    const values = resultSpace(size), ip = arena.alloc(size);
    let indices: Int32Array | undefined;
    parallelMaxPool({ ...win, x: xp, planes, values: values.at, indices: ip }, () => {
      values.allocate();
      const a = hostArray(size);
      indices = new Int32Array(a.buffer, a.byteOffset, size);
    });
    return { values: values.done(), indices: copyInt32ToHost(ip, size, indices) };
  },

  // gather and its adjoint along the last dim of contiguous operands, the pattern of max pooling's
  // backward pass and of picking one class per row; other dims run the reference kernels.
  gather(x: View, dim: number, index: View) {
    const rows = sizeOf(index.shape) / Math.max(1, index.shape[dim]), len = index.shape[dim], size = x.shape[dim];
    if (!isF32(x) || dim !== x.shape.length - 1 || !isContiguous(x.shape, x.strides) || !isContiguous(index.shape, index.strides)) return DECLINE;
    if (rows * len === 0 || !arena.fits(rows * (size + 2 * len) + 64)) return DECLINE;
    arena.reset();
    const xp = addressOf(x.buffer, x.offset, rows * size), ip = int32Address(index, rows * len), res = resultSpace(rows * len);
    wasm().kernels.gather_rows(xp, ip, rows, len, size, res.at);
    return res.done();
  },

  scatterAdd(shape: Shape, dtype: DType, dim: number, index: View, src: View) {
    const rows = sizeOf(shape) / Math.max(1, shape[dim]), len = index.shape[dim], size = shape[dim];
    if (dtype !== 'float32' || !isF32(src) || dim !== shape.length - 1 || !isContiguous(index.shape, index.strides) || !isContiguous(src.shape, src.strides)) return DECLINE;
    if (rows * size === 0 || !arena.fits(rows * (size + 2 * len) + 64)) return DECLINE;
    arena.reset();
    const sp = addressOf(src.buffer, src.offset, rows * len), ip = int32Address(index, rows * len), res = resultSpace(rows * size);
    parallelScatterAddRows(sp, ip, rows, len, size, res.at, res.allocate);
    return res.done();
  },

  adam(param: View, grad: View, m: View, v: View, vmax: View | null, h: AdamHyper) {
    const views = vmax === null ? [param, grad, m, v] : [param, grad, m, v, vmax];
    if (!isF32(...views) || !arena.fits(5 * sizeOf(param.shape) + 512)) return DECLINE;
    adam(param, grad, m, v, vmax, h);
  },
};
