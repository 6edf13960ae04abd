import { ValueError, type Tensor, checkOptions } from '@tensorgrad/core';
import { Optimizer, like } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, exactly PyTorch's update:
 *   g ← ∇ + λ·θ;  b ← μ·b + (1 − τ)·g  (b = g on the first step);
 *   g ← g + μ·b (Nesterov) or g ← b;   θ ← θ − lr·g
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'], '{ lr: 0.1 }');
    super(params, lr);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new ValueError('SGD', 'Nesterov momentum requires a momentum and zero dampening');
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  step(): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      const theta = p.mutableData(), grad = p.grad.data;
      // The momentum buffer starts as the first gradient itself (PyTorch's rule), so "first step"
      // is simply "no state yet".
      const first = !this.state.has(i);
      const buf = mu !== 0 ? (this.stateOf(i, () => ({ momentum_buffer: like(p) })).momentum_buffer as Float32Array) : undefined;
      for (let j = 0; j < theta.length; j++) {
        let g = grad[j] + wd * theta[j];
        if (buf !== undefined) {
          buf[j] = first ? g : mu * buf[j] + (1 - dampening) * g;
          g = nesterov ? g + mu * buf[j] : buf[j];
        }
        theta[j] -= lr * g;
      }
    });
  }

  protected hyperParameters(): Record<string, number> {
    return { momentum: this.momentum, dampening: this.dampening, weight_decay: this.weightDecay, nesterov: Number(this.nesterov) };
  }

  protected setHyperParameters(h: Record<string, number>): void {
    this.momentum = h.momentum ?? this.momentum;
    this.dampening = h.dampening ?? this.dampening;
    this.weightDecay = h.weight_decay ?? this.weightDecay;
    this.nesterov = h.nesterov === undefined ? this.nesterov : h.nesterov !== 0;
  }
}
