import { checkOptions, Generator, ValueError, defaultGenerator, type Tensor, fmtShape } from '@tensorgrad/core';

/** Anything with a length that can hand out a batch for a list of example indices. */
export interface Dataset<B> {
  readonly length: number;
  getBatch(indices: readonly number[]): B;
}

/** Examples stored as tensors whose first dim indexes examples (like `torch.utils.data.TensorDataset`). */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset', 'needs at least one tensor');
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n)) {
      throw new ValueError('TensorDataset', `all tensors need the same first dim, got ${tensors.map((t) => `${fmtShape(t.shape)}`).join(', ')}`);
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getBatch(indices: readonly number[]): Tensor[] {
    return this.tensors.map((t) => t.indexSelect(0, indices));
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  /** Reshuffle the order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Where the shuffles come from (default: the global generator). Save its state to resume exactly. */
  generator?: Generator;
}

/**
 * Iterates over a dataset in batches. Each `for (const batch of loader)` is one epoch; with
 * `shuffle` every epoch draws a new permutation of the indices (the data itself is never copied).
 */
export class DataLoader<B> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;

  constructor(readonly dataset: Dataset<B>, options: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false, generator } = checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'dropLast', 'generator'], '{ batchSize: 64, shuffle: true }');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError('DataLoader', `batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator ?? defaultGenerator;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The order of examples for one epoch: identity, or a Fisher–Yates shuffle drawn from the generator. */
  order(): Int32Array {
    const n = this.dataset.length;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    if (this.shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = this.generator.integer(0, i + 1);
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  *[Symbol.iterator](): Iterator<B> {
    const idx = this.order();
    for (let b = 0; b < this.length; b++) {
      yield this.dataset.getBatch(Array.from(idx.subarray(b * this.batchSize, (b + 1) * this.batchSize)));
    }
  }
}
