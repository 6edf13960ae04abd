// The op functions as the ops modules define them, gathered for the checking layer (ops.ts) to
// wrap: nothing imports this but ops.ts and its signature table's type.
export { zerosLike, onesLike, fullLike, randLike, randnLike, randperm } from '../creation.js';
export { add, sub, mul, div, pow, neg, maximum, minimum, atan2, hypot, remainder, fmod, copysign, lerp, logaddexp } from '../ops/arithmetic.js';
export {
  exp, log, sqrt, abs, sign, relu, sigmoid, tanh, clamp, square, log1p, expm1, sin, cos, erf, gelu, silu,
  floor, ceil, round, trunc, frac, reciprocal, rsqrt, log2, log10, exp2, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
} from '../ops/unary.js';
export { elu, selu, celu, hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, leakyRelu, softplus, softmin, glu } from '../ops/activation.js';
export { eq, ne, lt, le, gt, ge, where, maskedFill, logicalNot, logicalAnd, logicalOr, logicalXor, isnan, isinf, isfinite, nanToNum } from '../ops/compare.js';
export { sum, mean, max, min, logsumexp, argmax, argmin, softmax, logSoftmax, variance, std, norm, amax, amin, any, all, prod } from '../ops/reduce.js';
export { scatter, scatterReduce, indexAdd, indexCopy, indexFill, oneHot } from '../ops/scatter.js';
export { normalize, cdist } from '../ops/distance.js';
export { scaledDotProductAttention } from '../ops/attention.js';
export { bernoulli, multinomial, normal } from '../ops/sampling.js';
export { cumsum, cumprod, cummax, cummin, logcumsumexp } from '../ops/scan.js';
export { sort, argsort, topk, kthvalue, median, mode, unique } from '../ops/sort.js';
export { repeat, tile, roll, unflatten, movedim, broadcastTo, diagonal, diag, tril, triu, meshgrid } from '../ops/rearrange.js';
export { matmul, linear, outer, dot, bmm, baddbmm } from '../ops/matmul.js';
export { einsum } from '../ops/einsum.js';
export { reshape, view, flatten, squeeze, unsqueeze, transpose, permute, expand, contiguous, clone } from '../ops/view.js';
export { narrow, indexSelect, gather, scatterAdd, flip } from '../ops/select.js';
export { index, select, nonzero, maskedSelect, take, indexPut } from '../ops/indexing.js';
export { cat, stack, split, chunk, unbind } from '../ops/join.js';
export { conv1d, conv2d, convTranspose2d, unfold, fold } from '../ops/conv.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/pool.js';
export { pad } from '../ops/pad.js';
export { interpolate } from '../ops/interpolate.js';
export { bce } from '../ops/loss.js';
export { adamStep_ } from '../ops/optim.js';
export { gradcheck, gradgradcheck } from '../gradcheck.js';
export { makeDual, unpackDual } from '../autograd/forward.js';
export { tape, toDot, toMermaid } from '../autograd/graph.js';
