import { checkOptions, fullLike, type Tensor } from '@tensorgrad/core';
import { nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export type AdagradHyper = Required<AdagradOptions>;
export type AdagradParamGroup = ParamGroupInput<AdagradHyper>;

const RULES: Rules<AdagradHyper> = { lr: nonNegative, lrDecay: nonNegative, weightDecay: nonNegative, initialAccumulatorValue: nonNegative, eps: nonNegative };

/**
 * Adagrad (Duchi, Hazan & Singer), PyTorch's update at step t (η lr decay, λ weight decay):
 *   g ← ∇ + λθ;  lrₜ = lr / (1 + (t − 1)η)
 *   s ← s + g²   (s starts at initialAccumulatorValue);   θ ← θ − lrₜ · g / (√s + ε)
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  protected readonly stateKinds = { step: 'scalar', sum: 'buffer' } as const;

  constructor(params: OptimizerParams<AdagradHyper>, options: AdagradOptions = {}) {
    const o = checkOptions('Adagrad', options, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'], '{ lr: 0.01 }');
    super(params, withDefaults<AdagradHyper>({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, lrDecay, weightDecay, initialAccumulatorValue, eps }: ParamGroup<AdagradHyper>): void {
    const step = nextStep(s);
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = (s.sum ??= fullLike(p, initialAccumulatorValue));
    sum.add_(g.mul(g));
    p.sub_(g.mul(clr).div(sum.sqrt().add(eps)));
  }
}
