import { DTypeError, Generator, Tensor, ValueError, checkOptions, eq, tensor, where, zeros } from '@tensorgrad/core';
import { normal } from '../init.js';
import { Module, Parameter } from '../module.js';

export interface EmbeddingOptions {
  /** This index's row is zero at the start and never receives a gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number;
  /** Generator for the initial weights, N(0, 1) as in PyTorch (default: the global one). */
  generator?: Generator;
}

/**
 * A lookup table: row i of `weight` `[numEmbeddings, embeddingDim]` is the vector of index i.
 * `forward(indices)` takes int32 indices of any shape and returns `[...indices.shape, embeddingDim]`.
 * Gradient: each looked-up row accumulates the gradients of every place it went (indexSelect's
 * scatter-add).
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | undefined;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    const { paddingIdx, generator } = checkOptions('Embedding', options, ['paddingIdx', 'generator'], '{ paddingIdx: 0 }');
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError('Embedding', `${name} must be a positive integer, got ${String(v)}`);
    }
    if (paddingIdx !== undefined && (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)) {
      throw new ValueError('Embedding', `paddingIdx ${String(paddingIdx)} is outside the ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = paddingIdx === undefined ? undefined : (paddingIdx + numEmbeddings) % numEmbeddings;
    const w = normal(zeros([numEmbeddings, embeddingDim]), 0, 1, { generator });
    if (this.paddingIdx !== undefined) w.mutableData().fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = new Parameter(w);
  }

  forward(indices: Tensor): Tensor {
    if (!(indices instanceof Tensor) || indices.dtype !== 'int32') {
      throw new DTypeError('Embedding', `indices must be an int32 tensor, got ${indices instanceof Tensor ? indices.dtype : typeof indices}; convert them with .int()`);
    }
    const flat = indices.reshape(-1);
    // The padding row reads its value but passes no gradient back.
    let w: Tensor = this.weight;
    if (this.paddingIdx !== undefined) {
      const rows = tensor(Array.from({ length: this.numEmbeddings }, (_, i) => i), { shape: [this.numEmbeddings, 1] });
      w = where(eq(rows, this.paddingIdx), w.detach(), w);
    }
    return w.indexSelect(0, flat).reshape([...indices.shape, this.embeddingDim]);
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
