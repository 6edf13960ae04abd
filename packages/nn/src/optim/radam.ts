import { checkOptions, div, zerosLike, type Tensor } from '@tensorgrad/core';
import { betas, nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface RAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export type RAdamHyper = Required<RAdamOptions>;
export type RAdamParamGroup = ParamGroupInput<RAdamHyper>;

const RULES: Rules<RAdamHyper> = { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative };

/**
 * RAdam (Liu et al.: Adam with the variance of its adaptive rate rectified), PyTorch's update:
 *   g ← ∇ + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ)
 *   ρ∞ = 2/(1−β₂) − 1;  ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ)
 *   ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)),  θ ← θ − lr · m̂ · √(1−β₂ᵗ)/(√v + ε) · r
 *   else:    θ ← θ − lr · m̂   (the variance is not yet tractable: plain momentum SGD)
 */
export class RAdam extends Optimizer<RAdamHyper> {
  protected readonly stateKinds = { step: 'scalar', exp_avg: 'buffer', exp_avg_sq: 'buffer' } as const;

  constructor(params: OptimizerParams<RAdamHyper>, options: RAdamOptions = {}) {
    const o = checkOptions('RAdam', options, ['lr', 'betas', 'eps', 'weightDecay'], '{ lr: 0.001 }');
    super(params, withDefaults<RAdamHyper>({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, betas: [beta1, beta2], eps, weightDecay }: ParamGroup<RAdamHyper>): void {
    const step = nextStep(s);
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const m = (s.exp_avg ??= zerosLike(p));
    const v = (s.exp_avg_sq ??= zerosLike(p));
    m.mul_(beta1).add_(g.mul(1 - beta1));
    v.mul_(beta2).add_(g.mul(1 - beta2).mul(g));
    const mHat = m.div(biasCorrection1);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
    if (rhoT > 5) {
      const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      const adaptiveLr = div(Math.sqrt(biasCorrection2), v.sqrt().add(eps));
      p.sub_(mHat.mul(lr).mul(adaptiveLr).mul(rect));
    } else p.sub_(mHat.mul(lr));
  }
}
