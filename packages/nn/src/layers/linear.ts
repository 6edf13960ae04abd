import { checkOptions, linear, zeros, type Generator, type Tensor } from '@tensorgrad/core';
import { kaimingUniform, uniform } from '../init.js';
import { Module, Parameter } from '../module.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

/**
 * y = x·Wᵀ + b, with `weight` stored `[out, in]` and `bias` `[out]` exactly as in PyTorch, so
 * state dicts move both ways. Initialised as PyTorch does: W, b ~ U(−1/√in, 1/√in).
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    const { bias = true, generator } = checkOptions('Linear', options, ['bias', 'generator'], '{ bias: false }');
    this.weight = new Parameter(kaimingUniform(zeros([outFeatures, inFeatures]), { a: Math.sqrt(5), generator }));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = bias ? new Parameter(uniform(zeros([outFeatures]), -bound, bound, { generator })) : null;
  }

  forward(x: Tensor): Tensor {
    // One fused kernel call; W is read in its stored [out, in] layout (see core's `linear`).
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
