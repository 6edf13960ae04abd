/**
 * Losses over C classes: crossEntropy (logits against class indices or class probabilities) and
 * nllLoss (log-probabilities against class indices). Shapes follow PyTorch: the input is [C]
 * (one sample), [N, C] or [N, C, d1, …] with the class dim at 1; class indices have the input's
 * shape without the class dim, as int32; probabilities have the input's shape.
 */
import { DTypeError, IndexError, ShapeError, type Tensor, ValueError, fmtShape, indexSelect, isFloating, tensor, where } from '@tensorgrad/core';
import { type LossOptions, type Reduction, lossOptions, reduce } from './reduction.js';
import { floatInput, numberOption, sameFloat, shapesEqual, tensorArg } from './checks.js';

export interface NllLossOptions extends LossOptions {
  /** A weight per class, shape [C], of the input's dtype: the loss of a target of class c is scaled by weight[c]. */
  weight?: Tensor;
  /** Targets equal to this index add nothing to the loss nor to the mean's denominator (default −100). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε ∈ [0, 1]: the target becomes (1 − ε)·onehot + ε/C, a mix with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

const NLL_KEYS = ['reduction', 'weight', 'ignoreIndex'] as const;
const CE_KEYS = [...NLL_KEYS, 'labelSmoothing'] as const;

/** The class dim: 0 for one unbatched sample [C], else 1. */
function classDimOf(op: string, input: Tensor): number {
  if (input.ndim === 0) throw new ShapeError(op, 'the input needs a class dim: [C], [N, C] or [N, C, d1, …], got a scalar');
  return input.ndim === 1 ? 0 : 1;
}

/** The shape class indices must have: the input's without its class dim. */
function indexShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

/** The class weight as given ([C], the input's dtype), or undefined. */
function classWeight(op: string, weight: unknown, input: Tensor, classes: number): Tensor | undefined {
  if (weight === undefined) return undefined;
  const w = tensorArg(op, 'weight', weight);
  if (w.ndim !== 1 || w.shape[0] !== classes) {
    throw new ShapeError(op, `weight must hold one entry per class, shape [${classes}], got ${fmtShape(w.shape)}`);
  }
  return sameFloat(op, 'weight', w, input);
}

/** weight reshaped to broadcast along the class dim: [C] → [1, C, 1, …]. */
function alongClasses(weight: Tensor, input: Tensor, classDim: number): Tensor {
  return weight.reshape(input.shape.map((d, i) => (i === classDim ? d : 1)));
}

interface Picked {
  /** log p[target] at each target (any value where ignored). */
  picked: Tensor;
  /** The weight each target counts with: weight[target], or 1, and 0 where ignored. */
  counted: Tensor;
  /** Where the target is not ignoreIndex. */
  keep: Tensor;
}

/**
 * Checks int32 class indices against the input and picks log p[n, target[n], d…].
 * Ignored targets may hold any value; every other one must lie in [0, C).
 */
function pickTargets(op: string, logp: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picked {
  const classDim = logp.ndim === 1 ? 0 : 1;
  const classes = logp.shape[classDim];
  const shape = indexShape(logp);
  if (!shapesEqual(target.shape, shape)) {
    throw new ShapeError(op, `class indices for an input ${fmtShape(logp.shape)} must have shape ${fmtShape(shape)} (the input's without the class dim ${classDim}), got ${fmtShape(target.shape)}`);
  }
  // Ignored targets gather class 0 (always valid) and are then counted with weight 0.
  const raw = target.data;
  const safe = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === ignoreIndex) continue;
    if (c < 0 || c >= classes) throw new IndexError(op, `target class ${c} is out of range for ${classes} classes (valid: 0 to ${classes - 1}, or ignoreIndex ${ignoreIndex})`);
    safe[i] = c;
  }
  const index = tensor(safe, { shape, dtype: 'int32' });
  const keep = target.ne(ignoreIndex);
  const picked = logp.gather(classDim, index.unsqueeze(classDim)).squeeze(classDim);
  const counted = weight === undefined
    ? keep.to(logp.dtype)
    : where(keep, indexSelect(weight, 0, index.reshape([-1])).reshape(shape), 0);
  return { picked, counted, keep };
}

/**
 * Σ over targets of −weight[t]·logp[t], folded: 'mean' divides by the total weight of the targets
 * that count (their number without a weight), as PyTorch does; all targets ignored gives 0/0 = NaN.
 */
function nll({ picked, counted, keep }: Picked, reduction: Reduction): Tensor {
  // An exact 0 where ignored (the product would be −0 wherever log p < 0).
  const losses = where(keep, picked.mul(counted).neg(), 0);
  if (reduction === 'mean') return losses.sum().div(counted.sum());
  return reduce(losses, reduction);
}

