import { ShapeError, ValueError, fmtShape, type Tensor } from '@tensorgrad/core';
import { Module, type AnyModule } from '../module.js';

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

/** Unflattens dim `dim` into `sizes` (`torch.nn.Unflatten`): `new Unflatten(1, [64, 7, 7])` turns `[N, 3136]` into `[N, 64, 7, 7]`. */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly sizes: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new ValueError('Unflatten', `dim must be an integer, got ${String(dim)}`);
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || (s < 1 && s !== -1))) {
      throw new ValueError('Unflatten', `sizes must be a non-empty list of positive sizes (one may be -1), got ${JSON.stringify(sizes)}`);
    }
  }

  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) throw new ShapeError('Unflatten', `dim ${this.dim} is out of range for input ${fmtShape(x.shape)}`);
    return x.reshape([...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }
}

/** Returns its input: a placeholder where a layer is optional, like `torch.nn.Identity`. */
export class Identity extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * A list of sub-modules, registered as children '0', '1', … (so their parameters are found and
 * named `layers.0.weight`, as in PyTorch), that you index and iterate yourself. Like
 * `torch.nn.ModuleList` it has no `forward` of its own.
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never, never> implements Iterable<M> {
  [index: number]: M;
  private count = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.count;
  }

  /** Adds `m` at the end and returns the list, like PyTorch's `append`. */
  append(m: M): this {
    if (!(m instanceof Module)) throw new ValueError('ModuleList.append', `expected a Module, got ${String(m)}`);
    this[this.count++] = m;
    return this;
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.count; i++) yield this[i];
  }

  forward(): never {
    throw new ValueError('ModuleList', 'a ModuleList has no forward: iterate over it, or index it (list[0].forward(x))');
  }
}
