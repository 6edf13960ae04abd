import { Generator, ValueError, checkOptions, defaultGenerator, rand, type Tensor } from '@tensorgrad/core';
import { Module } from '../module.js';

export interface DropoutOptions {
  /** Where the masks come from (default: the global generator seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Dropout (Srivastava et al.): in training mode each element is zeroed with probability `p` and
 * the survivors scaled by 1/(1 − p), so the expected output is the input; in eval mode it is the
 * identity. y = x·m/(1 − p) with m ~ Bernoulli(1 − p), so ∂y/∂x = m/(1 − p): the same mask.
 */
export class Dropout extends Module {
  readonly generator: Generator;

  constructor(readonly p = 0.5, options: DropoutOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError('Dropout', `p must be a probability in [0, 1], got ${String(p)}`);
    this.generator = checkOptions('Dropout', options, ['generator'], '{ generator: new Generator(0) }').generator ?? defaultGenerator;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    if (this.p === 1) return x.mul(0);
    const keep = rand(x.shape, { generator: this.generator, dtype: x.dtype }).ge(this.p);
    return x.mul(keep.to(x.dtype).div(1 - this.p));
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