function checkIgnoreIndex(op: string, value: unknown): number {
  return value === undefined ? -100 : numberOption(op, 'ignoreIndex', value, { integer: true });
}

function checkIndexDType(op: string, target: Tensor, probabilitiesAllowed: boolean): void {
  if (target.dtype === 'int32') return;
  const fix = isFloating(target.dtype) ? '; convert it with .int()' : '';
  const also = probabilitiesAllowed ? ' (or pass class probabilities, a float target of the input\'s shape)' : '';
  throw new DTypeError(op, `the target must hold int32 class indices, got ${target.dtype}${fix}${also}`);
}

/**
 * Negative log-likelihood of log-probabilities `input` at int32 class indices `target`:
 *
 *   ℓₙ = −weight[tₙ]·input[n, tₙ]   (0 where tₙ = ignoreIndex)
 *
 * 'mean' is Σℓₙ / Σ weight[tₙ] over the targets not ignored; 'none' has the target's shape.
 * Pair it with `logSoftmax(x, 1)` (which is what crossEntropy does).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const o = lossOptions(op, options, [...NLL_KEYS], "{ reduction: 'sum', ignoreIndex: -100 }");
  const x = floatInput(op, input);
  const classDim = classDimOf(op, x);
  const t = tensorArg(op, 'target', target);
  checkIndexDType(op, t, false);
  const weight = classWeight(op, o.weight, x, x.shape[classDim]);
  return nll(pickTargets(op, x, t, weight, checkIgnoreIndex(op, o.ignoreIndex)), o.reduction);
}

/**
 * Cross-entropy of logits `input` (class dim 1, or 0 for an unbatched [C]) against a target of
 * either kind, with log p = logSoftmax(input) (never forming softmax itself):
 *
 * - int32 class indices: ℓₙ = −weight[tₙ]·log p[n, tₙ], which is nllLoss(logSoftmax(input), target).
 *   With label smoothing ε:  (1 − ε)·nll + (ε/C)·smooth, where smoothₙ = −Σ_c weight[c]·log p[n, c]
 *   (0 where ignored) is reduced like nll ('mean' divides by the same Σ weight[tₙ]).
 * - class probabilities (float, the input's shape): ℓₙ = −Σ_c weight[c]·t'[n, c]·log p[n, c] with
 *   t' = (1 − ε)·t + ε/C; 'mean' divides by the number of samples N·d1·… whatever the weights.
 *   ignoreIndex does not apply (a non-negative one is an error, as in PyTorch).
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const o = lossOptions(op, options, [...CE_KEYS], "{ reduction: 'sum', labelSmoothing: 0.1 }");
  const x = floatInput(op, input);
  const classDim = classDimOf(op, x);
  const classes = x.shape[classDim];
  const t = tensorArg(op, 'target', target);
  const weight = classWeight(op, o.weight, x, classes);
  const ignoreIndex = checkIgnoreIndex(op, o.ignoreIndex);
  const eps = o.labelSmoothing === undefined ? 0 : numberOption(op, 'labelSmoothing', o.labelSmoothing, { min: 0, max: 1 });
  const logp = x.logSoftmax(classDim);

  if (isFloating(t.dtype) && shapesEqual(t.shape, x.shape)) {
    if (ignoreIndex >= 0) throw new ValueError(op, `ignoreIndex (${ignoreIndex}) does not apply to class probabilities; leave it unset`);
    const probs = sameFloat(op, 'target', t, x);
    const smoothed = eps > 0 ? probs.mul(1 - eps).add(eps / classes) : probs;
    const weighted = weight === undefined ? smoothed : smoothed.mul(alongClasses(weight, x, classDim));
    return reduce(logp.mul(weighted).sum(classDim).neg(), o.reduction);
  }
  if (isFloating(t.dtype) && !shapesEqual(t.shape, indexShape(x))) {
    throw new ShapeError(op, `a float target holds class probabilities and must have the input's shape ${fmtShape(x.shape)}; class indices (int32) would have shape ${fmtShape(indexShape(x))}; got ${t.dtype} ${fmtShape(t.shape)}`);
  }
  checkIndexDType(op, t, true);
  const picked = pickTargets(op, logp, t, weight, ignoreIndex);
  const loss = nll(picked, o.reduction);
  if (eps === 0) return loss;
  const weighted = weight === undefined ? logp : logp.mul(alongClasses(weight, x, classDim));
  const smooth = where(picked.keep, weighted.sum(classDim).neg(), 0);
  const smoothReduced = o.reduction === 'mean' ? smooth.sum().div(picked.counted.sum()) : reduce(smooth, o.reduction);
  return loss.mul(1 - eps).add(smoothReduced.mul(eps / classes));
}

