/** Divergences between distributions: klDiv (PyTorch's kl_div) and the VAE's Gaussian KL term. */
import { type Tensor, where } from '@tensorgrad/core';
import { type LossOptions, lossOptions, reduce } from './reduction.js';
import { booleanOption, elementwisePair, floatInput, sameFloat, sameShape } from './checks.js';

/** klDiv's reductions: 'batchmean' divides the sum by the batch size (dim 0), the true KL per sample. */
export type KlDivReduction = 'mean' | 'sum' | 'none' | 'batchmean';

export interface KlDivOptions {
  /** Default 'mean' (PyTorch's): the mean over every element; 'batchmean' is the KL divergence per sample. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

/**
 * KL(target ‖ q) per element, where `input` = log q holds log-probabilities (as PyTorch takes
 * them) and `target` = t probabilities (or log t with `logTarget`):
 *
 *   ℓ = t·(log t − input)           (0 where t = 0: 0·log 0 = 0)
 *   ℓ = e^{log t}·(log t − input)   with logTarget
 *
 * 'batchmean' is Σℓ / N with N = input.shape[0] (Σℓ for a scalar input); 'mean' is Σℓ / numel.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  const o = lossOptions(op, options, ['reduction', 'logTarget'], "{ reduction: 'batchmean' }", ['mean', 'sum', 'none', 'batchmean']);
  const logTarget = booleanOption(op, 'logTarget', o.logTarget, false);
  const [x, t] = elementwisePair(op, input, target);
  let loss: Tensor;
  if (logTarget) {
    loss = t.exp().mul(t.sub(x));
  } else {
    // xlogy(t, t): log of 1 where t = 0, so the value is 0 and no −∞ reaches the gradient.
    // A negative t still gives NaN, as PyTorch's.
    loss = t.mul(where(t.eq(0), 1, t).log()).sub(t.mul(x));
  }
  if (o.reduction === 'batchmean') return x.ndim === 0 ? loss.sum() : loss.sum().div(x.shape[0]);
  return reduce(loss, o.reduction);
}

/**
 * KL divergence of N(mu, exp(logvar)) from N(0, I), per element:
 * ½·(exp(logvar) − logvar − 1 + mu²). With `reduction: 'sum'` this is the VAE's KL term.
 */
export function klDivNormal(mu: Tensor, logvar: Tensor, options: LossOptions = {}): Tensor {
  const op = 'klDivNormal';
  const o = lossOptions(op, options, ['reduction'], "{ reduction: 'sum' }");
  const m = floatInput(op, mu, 'mu');
  const lv = sameFloat(op, 'logvar', logvar, m);
  sameShape(op, m, lv, ['mu', 'logvar']);
  return reduce(lv.exp().sub(lv).sub(1).add(m.square()).mul(0.5), o.reduction);
}
