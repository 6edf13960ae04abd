import type { Tensor } from '@tensorgrad/core';
import { binaryCrossEntropy, klDivNormal } from '@tensorgrad/nn';

export interface VaeLoss {
  /** BCE + KL, summed over the batch: the negative ELBO of the batch, what training minimises. */
  total: Tensor;
  /** Reconstruction term: binary cross-entropy summed over pixels and batch. */
  bce: Tensor;
  /** KL(N(mu, σ²) ‖ N(0, I)) = ½·Σ(exp(logvar) − logvar − 1 + mu²), summed over latent dims and batch. */
  kl: Tensor;
}

/**
 * The write-up's objective. Divide `total` by the batch size for the per-example figure that
 * training logs and `metrics.jsonl` report.
 */
export function vaeLoss(recon: Tensor, x: Tensor, mu: Tensor, logvar: Tensor): VaeLoss {
  const bce = binaryCrossEntropy(recon, x, { reduction: 'sum' });
  const kl = klDivNormal(mu, logvar, { reduction: 'sum' });
  return { total: bce.add(kl), bce, kl };
}
