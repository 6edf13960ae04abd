import { Tensor, ValueError, checkOptions, noGrad } from '@tensorgrad/core';
import { Optimizer } from './optimizer.js';

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

  /** The update with tensor ops, in place on the parameter and the momentum buffer (PyTorch's own sequence). */
  step(): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    noGrad(() => this.params.forEach((p, i) => {
      if (p.grad === null) return;
      let g = wd !== 0 ? p.grad.add(p.mul(wd)) : p.grad;
      if (mu !== 0) {
        // The momentum buffer starts as the first gradient itself (PyTorch's rule), so "first
        // step" is simply "no state yet". A buffer loaded by loadStateDict arrives as an array.
        const s = this.state.get(i);
        const saved = s?.momentum_buffer;
        const buf = saved === undefined ? g.clone() : saved instanceof Tensor ? saved : new Tensor(saved as Float32Array | Float64Array, p.shape);
        if (saved !== undefined) buf.mul_(mu).add_(g.mul(1 - dampening));
        this.state.set(i, { momentum_buffer: buf });
        g = nesterov ? g.add(buf.mul(mu)) : buf;
      }
      p.sub_(g.mul(lr));
    }));
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
