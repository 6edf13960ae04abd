/**
 * @tensorgrad/core — float32, float64, int32 and bool tensors with NumPy broadcasting and
 * PyTorch's type promotion and indexing, hand-written kernels behind a small backend interface,
 * and a reverse-mode tape.
 */
export { Tensor, INSPECT, type TensorLike, type NestedArray } from './tensor.js';
export { DTYPES, promoteTypes, isFloating, type DType, type Storage } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, describe } from './shape.js';
export { checkOptions, closest } from './options.js';
export { TensorgradError, ShapeError, DTypeError, AutogradError, ValueError, IndexError, BackendError, fmtShape } from './errors.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export { tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint, type TensorOptions, type RandomOptions, type ShapeArgs } from './creation.js';

// Every op as users call it, behind the argument checks of api/ops.ts.
import { ops } from './api/ops.js';
export const {
  zerosLike, onesLike, fullLike, randLike, randnLike, randperm, add, sub, mul, div, pow, neg, maximum, minimum,
  atan2, hypot, remainder, fmod, copysign, lerp, logaddexp, exp, log, sqrt, abs, sign, relu, sigmoid, tanh, clamp,
  square, log1p, expm1, sin, cos, erf, gelu, silu, floor, ceil, round, trunc, frac, reciprocal, rsqrt, log2, log10,
  exp2, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, elu, selu, celu, hardtanh, relu6, hardsigmoid,
  hardswish, mish, logsigmoid, leakyRelu, softplus, softmin, glu, eq, ne, lt, le, gt, ge, where, maskedFill,
  logicalNot, logicalAnd, logicalOr, logicalXor, isnan, isinf, isfinite, nanToNum, sum, mean, max, min, logsumexp,
  argmax, argmin, softmax, logSoftmax, variance, std, norm, amax, amin, any, all, prod, scatter, scatterReduce,
  indexAdd, indexCopy, indexFill, oneHot, normalize, cdist, scaledDotProductAttention, bernoulli, multinomial,
  normal, cumsum, cumprod, cummax, cummin, logcumsumexp, sort, argsort, topk, kthvalue, median, mode, unique, repeat,
  tile, roll, unflatten, movedim, broadcastTo, diagonal, diag, tril, triu, meshgrid, matmul, linear, outer, dot, bmm,
  baddbmm, einsum, reshape, view, flatten, squeeze, unsqueeze, transpose, permute, expand, contiguous, clone, narrow,
  indexSelect, gather, scatterAdd, flip, index, select, nonzero, maskedSelect, take, indexPut, cat, stack, split,
  chunk, unbind, conv1d, conv2d, convTranspose2d, unfold, fold, maxPool1d, maxPool2d, avgPool1d, avgPool2d,
  adaptiveAvgPool1d, adaptiveAvgPool2d, pad, interpolate, bce, makeDual, unpackDual, tape, toDot, toMermaid,
  adamStep_, gradcheck, gradgradcheck,
} = ops;
export { variance as var };

export type { ClampBounds, GeluOptions } from './ops/unary.js';
export type { SoftplusOptions } from './ops/activation.js';
export type { NanToNumOptions } from './ops/compare.js';
export type { VarOptions, Dims } from './ops/reduce.js';
export type { ScatterReduce, ScatterReduceOptions, IndexAddOptions } from './ops/scatter.js';
export type { NormalizeOptions } from './ops/distance.js';
export type { AttentionOptions } from './ops/attention.js';
export type { MultinomialOptions, NormalOptions, SampleOptions } from './ops/sampling.js';
export type { CumulativeResult } from './ops/scan.js';
export type { UniqueResult, UniqueOptions, SortOptions, TopkOptions } from './ops/sort.js';

export type { BaddbmmOptions } from './ops/matmul.js';

export type { IndexLike } from './ops/select.js';
export { slice, Slice, type IndexEntry, type IndexPutOptions } from './ops/indexing.js';

export type { ConvOptions, ConvTransposeOptions, UnfoldOptions } from './ops/conv.js';
export type { MaxPoolOptions, AvgPoolOptions } from './ops/pool.js';
export type { PadOptions } from './ops/pad.js';
export type { InterpolateOptions } from './ops/interpolate.js';
export type { Pair } from './ops/windows.js';
export type { AdamHyper } from './ops/optim.js';

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { grad, onBackwardStep, type BackwardOptions, type BackwardStep, type GradOptions, type RemovableHandle } from './autograd/engine.js';
export { GradNode, type BackwardFn } from './autograd/node.js';
export { defineOp, type OpDefinition, type OpContext, type ForwardResult } from './autograd/define-op.js';
export { dualLevel, type JvpFn } from './autograd/forward.js';
export * as func from './func/index.js';
export type { GraphOptions } from './autograd/graph.js';
export type { GradcheckOptions, GradcheckResult, GradcheckWorst } from './gradcheck.js';

export { getBackend, setBackend, withBackend, backendInfo, listBackends, registerBackend } from './backend/backend.js';
export { DECLINE, COMPARISON_OPS } from './backend/kernels.js';
export type {
  Backend, BackendImpl, Kernels, View, MatmulOperand, KernelOutput, MaxPoolOutput, UnaryOp, BinaryOp, ComparisonOp, ReduceOp, ArgReduceOp, ScanOp, PutMode, Windows,
} from './backend/kernels.js';
export { DataBuffer, emptyCache, type DeviceData } from './backend/buffer.js';
export { tidy, keep } from './tidy.js';
export { cpuBackend } from './backend/cpu/index.js';
export { setNumThreads, getNumThreads, maxThreads } from './backend/threads.js';
export { wasmBackend } from './backend/backend.js';
