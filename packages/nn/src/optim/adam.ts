import { Tensor, ValueError, adamStep_, noGrad, checkOptions } from '@tensorgrad/core';
import { Optimizer, like } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

const ADAM_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

/**
 * Adam (Kingma & Ba), PyTorch's update:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  (amsgrad: v̂ ← max(v̂, v))
 *   θ ← θ − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
 * `weightDecay` adds λθ to the gradient (L2 penalty); AdamW decays θ directly instead.
 */
export class Adam extends Optimizer {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** AdamW decouples weight decay from the gradient. */
  protected decoupled = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    const name = new.target.name;
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false } = checkOptions(name, options, ADAM_OPTIONS, '{ lr: 0.001 }');
    super(params, lr);
    if (!(betas[0] >= 0 && betas[0] < 1 && betas[1] >= 0 && betas[1] < 1)) {
      throw new ValueError(this.constructor.name, `betas must be in [0, 1), got [${betas.join(', ')}]`);
    }
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.amsgrad = amsgrad;
  }

  step(): void {
    const { lr, eps, weightDecay, decoupled } = this;
    const [beta1, beta2] = this.betas;
    const amsgrad = this.amsgrad;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      const s = this.stateOf(i, () => ({
        step: 0,
        exp_avg: like(p),
        exp_avg_sq: like(p),
        ...(amsgrad ? { max_exp_avg_sq: like(p) } : {}),
      }));
      const step = (s.step as number) + 1;
      s.step = step;
      // The moments as tensors of the parameter's shape, made once and kept: one fused pass on
      // the active backend (core's adamStep_), which may keep them on its device between steps.
      const state = (key: string): Tensor => {
        const v = s[key];
        if (v instanceof Tensor) return v;
        return (s[key] = new Tensor(v as Float32Array | Float64Array, p.shape));
      };
      const vmax = s.max_exp_avg_sq === undefined ? null : state('max_exp_avg_sq');
      noGrad(() =>
        adamStep_(p, p.grad!.contiguous(), state('exp_avg'), state('exp_avg_sq'), vmax, {
          lr, beta1, beta2, eps, weightDecay, decoupled, step,
        }),
      );
    });
  }

  protected hyperParameters(): Record<string, number> {
    return { beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weight_decay: this.weightDecay, amsgrad: Number(this.amsgrad) };
  }

  protected setHyperParameters(h: Record<string, number>): void {
    this.betas = [h.beta1 ?? this.betas[0], h.beta2 ?? this.betas[1]];
    this.eps = h.eps ?? this.eps;
    this.weightDecay = h.weight_decay ?? this.weightDecay;
    this.amsgrad = h.amsgrad === undefined ? this.amsgrad : h.amsgrad !== 0;
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ·(1 − lr·λ) before the Adam step. Default λ = 0.01. */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, { weightDecay: 1e-2, ...checkOptions('AdamW', options, ADAM_OPTIONS, '{ lr: 0.001 }') });
    this.decoupled = true;
  }
}
