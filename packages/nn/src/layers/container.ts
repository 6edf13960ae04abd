import type { Tensor } from '@tensorgrad/core';
import { Module } from '../module.js';

/**
 * Runs modules in order. Children are named '0', '1', … as in PyTorch, so a
 * `Sequential(Linear, ReLU, Linear)` has parameters `0.weight`, `0.bias`, `2.weight`, `2.bias`.
 */
export class Sequential extends Module<[Tensor], Tensor> {
  [index: number]: Module<[Tensor], Tensor>;
  readonly length: number;

  constructor(...modules: Module<[Tensor], Tensor>[]) {
    super();
    modules.forEach((m, i) => (this[i] = m));
    this.length = modules.length;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.length; i++) y = this[i].forward(y);
    return y;
  }
}

/** Flattens dims `startDim..endDim` (default: all but the batch dim), like `torch.nn.Flatten`. */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
