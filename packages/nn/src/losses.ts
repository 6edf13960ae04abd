import { DTypeError, IndexError, ShapeError, ValueError, bce, checkOptions, type Tensor, fmtShape } from '@tensorgrad/core';

/** How a loss folds its per-element values: their mean (default), their sum, or not at all. */
export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

function reduce(op: string, loss: Tensor, options: LossOptions): Tensor {
  const { reduction = 'mean' } = checkOptions(op, options, ['reduction'], "{ reduction: 'sum' }");
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  if (reduction === 'none') return loss;
  throw new ValueError(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(op, `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
}

/**
 * Binary cross-entropy on probabilities p ∈ [0, 1]:  −[t·log p + (1 − t)·log(1 − p)].
 * Each log is clamped at −100 as PyTorch does, so p = 0 or 1 gives a large finite loss, never ∞.
 * One fused kernel each way (core's `bce`); its gradient is PyTorch's (p − t)/max(p(1 − p), 10⁻¹²).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  sameShape('binaryCrossEntropy', input, target);
  return reduce('binaryCrossEntropy', bce(input, target), options);
}

/**
 * Binary cross-entropy on logits z, in the stable form softplus(z) − t·z
 * (= −[t·log σ(z) + (1 − t)·log(1 − σ(z))] without ever computing σ(z) = 0 or 1).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', input, target);
  return reduce('binaryCrossEntropyWithLogits', input.softplus().sub(target.mul(input)), options);
}

/** Mean squared error (x − y)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  sameShape('mseLoss', input, target);
  const d = input.sub(target);
  return reduce('mseLoss', d.mul(d), options);
}

/**
 * Cross-entropy of logits `[N, C]` against int32 class indices `[N]`:
 * logsumexp(z) − z[target], i.e. −log softmax(z)[target], computed without forming softmax.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (input.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== input.shape[0]) {
    throw new ShapeError('crossEntropy', `expected logits [N,C] and class indices [N], got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`);
  }
  if (target.dtype !== 'int32') throw new DTypeError('crossEntropy', `the target must hold int32 class indices, got ${target.dtype}; convert it with .int()`);
  const classes = input.shape[1];
  const bad = Array.from(target.data).find((c) => c < 0 || c >= classes);
  if (bad !== undefined) throw new IndexError('crossEntropy', `target class ${bad} is out of range for ${classes} classes`);
  const picked = input.gather(1, target.unsqueeze(1)).squeeze(1);
  return reduce('crossEntropy', input.logsumexp(1).sub(picked), options);
}

/**
 * KL divergence of N(mu, exp(logvar)) from N(0, I), per element:
 * ½·(exp(logvar) − logvar − 1 + mu²). With `reduction: 'sum'` this is the VAE's KL term.
 */
export function klDivNormal(mu: Tensor, logvar: Tensor, options: LossOptions = {}): Tensor {
  sameShape('klDivNormal', mu, logvar);
  const kl = logvar.exp().sub(logvar).sub(1).add(mu.mul(mu)).mul(0.5);
  return reduce('klDivNormal', kl, options);
}
