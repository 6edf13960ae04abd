import { checkOptions, zerosLike, type Tensor } from '@tensorgrad/core';
import { flag, nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export type RMSpropHyper = Required<RMSpropOptions>;
export type RMSpropParamGroup = ParamGroupInput<RMSpropHyper>;

const RULES: Rules<RMSpropHyper> = { lr: nonNegative, alpha: nonNegative, eps: nonNegative, weightDecay: nonNegative, momentum: nonNegative, centered: flag };

/**
 * RMSprop (Hinton's lecture 6e), PyTorch's update (α smoothing, μ momentum, λ weight decay):
 *   g ← ∇ + λθ;  v ← αv + (1−α)g²
 *   centered: ḡ ← αḡ + (1−α)g,  a = √(v − ḡ²) + ε;   else a = √v + ε
 *   μ > 0: b ← μb + g/a,  θ ← θ − lr·b;               else θ ← θ − lr·g/a
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  protected readonly stateKinds = { step: 'scalar', square_avg: 'buffer', grad_avg: 'buffer', momentum_buffer: 'buffer' } as const;

  constructor(params: OptimizerParams<RMSpropHyper>, options: RMSpropOptions = {}) {
    const o = checkOptions('RMSprop', options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'], '{ lr: 0.01 }');
    super(params, withDefaults<RMSpropHyper>({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, alpha, eps, weightDecay, momentum, centered }: ParamGroup<RMSpropHyper>): void {
    nextStep(s);
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const v = (s.square_avg ??= zerosLike(p));
    v.mul_(alpha).add_(g.mul(1 - alpha).mul(g));
    let avg: Tensor;
    if (centered) {
      const gAvg = (s.grad_avg ??= zerosLike(p));
      gAvg.mul_(alpha).add_(g.mul(1 - alpha));
      avg = v.sub(gAvg.mul(gAvg)).sqrt();
    } else avg = v.sqrt();
    avg = avg.add(eps);
    if (momentum > 0) {
      const buf = (s.momentum_buffer ??= zerosLike(p));
      buf.mul_(momentum).add_(g.div(avg));
      p.sub_(buf.mul(lr));
    } else p.sub_(g.mul(lr).div(avg));
  }
}
