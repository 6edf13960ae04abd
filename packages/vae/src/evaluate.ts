import { Generator, ValueError, checkOptions, emptyCache, noGrad, randn, stack, type Tensor } from '@tensorgrad/core';
import { DataLoader, binaryCrossEntropy, type MnistDataset } from '@tensorgrad/nn';
import { vaeLoss } from './loss.js';
import { Sampler, type VAEBase } from './model.js';

export interface EvalOptions {
  /** Examples per batch (default 1000 for testLoss, 500 for the log-likelihood). */
  batchSize?: number;
  /** Where ε comes from (default: a generator seeded with 0), so estimates are reproducible. */
  noise?: Generator;
}

/**
 * The training objective on a dataset, per example: BCE + KL with z *sampled* (an estimate of
 * the negative ELBO, as PyTorch's examples/vae reports it). `noise` makes it reproducible.
 */
export async function testLoss(model: VAEBase, data: MnistDataset, options: EvalOptions = {}): Promise<number> {
  const { batchSize = 1000, noise = new Generator(0) } = checkOptions('testLoss', options, ['batchSize', 'noise'], '{ noise: new Generator(0) }');
  return perExample(data, batchSize, (images) => {
    const { mu, logvar } = model.encode(images);
    const recon = model.decode(model.sampler.sample(mu, logvar, noise));
    return vaeLoss(recon, images, mu, logvar).total.item();
  });
}

/**
 * An importance-weighted estimate of the test log-likelihood (Burda et al.), per example:
 *   log p(x) ≳ log (1/K) Σ_k p(x|z_k)·p(z_k) / q(z_k|x),   z_k ~ q(z|x).
 * With z = mu + σ·ε, log p(z) − log q(z|x) = Σ_j [−½z_j² + ½ε_j² + ½·logvar_j] (the 2π terms cancel).
 * K = 1 gives the ELBO; larger K tightens the bound.
 */
export async function importanceWeightedLogLikelihood(model: VAEBase, data: MnistDataset, k: number, options: EvalOptions = {}): Promise<number> {
  const { batchSize = 500, noise = new Generator(0) } = checkOptions('importanceWeightedLogLikelihood', options, ['batchSize', 'noise'], '{ noise: new Generator(0) }');
  if (!Number.isInteger(k) || k < 1) throw new ValueError('importanceWeightedLogLikelihood', `k must be a whole number ≥ 1, got ${String(k)}`);
  return perExample(data, batchSize, (images) => {
    const { mu, logvar } = model.encode(images);
    const weights: Tensor[] = [];
    for (let s = 0; s < k; s++) {
      const eps = randn(mu.shape, { generator: noise });
      const z = Sampler.reparameterize(mu, logvar, eps);
      const logPxz = binaryCrossEntropy(model.decode(z), images, { reduction: 'none' }).sum(1).neg();
      const logPzOverQ = z.mul(z).sub(eps.mul(eps)).sub(logvar).mul(-0.5).sum(1);
      weights.push(logPxz.add(logPzOverQ));
    }
    return stack(weights, 1).logsumexp(1).sub(Math.log(k)).sum().item();
  });
}

/**
 * Σ over batches of `batchTotal(images)` (a sum over the batch's examples, without the tape),
 * divided by the number of examples. Yields between batches so a GPU backend frees the batch's
 * textures (see emptyCache).
 */
async function perExample(data: MnistDataset, batchSize: number, batchTotal: (images: Tensor) => number): Promise<number> {
  let total = 0;
  for (const { images } of new DataLoader(data, { batchSize })) {
    total += noGrad(() => batchTotal(images));
    await emptyCache();
  }
  return total / data.length;
}
