import { checkOptions, tensor, zerosLike, type Tensor } from '@tensorgrad/core';
import { betas, nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface NAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  momentumDecay?: number;
}

export type NAdamHyper = Required<NAdamOptions>;
export type NAdamParamGroup = ParamGroupInput<NAdamHyper>;

const RULES: Rules<NAdamHyper> = { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative, momentumDecay: nonNegative };

/**
 * NAdam (Dozat: Adam with Nesterov momentum), PyTorch's update at step t (ψ momentum decay):
 *   μₜ = β₁(1 − ½·0.96^(tψ));  Πₜ = μ₁μ₂…μₜ
 *   g ← ∇ + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  d = √(v/(1−β₂ᵗ)) + ε
 *   θ ← θ − lr(1−μₜ)/(1−Πₜ) · g/d − lr·μₜ₊₁/(1−Πₜμₜ₊₁) · m/d
 */
export class NAdam extends Optimizer<NAdamHyper> {
  protected readonly stateKinds = { step: 'scalar', mu_product: 'scalar', exp_avg: 'buffer', exp_avg_sq: 'buffer' } as const;

  constructor(params: OptimizerParams<NAdamHyper>, options: NAdamOptions = {}) {
    const o = checkOptions('NAdam', options, ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay'], '{ lr: 0.002 }');
    super(params, withDefaults<NAdamHyper>({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, betas: [beta1, beta2], eps, weightDecay, momentumDecay }: ParamGroup<NAdamHyper>): void {
    const step = nextStep(s);
    const biasCorrection2 = 1 - beta2 ** step;
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
    // PyTorch keeps Πₜ in a float32 tensor whatever the parameter's dtype, so each product is
    // rounded to float32 (with μ itself rounded to float32 first, as a float32 tensor times a
    // Python float is); Math.fround reproduces those roundings exactly.
    const f = Math.fround;
    const muProduct = f(f(s.mu_product === undefined ? 1 : s.mu_product.item()) * f(mu));
    const muProductNext = f(f(muProduct * f(mu)) * f(muNext));
    s.mu_product = tensor(muProduct, { dtype: 'float32' });
    const m = (s.exp_avg ??= zerosLike(p));
    const v = (s.exp_avg_sq ??= zerosLike(p));
    m.mul_(beta1).add_(g.mul(1 - beta1));
    v.mul_(beta2).add_(g.mul(1 - beta2).mul(g));
    const denom = v.div(biasCorrection2).sqrt().add(eps);
    p.add_(g.mul((-lr * (1 - mu)) / (1 - muProduct)).div(denom));
    p.add_(m.mul((-lr * muNext) / (1 - muProductNext)).div(denom));
  }
}
