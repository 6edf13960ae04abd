import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/backend.js';
import type { PutMode } from '../backend/kernels.js';
import { allocate, isFloating, type DType } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { contiguousStrides, describe, normalizeDim, sizeOf, type Shape } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { add, div, mul, tangentSum } from './arithmetic.js';
import { eq, gt, logicalAnd, where } from './compare.js';
import { asDType, checkOperand, scalarTensor } from './helpers.js';
import { put } from './indexing.js';
import { max as maxOf } from './reduce.js';
import { checkIndexTensor, checkIndices, indexSelect, slice, stretchIndex, type IndexLike } from './select.js';
import { floor } from './unary.js';
import { contiguous, expand, reshape, unsqueeze } from './view.js';

// Writing into a tensor along a dim: scatter and scatterReduce (`index` names a position along
// `dim` for each element of `src`), the index_* family (a 1-D index picks whole slices) and
// oneHot. All of them turn their index into flat positions in x and run the `put` kernel, so the
// out-of-place result and its gradient come from one place.

/**
 * The flat positions, in a contiguous tensor of `shape`, that `index` names along `d`: element
 * m of `index` goes to [m₀, …, index[m], …, m_last], i.e. Σ_{j≠d} m_j·stride_j + index[m]·stride_d.
 * `index` has x's rank and is no larger than x off `d` (PyTorch's rule).
 */
function positionsAlong(op: string, shape: Shape, d: number, index: Tensor): Tensor {
  checkIndexTensor(op, index);
  if (index.ndim !== shape.length || index.shape.some((v, i) => i !== d && v > shape[i])) {
    throw new ShapeError(op, `index of shape ${fmtShape(index.shape)} must have the input's rank and be no larger than ${fmtShape(shape)} on every dim but ${d}`);
  }
  const idx = contiguous(index.detach()).data;
  checkIndices(op, idx, shape[d], d);
  const strides = contiguousStrides(shape);
  const out = allocate('int32', idx.length);
  const at = new Array<number>(index.ndim).fill(0);
  for (let k = 0; k < idx.length; k++) {
    let p = 0;
    for (let j = 0; j < at.length; j++) p += (j === d ? idx[k] : at[j]) * strides[j];
    out[k] = p;
    for (let j = at.length - 1; j >= 0 && ++at[j] === index.shape[j]; j--) at[j] = 0;
  }
  return fromStorage(out, [idx.length]);
}

/** `src`'s leading block of `shape` (PyTorch reads only that much of a larger src), flattened. */
function valuesFor(op: string, x: Tensor, src: Tensor | number, shape: Shape, name: string): Tensor {
  const v = checkOperand(op, src, name);
  if (!(v instanceof Tensor)) return expand(scalarTensor(v, x.dtype), [sizeOf(shape)]);
  if (v.dtype !== x.dtype) throw new DTypeError(op, `${name} is ${v.dtype} but the input is ${x.dtype}; convert it with .to('${x.dtype}')`);
  if (v.ndim !== shape.length || v.shape.some((s, i) => s < shape[i])) {
    throw new ShapeError(op, `${name} of shape ${fmtShape(v.shape)} must have the index's rank and be at least its shape ${fmtShape(shape)}`);
  }
  let block = v;
  shape.forEach((s, i) => { if (block.shape[i] !== s) block = slice(block, i, 0, s); });
  return reshape(contiguous(block), [-1]);
}

/** x as one line, a result of that line put back in x's shape. */
const flat = (x: Tensor): Tensor => reshape(x, [-1]);

/**
 * x with `src` written along `dim` where `index` says: out[…, index[i, j, …], …] = src[i, j, …]
 * (for dim 0: out[index[i][j]][j] = src[i][j]). `src` may be a number. With repeated positions
 * the last write wins (PyTorch leaves it unspecified).
 *   Gradient: ∂/∂x = g, zero where written;  ∂/∂src = g gathered from where each element went.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const d = normalizeDim('scatter', dim, x.ndim);
  const pos = positionsAlong('scatter', x.shape, d, index);
  return reshape(put(flat(x), pos, valuesFor('scatter', x, src, index.shape, 'src'), 'set'), x.shape);
}

export type ScatterReduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';
const SCATTER_REDUCE: readonly ScatterReduce[] = ['sum', 'prod', 'mean', 'amax', 'amin'];

export interface ScatterReduceOptions {
  /** Whether x's own value takes part in the reduction at each written position (default true). */
  includeSelf?: boolean;
}

