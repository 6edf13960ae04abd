import { checkOptions, zerosLike, type Tensor } from '@tensorgrad/core';
import { nonNegative, unitInterval } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

export type AdadeltaHyper = Required<AdadeltaOptions>;
export type AdadeltaParamGroup = ParamGroupInput<AdadeltaHyper>;

const RULES: Rules<AdadeltaHyper> = { lr: nonNegative, rho: unitInterval, eps: nonNegative, weightDecay: nonNegative };

/**
 * Adadelta (Zeiler), PyTorch's update (ρ smoothing, λ weight decay; lr scales the step, 1 in the paper):
 *   g ← ∇ + λθ;  v ← ρv + (1−ρ)g²
 *   δ = √(u + ε) / √(v + ε) · g;   u ← ρu + (1−ρ)δ²;   θ ← θ − lr·δ
 */
export class Adadelta extends Optimizer<AdadeltaHyper> {
  protected readonly stateKinds = { step: 'scalar', square_avg: 'buffer', acc_delta: 'buffer' } as const;

  constructor(params: OptimizerParams<AdadeltaHyper>, options: AdadeltaOptions = {}) {
    const o = checkOptions('Adadelta', options, ['lr', 'rho', 'eps', 'weightDecay'], '{ lr: 1.0 }');
    super(params, withDefaults<AdadeltaHyper>({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, rho, eps, weightDecay }: ParamGroup<AdadeltaHyper>): void {
    nextStep(s);
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const v = (s.square_avg ??= zerosLike(p));
    const u = (s.acc_delta ??= zerosLike(p));
    v.mul_(rho).add_(g.mul(1 - rho).mul(g));
    const delta = u.add(eps).sqrt().div(v.add(eps).sqrt()).mul(g);
    u.mul_(rho).add_(delta.mul(1 - rho).mul(delta));
    p.sub_(delta.mul(lr));
  }
}
