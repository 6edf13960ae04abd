import { adamStep_, checkOptions, zerosLike, type Tensor } from '@tensorgrad/core';
import { betas, flag, nonNegative } from './check.js';
import { Optimizer, nextStep, withDefaults, type OptimizerParams, type ParamGroup, type ParamGroupInput, type ParamState, type Rules } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

export type AdamHyper = Required<AdamOptions>;
export type AdamParamGroup = ParamGroupInput<AdamHyper>;

const ADAM_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;
const RULES: Rules<AdamHyper> = { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative, amsgrad: flag };

/**
 * Adam (Kingma & Ba), PyTorch's update:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  (amsgrad: v̂ ← max(v̂, v))
 *   θ ← θ − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
 * `weightDecay` adds λθ to the gradient (L2 penalty); AdamW decays θ directly instead. The update
 * is core's fused `adamStep_` kernel: one pass per parameter on the active backend.
 */
export class Adam extends Optimizer<AdamHyper> {
  protected readonly stateKinds = { step: 'scalar', exp_avg: 'buffer', exp_avg_sq: 'buffer', max_exp_avg_sq: 'buffer' } as const;
  /** AdamW decouples weight decay from the gradient. */
  protected decoupled = false;

  constructor(params: OptimizerParams<AdamHyper>, options: AdamOptions = {}) {
    const o = checkOptions(new.target.name, options, ADAM_OPTIONS, '{ lr: 0.001 }');
    super(params, withDefaults<AdamHyper>({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false }, o), RULES);
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad }: ParamGroup<AdamHyper>): void {
    const step = nextStep(s);
    const m = (s.exp_avg ??= zerosLike(p));
    const v = (s.exp_avg_sq ??= zerosLike(p));
    const vmax = amsgrad ? (s.max_exp_avg_sq ??= zerosLike(p)) : null;
    adamStep_(p, grad.contiguous(), m, v, vmax, { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled, step });
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ·(1 − lr·λ) before the Adam step. Default λ = 0.01. */
export class AdamW extends Adam {
  constructor(params: OptimizerParams<AdamHyper>, options: AdamOptions = {}) {
    super(params, withDefaults<AdamOptions>({ weightDecay: 1e-2 }, checkOptions('AdamW', options, ADAM_OPTIONS, '{ lr: 0.001 }')));
    this.decoupled = true;
  }
}
