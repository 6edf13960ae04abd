// Sampling text from the model: temperature, top-k, and a categorical draw with `multinomial`.
import { multinomial, noGrad, softmax, tensor, type Generator, type Tensor } from '@tensorgrad/core';
import type { GPT } from './model.js';

export interface SampleOptions {
  /**
   * Divides the logits before the softmax: p_i ∝ exp(z_i / τ). τ < 1 sharpens the distribution
   * towards the likeliest characters, τ > 1 flattens it towards uniform, and τ = 0 means greedy
   * (argmax), the limit as τ → 0. Default 1: the model's own distribution.
   */
  temperature?: number;
  /** Keep only the k likeliest characters (the rest get probability 0) before drawing; default: all. */
  topK?: number;
  generator?: Generator;
}

/**
 * The distribution the next token is drawn from, for logits [N, vocab]:
 *   z ← z / τ;  z_i ← −∞ for every i not among the k largest;  p = softmax(z)
 * A −∞ logit has weight exp(−∞) = 0 exactly, so the softmax renormalises over the top k alone.
 * Ties at the k-th value are all kept (as nanoGPT: the mask is z < k-th largest).
 */
export function nextTokenProbs(logits: Tensor, { temperature = 1, topK }: SampleOptions = {}): Tensor {
  if (!(temperature > 0)) throw new Error(`char-gpt: nextTokenProbs needs a temperature > 0, got ${temperature} (0 means greedy: use sampleNext)`);
  let z = logits.div(temperature);
  if (topK !== undefined && topK < z.shape[z.ndim - 1]) {
    const kth = z.topk(topK, { dim: -1 }).values.narrow(-1, topK - 1, 1); // [N, 1]: the k-th largest of each row
    z = z.maskedFill(z.lt(kth), -Infinity);
  }
  return softmax(z, -1);
}

/** One token per row of logits [N, vocab] → int32 [N, 1]. */
export function sampleNext(logits: Tensor, options: SampleOptions = {}): Tensor {
  if (options.temperature === 0) return logits.argmax(-1, true);
  // multinomial draws by inverse CDF: u ~ U[0, Σp), the first i whose running sum passes u; a
  // zero probability never moves the sum, so a token outside the top k is never drawn.
  return multinomial(nextTokenProbs(logits, options), 1, { generator: options.generator });
}

/**
 * Extends `context` (token ids) by `count` tokens, one at a time: run the model on the last
 * `blockSize` tokens (all it can see), take the logits at the last position, draw the next token,
 * append it. No key/value cache: each step recomputes the window, which is simple and, at this
 * size, fast enough.
 */
export function generate(model: GPT, context: ArrayLike<number>, count: number, options: SampleOptions = {}): number[] {
  const out = Array.from(context);
  if (out.length === 0) throw new Error('char-gpt: generate needs at least one context token');
  const wasTraining = model.training;
  model.eval(); // dropout off
  noGrad(() => {
    for (let i = 0; i < count; i++) {
      const window = out.slice(-model.config.blockSize);
      const logits = model.forward(tensor(Int32Array.from(window), { shape: [1, window.length] })); // [1, T, vocab]
      const last = logits.narrow(1, window.length - 1, 1).squeeze(1); // [1, vocab]
      out.push(sampleNext(last, options).item());
    }
  });
  model.train(wasTraining);
  return out.slice(context.length);
}
