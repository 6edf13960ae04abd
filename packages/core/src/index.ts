/**
 * @tensorgrad/core — float32, float64, int32 and bool tensors with NumPy broadcasting and
 * PyTorch's type promotion and indexing, hand-written kernels behind a small backend interface,
 * and a reverse-mode tape.
 */
export { Tensor, INSPECT, type TensorLike, type NestedArray } from './tensor.js';
export { DTYPES, promoteTypes, isFloating, type DType, type Storage } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes } from './shape.js';
export { checkOptions, closest } from './options.js';
export { TensorgradError, ShapeError, DTypeError, AutogradError, ValueError, IndexError, BackendError, fmtShape } from './errors.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye,
  rand, randn, randint, randLike, randnLike, randperm,
  type TensorOptions, type RandomOptions, type ShapeArgs,
} from './creation.js';

export { add, sub, mul, div, pow, neg, maximum, minimum, atan2, hypot, remainder, fmod, copysign, lerp, logaddexp } from './ops/arithmetic.js';
export {
  exp, log, sqrt, abs, sign, relu, sigmoid, tanh, clamp, square, log1p, expm1, sin, cos, erf, gelu, silu,
  floor, ceil, round, trunc, frac, reciprocal, rsqrt, log2, log10, exp2, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
  type ClampBounds, type GeluOptions,
} from './ops/unary.js';
export {
  elu, selu, celu, hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, leakyRelu, softplus, softmin, glu, type SoftplusOptions,
} from './ops/activation.js';
export {
  eq, ne, lt, le, gt, ge, where, maskedFill, logicalNot, logicalAnd, logicalOr, logicalXor, isnan, isinf, isfinite, nanToNum, type NanToNumOptions,
} from './ops/compare.js';
export {
  sum, mean, max, min, logsumexp, argmax, argmin, softmax, logSoftmax, variance, variance as var, std, norm, amax, amin, any, all, prod,
  type VarOptions, type Dims,
} from './ops/reduce.js';
export {
  scatter, scatterReduce, indexAdd, indexCopy, indexFill, oneHot, type ScatterReduce, type ScatterReduceOptions, type IndexAddOptions,
} from './ops/scatter.js';
export { normalize, cdist, type NormalizeOptions } from './ops/distance.js';
export { scaledDotProductAttention, type AttentionOptions } from './ops/attention.js';
export { bernoulli, multinomial, normal, type MultinomialOptions, type NormalOptions, type SampleOptions } from './ops/sampling.js';
export { cumsum, cumprod, cummax, cummin, logcumsumexp, type CumulativeResult } from './ops/scan.js';
export { sort, argsort, topk, kthvalue, median, mode, unique, type UniqueResult, type SortOptions, type TopkOptions } from './ops/sort.js';
export { repeat, tile, roll, unflatten, movedim, broadcastTo, diagonal, diag, tril, triu, meshgrid } from './ops/rearrange.js';
export { matmul, linear, outer, dot, bmm, baddbmm, type BaddbmmOptions } from './ops/matmul.js';
export { einsum } from './ops/einsum.js';
export { reshape, view, flatten, squeeze, unsqueeze, transpose, permute, expand, contiguous, clone } from './ops/view.js';
export { narrow, indexSelect, gather, scatterAdd, flip, type IndexLike } from './ops/select.js';
export { slice, Slice, index, select, nonzero, maskedSelect, take, indexPut, type IndexEntry, type IndexPutOptions } from './ops/indexing.js';
export { cat, stack, split, chunk, unbind } from './ops/join.js';
export { conv1d, conv2d, convTranspose2d, unfold, fold, type ConvOptions, type ConvTransposeOptions, type UnfoldOptions } from './ops/conv.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d, type MaxPoolOptions, type AvgPoolOptions } from './ops/pool.js';
export { pad, type PadOptions } from './ops/pad.js';
export { interpolate, type InterpolateOptions } from './ops/interpolate.js';
export type { Pair } from './ops/windows.js';
export { adamStep_, type AdamHyper } from './ops/optim.js';
export { bce } from './ops/loss.js';

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { grad, onBackwardStep, type BackwardOptions, type BackwardStep, type GradOptions, type RemovableHandle } from './autograd/engine.js';
export { GradNode, type BackwardFn } from './autograd/node.js';
export { defineOp, type OpDefinition, type OpContext, type ForwardResult } from './autograd/define-op.js';
export { dualLevel, makeDual, unpackDual, type JvpFn } from './autograd/forward.js';
export * as func from './func/index.js';
export { tape, toDot, toMermaid, type GraphOptions } from './autograd/graph.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradcheckResult, type GradcheckWorst } from './gradcheck.js';

export { getBackend, setBackend, withBackend, backendInfo, listBackends, registerBackend } from './backend/backend.js';
export { DECLINE, COMPARISON_OPS } from './backend/kernels.js';
export type {
  Backend, BackendImpl, Kernels, View, MatmulOperand, KernelOutput, MaxPoolOutput, UnaryOp, BinaryOp, ComparisonOp, ReduceOp, ArgReduceOp, ScanOp, PutMode, Windows,
} from './backend/kernels.js';
export { DataBuffer, emptyCache, type DeviceData } from './backend/buffer.js';
export { cpuBackend } from './backend/cpu/index.js';
export { setNumThreads, getNumThreads, maxThreads } from './backend/threads.js';
export { wasmBackend } from './backend/backend.js';
