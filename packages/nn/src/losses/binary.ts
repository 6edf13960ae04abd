/** Binary cross-entropy, on probabilities and on logits. */
import { type Tensor, bce } from '@tensorgrad/core';
import { type LossOptions, lossOptions, reduce } from './reduction.js';
import { broadcastWeight, elementwisePair } from './checks.js';

export interface BinaryCrossEntropyOptions extends LossOptions {
  /** A rescaling weight that broadcasts to the input's shape (one per sample, per element…). */
  weight?: Tensor;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /**
   * A weight on the positive term, broadcast over the last dim like PyTorch's (one per class for an
   * input [N, C]): > 1 raises recall, < 1 precision.
   */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on probabilities p ∈ [0, 1]:  ℓ = −w·[t·log p + (1 − t)·log(1 − p)].
 * Each log is clamped at −100 as PyTorch does, so p = 0 or 1 gives a large finite loss, never ∞.
 * One fused kernel each way (core's `bce`); its gradient is PyTorch's (p − t)/max(p(1 − p), 10⁻¹²).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const o = lossOptions(op, options, ['reduction', 'weight'], "{ reduction: 'sum' }");
  const [x, t] = elementwisePair(op, input, target);
  const loss = bce(x, t);
  return reduce(o.weight === undefined ? loss : loss.mul(broadcastWeight(op, 'weight', o.weight, x)), o.reduction);
}

/**
 * Binary cross-entropy on logits z with positive weight p (default 1):
 *
 *   ℓ = −w·[p·t·log σ(z) + (1 − t)·log(1 − σ(z))] = w·[(1 − t)·z + (1 + (p − 1)·t)·softplus(−z)]
 *
 * using log(1 − σ(z)) = log σ(z) − z. softplus(−z) = −logsigmoid(z) is computed as
 * max(−z, 0) + log1p(e^{−|z|}), so no σ(z) that rounds to 0 or 1 is ever formed: the loss and its
 * gradient σ(z)·(1 + (p − 1)·t) − p·t stay exact for |z| in the hundreds.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const o = lossOptions(op, options, ['reduction', 'weight', 'posWeight'], "{ reduction: 'sum', posWeight }");
  const [z, t] = elementwisePair(op, input, target);
  const softplusNeg = z.logsigmoid().neg();
  let positive = softplusNeg;
  if (o.posWeight !== undefined) {
    const p = broadcastWeight(op, 'posWeight', o.posWeight, z, ' (it is broadcast over the last dim: one entry per class)');
    positive = p.sub(1).mul(t).add(1).mul(softplusNeg);
  }
  const loss = t.neg().add(1).mul(z).add(positive);
  return reduce(o.weight === undefined ? loss : loss.mul(broadcastWeight(op, 'weight', o.weight, z)), o.reduction);
}
