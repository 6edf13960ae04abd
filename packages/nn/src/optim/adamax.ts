import { checkOptions, maximum, zerosLike, type Tensor } from '@tensorgrad/core';
import { betas, nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface AdamaxOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export type AdamaxHyper = Required<AdamaxOptions>;
export type AdamaxParamGroup = ParamGroupInput<AdamaxHyper>;

const RULES: Rules<AdamaxHyper> = { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative };

/**
 * Adamax (Kingma & Ba, §7.1: Adam with the infinity norm), PyTorch's update at step t:
 *   g ← ∇ + λθ;  m ← β₁m + (1−β₁)g;  u ← max(β₂u, |g| + ε)
 *   θ ← θ − lr/(1−β₁ᵗ) · m/u
 */
export class Adamax extends Optimizer<AdamaxHyper> {
  protected readonly stateKinds = { step: 'scalar', exp_avg: 'buffer', exp_inf: 'buffer' } as const;

  constructor(params: OptimizerParams<AdamaxHyper>, options: AdamaxOptions = {}) {
    const o = checkOptions('Adamax', options, ['lr', 'betas', 'eps', 'weightDecay'], '{ lr: 0.002 }');
    super(params, withDefaults<AdamaxHyper>({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, betas: [beta1, beta2], eps, weightDecay }: ParamGroup<AdamaxHyper>): void {
    const step = nextStep(s);
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const m = (s.exp_avg ??= zerosLike(p));
    const u = (s.exp_inf ??= zerosLike(p));
    m.mul_(beta1).add_(g.mul(1 - beta1));
    u.copy_(maximum(u.mul(beta2), g.abs().add(eps)));
    const clr = lr / (1 - beta1 ** step);
    p.sub_(m.mul(clr).div(u));
  }
}