/**
 * x with each element of `src` reduced into the position `index` names along `dim` (PyTorch's
 * scatter_reduce): sum, prod, mean, amax or amin over the values that land there, x's own
 * included unless `includeSelf: false`. Positions nothing lands on keep x's value.
 * Gradients: sum — g to x, g gathered to src; mean — the same divided by the count; amax/amin —
 * g split equally among the elements equal to the result (x's included), as PyTorch;
 * prod — g·out/v for each factor v, with the products taken directly where a factor is 0.
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, options?: ScatterReduceOptions): Tensor {
  const op = 'scatterReduce';
  const { includeSelf = true } = checkOptions(op, options, ['includeSelf'], '{ includeSelf: false }');
  if (!SCATTER_REDUCE.includes(reduce)) throw new ValueError(op, `reduce must be one of ${SCATTER_REDUCE.join(', ')}, got ${describe(reduce)}`);
  if (typeof includeSelf !== 'boolean') throw new ValueError(op, `includeSelf must be a boolean, got ${describe(includeSelf)}`);
  if (!(src instanceof Tensor)) throw new ValueError(op, `src must be a tensor, got ${describe(src)}`);
  if (x.dtype === 'bool') throw new DTypeError(op, 'needs a number tensor, got bool; convert with .int()');
  const d = normalizeDim(op, dim, x.ndim);
  const pos = positionsAlong(op, x.shape, d, index);
  const vals = valuesFor(op, x, src, index.shape, 'src');
  const line = flat(x);
  // How many src elements land on each position: needed to exclude x's own value, and by mean.
  const counts = includeSelf && reduce !== 'mean' ? null : noGrad(() => put(zerosLine(line, 'float64'), pos, expand(scalarTensor(1, 'float64'), [pos.numel()]), 'add'));
  const hit = counts === null ? null : gt(counts, 0);
  const identity = { sum: 0, mean: 0, prod: 1, amax: -Infinity, amin: Infinity }[reduce];
  const base = hit === null || includeSelf ? line : where(hit, identity, line);
  let out: Tensor;
  if (reduce === 'sum' || reduce === 'mean') {
    out = put(base, pos, vals, 'add');
    if (reduce === 'mean') {
      const n = add(counts!, includeSelf ? 1 : 0);
      const count = asDType(where(gt(n, 0), n, 1), isFloating(x.dtype) ? x.dtype : 'float64');
      // Integer means round down, as PyTorch's.
      out = isFloating(x.dtype) ? div(out, count) : asDType(floor(div(out, count)), x.dtype);
    }
  } else {
    out = reduceInto(base, pos, vals, reduce === 'prod' ? 'multiply' : reduce);
    // Positions written with includeSelf false hold the reduction of src alone; their x gets no gradient.
    if (!includeSelf) out = where(hit!, out, line);
  }
  return reshape(out, x.shape);
}

function zerosLine(line: Tensor, dtype: DType): Tensor {
  return fromStorage(allocate(dtype, line.numel()), [line.numel()]);
}

/**
 * base with vals combined in at pos by multiply, amax or amin: the kernel, and the rules
 * (g: ∂L/∂out; out[p] is the result at the position p an element went to):
 *   amax/amin: ∂/∂base[p] = g[p]·[base[p] = out[p]]/n[p],  ∂/∂vals[i] = g[pos[i]]·[vals[i] = out[pos[i]]]/n[pos[i]],
 *     with n[p] the number of elements equal to out[p] there (ties share the gradient equally);
 *   multiply: ∂/∂v = g·out/v for each factor v. Where a factor is 0 that is 0/0, so the product of
 *     the other factors is formed instead: base with its zeros set to 1 reduced again (for base),
 *     and, for a src element that is the only zero at its position, the reduction with it set to 1.
 *     A position with two or more zeros has every derivative 0, which g·out/v already gives; the
 *     second derivatives there are taken as 0 too, exact for three or more zeros but not for two.
 */
function reduceInto(base: Tensor, pos: Tensor, vals: Tensor, mode: Exclude<PutMode, 'set' | 'add'>): Tensor {
  const out = fromStorage(getBackend().put(contiguous(base.detach()), pos, contiguous(vals.detach()), mode), base.shape);
  const name = mode === 'multiply' ? 'ScatterReduceProdBackward' : mode === 'amax' ? 'ScatterReduceAmaxBackward' : 'ScatterReduceAminBackward';
  const at = (t: Tensor) => indexSelect(t, 0, pos);
  // ∂out/∂base (base's shape) and ∂out[pos]/∂vals (vals' shape): the rules above as factors, which
  // the gradient rule multiplies by g (and g[pos]) and the tangent rule by ẋ, put back in place.
  const partials = (): [Tensor, Tensor] => {
    if (mode !== 'multiply') {
      const baseTies = eq(base, out);
      const valTies = eq(vals, at(out));
      const n = add(asDType(baseTies, base.dtype), put(zerosLine(base, base.dtype), pos, asDType(valTies, base.dtype), 'add'));
      const share = div(1, where(gt(n, 0), n, 1));
      return [where(baseTies, share, 0), where(valTies, at(share), 0)];
    }
    const safe = (t: Tensor) => where(eq(t, 0), 1, t);
    const baseZero = eq(base, 0);
    const othersOfBase = reduceInto(where(baseZero, 1, base), pos, vals, 'multiply');
    const valZero = eq(vals, 0);
    const zerosThere = at(put(zerosLine(base, base.dtype), pos, asDType(valZero, base.dtype), 'add'));
    const onlyZero = logicalAnd(valZero, eq(zerosThere, 1));
    const othersOfVal = reduceInto(base, pos, where(onlyZero, 1, vals), 'multiply');
    return [where(baseZero, othersOfBase, div(out, safe(base))), where(onlyZero, at(othersOfVal), div(at(out), safe(vals)))];
  };
  return record(out, name, [base, vals], (g) => {
    const [dBase, dVals] = partials();
    return [mul(g, dBase), mul(at(g), dVals)];
  }, [base, vals, out], ([tb, tv]) => {
    const [dBase, dVals] = partials();
    return tangentSum(tb && mul(tb, dBase), tv && put(zerosLine(base, base.dtype), pos, mul(tv, dVals), 'add'));
  });
}

