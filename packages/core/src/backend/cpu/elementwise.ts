import { allocate, dtypeOf, type Storage } from '../../dtype.js';
import { contiguousStrides, sizeOf, type Shape } from '../../shape.js';
import type { BinaryOp, UnaryOp, View } from '../backend.js';
import { walk } from './walk.js';

/** Scalar definitions of the unary kernels. Stable forms where the naive one overflows. */
const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps 0 and NaN
  relu: (x) => (x > 0 ? x : 0),
  // σ(x) = 1/(1+e^{-x}); for x < 0 use e^{x}/(1+e^{x}) so e^{-x} never overflows.
  sigmoid: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  tanh: Math.tanh,
  // softplus(x) = log(1+eˣ) = max(x,0) + log1p(e^{-|x|}): exact and never overflows.
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

function unaryKernel(f: (x: number) => number) {
  return (x: View): Storage => {
    const out = allocate(dtypeOf(x.storage), sizeOf(x.shape));
    const a = x.storage;
    walk(x.shape, [contiguousStrides(x.shape), x.strides], [0, x.offset], (n, o, so, i, si) => {
      for (let j = 0; j < n; j++, o += so, i += si) out[o] = f(a[i]);
    });
    return out;
  };
}

function binaryKernel(f: (a: number, b: number) => number) {
  return (a: View, b: View, shape: Shape): Storage => {
    const out = allocate(dtypeOf(a.storage), sizeOf(shape));
    const x = a.storage;
    const y = b.storage;
    walk(shape, [contiguousStrides(shape), a.strides, b.strides], [0, a.offset, b.offset], (n, o, so, i, si, k, sk) => {
      for (let j = 0; j < n; j++, o += so, i += si, k += sk) out[o] = f(x[i], y[k]);
    });
    return out;
  };
}

// One closure per op keeps each inner loop monomorphic, so the engine can inline `f`.
const unaryKernels = Object.fromEntries(
  Object.entries(unaryFns).map(([k, f]) => [k, unaryKernel(f)]),
) as Record<UnaryOp, (x: View) => Storage>;
const binaryKernels = Object.fromEntries(
  Object.entries(binaryFns).map(([k, f]) => [k, binaryKernel(f)]),
) as Record<BinaryOp, (a: View, b: View, shape: Shape) => Storage>;

export function unary(op: UnaryOp, x: View): Storage {
  return unaryKernels[op](x);
}

export function binary(op: BinaryOp, a: View, b: View, shape: Shape): Storage {
  return binaryKernels[op](a, b, shape);
}

export function clamp(x: View, lo: number, hi: number): Storage {
  return unaryKernel((v) => (v < lo ? lo : v > hi ? hi : v))(x);
}

export function where(cond: View, a: View, b: View, shape: Shape): Storage {
  const out = allocate(dtypeOf(a.storage), sizeOf(shape));
  const c = cond.storage, x = a.storage, y = b.storage;
  walk(
    shape,
    [contiguousStrides(shape), cond.strides, a.strides, b.strides],
    [0, cond.offset, a.offset, b.offset],
    (n, o, so, i, si, j, sj, k, sk) => {
      for (let t = 0; t < n; t++, o += so, i += si, j += sj, k += sk) out[o] = c[i] !== 0 ? x[j] : y[k];
    },
  );
  return out;
}

export function copy(src: View, dst: View): void {
  const s = src.storage, d = dst.storage;
  walk(src.shape, [dst.strides, src.strides], [dst.offset, src.offset], (n, o, so, i, si) => {
    for (let j = 0; j < n; j++, o += so, i += si) d[o] = s[i];
  });
}
