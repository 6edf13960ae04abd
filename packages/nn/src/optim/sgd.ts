import { ValueError, checkOptions, type Tensor } from '@tensorgrad/core';
import { flag, nonNegative } from './check.js';
import { Optimizer, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export type SGDHyper = Required<SGDOptions>;
export type SGDParamGroup = ParamGroupInput<SGDHyper>;

const RULES: Rules<SGDHyper> = { lr: nonNegative, momentum: nonNegative, dampening: nonNegative, weightDecay: nonNegative, nesterov: flag };

/**
 * Stochastic gradient descent, exactly PyTorch's update (μ momentum, τ dampening, λ weight decay):
 *   g ← ∇ + λθ
 *   b ← g at the first step, else b ← μb + (1 − τ)g        (only when μ ≠ 0)
 *   g ← g + μb (Nesterov) or g ← b
 *   θ ← θ − lr·g
 * SGD has no default learning rate: give `lr` in the options or in every group.
 */
export class SGD extends Optimizer<SGDHyper> {
  protected readonly stateKinds = { momentum_buffer: 'buffer' } as const;

  constructor(params: Iterable<Tensor>, options: SGDOptions);
  constructor(params: Iterable<SGDParamGroup>, options?: Partial<SGDOptions>);
  constructor(params: OptimizerParams<SGDHyper>, options?: Partial<SGDOptions>) {
    const o = checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'], '{ lr: 0.1 }');
    super(params, withDefaults<Partial<SGDHyper>>({ momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }, o), RULES);
  }

  protected override checkGroup(group: ParamGroup<SGDHyper>, where: string): void {
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ValueError(where, 'Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, momentum, dampening, weightDecay, nesterov }: ParamGroup<SGDHyper>): void {
    let g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    if (momentum !== 0) {
      // The buffer starts as the first gradient itself (PyTorch's rule): "first step" is "no buffer yet".
      const buf = s.momentum_buffer;
      if (buf === undefined) s.momentum_buffer = g.clone();
      else buf.mul_(momentum).add_(g.mul(1 - dampening));
      g = nesterov ? g.add(s.momentum_buffer.mul(momentum)) : s.momentum_buffer;
    }
    p.sub_(g.mul(lr));
  }
}