/** The flat positions for the index_* ops, and the shape their source must have. */
function sliceIndex(op: string, x: Tensor, d: number, index: IndexLike): { pos: Tensor; shape: Shape } {
  const full = stretchIndex(op, x, d, index);
  return { pos: positionsAlong(op, x.shape, d, contiguous(full)), shape: full.shape };
}

function checkSource(op: string, x: Tensor, source: Tensor, shape: Shape): Tensor {
  if (!(source instanceof Tensor)) throw new ValueError(op, `source must be a tensor, got ${describe(source)}`);
  if (source.dtype !== x.dtype) throw new DTypeError(op, `source is ${source.dtype} but the input is ${x.dtype}; convert it with .to('${x.dtype}')`);
  if (source.ndim !== shape.length || source.shape.some((v, i) => v !== shape[i])) {
    throw new ShapeError(op, `source must have shape ${fmtShape(shape)} (the input's, with the indexed dim the index's length), got ${fmtShape(source.shape)}`);
  }
  return reshape(contiguous(source), [-1]);
}

export interface IndexAddOptions {
  /** Scale applied to source before adding (default 1). */
  alpha?: number;
}

/**
 * x with alpha·source[…, i, …] added to x[…, index[i], …] (repeated indices add up).
 *   Gradient: ∂/∂x = g;  ∂/∂source = alpha·g picked at index.
 */
export function indexAdd(x: Tensor, dim: number, index: IndexLike, source: Tensor, options?: IndexAddOptions): Tensor {
  const { alpha = 1 } = checkOptions('indexAdd', options, ['alpha'], '{ alpha: 2 }');
  if (typeof alpha !== 'number') throw new ValueError('indexAdd', `alpha must be a number, got ${describe(alpha)}`);
  const d = normalizeDim('indexAdd', dim, x.ndim);
  const { pos, shape } = sliceIndex('indexAdd', x, d, index);
  const vals = checkSource('indexAdd', x, source, shape);
  return reshape(put(flat(x), pos, alpha === 1 ? vals : mul(vals, alpha), 'add'), x.shape);
}

/**
 * x with x[…, index[i], …] = source[…, i, …] (PyTorch's index_copy).
 *   Gradient: ∂/∂x = g, zero where overwritten;  ∂/∂source = g picked at index.
 */
export function indexCopy(x: Tensor, dim: number, index: IndexLike, source: Tensor): Tensor {
  const d = normalizeDim('indexCopy', dim, x.ndim);
  const { pos, shape } = sliceIndex('indexCopy', x, d, index);
  return reshape(put(flat(x), pos, checkSource('indexCopy', x, source, shape), 'set'), x.shape);
}

/** x with the slices index names along `dim` set to `value`.   Gradient: g, zero where filled. */
export function indexFill(x: Tensor, dim: number, index: IndexLike, value: number): Tensor {
  const d = normalizeDim('indexFill', dim, x.ndim);
  const { pos, shape } = sliceIndex('indexFill', x, d, index);
  return reshape(put(flat(x), pos, valuesFor('indexFill', x, value, [sizeOf(shape)], 'value'), 'set'), x.shape);
}

/**
 * Class indices (int32) as one-hot rows: out[…, c] = 1 where c = t[…], int32 of shape
 * [...t.shape, numClasses]. numClasses −1 (the default) means max(t) + 1, as PyTorch's one_hot.
 */
export function oneHot(t: Tensor, numClasses = -1): Tensor {
  checkIndexTensor('oneHot', t, 'the input');
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new ValueError('oneHot', `numClasses must be a positive integer or -1, got ${describe(numClasses)}`);
  const classes = numClasses === -1 ? (t.numel() === 0 ? 0 : maxOf(t).item() + 1) : numClasses;
  const bad = Array.from(t.contiguous().data).find((c) => c < 0 || c >= classes);
  if (bad !== undefined) throw new IndexError('oneHot', `class ${bad} is out of range for ${classes} classes`);
  const shape = [...t.shape, classes];
  const zeros = fromStorage(allocate('int32', sizeOf(shape)), shape);
  return scatter(zeros, -1, unsqueeze(t, -1), 1);
}
