import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import type { TrainConfig } from '../src/index.js';

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'tensorgrad-vae-'));

/** Collects what the CLI or trainer writes. */
export function sink(): { write(s: string): boolean; text(): string; isTTY: boolean } {
  let out = '';
  return { write: (s: string) => ((out += s), true), text: () => out, isTTY: false };
}

/** Width, height and the spread of gray levels of a PNG (0 spread = blank). */
export function pngStats(path: string): { width: number; height: number; min: number; max: number } {
  const png = pngjs.PNG.sync.read(readFileSync(path));
  let min = 255, max = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    min = Math.min(min, png.data[i]);
    max = Math.max(max, png.data[i]);
  }
  return { width: png.width, height: png.height, min, max };
}

/** Size of a grid of `cols`×`rows` 28×28 tiles at scale 3 with 2-pixel gaps. */
export const gridSize = (cols: number, rows: number) => ({ width: cols * 84 + (cols + 1) * 2, height: rows * 84 + (rows + 1) * 2 });

/**
 * A short run of the real model (784-400-20) for comparing backends: `epochs` epochs of
 * `limitTrain` images at batch 128 (a few Adam steps), then the test loss on 200 images.
 */
export const quickRun = (backend: string, limitTrain: number, epochs = 2): TrainConfig => ({
  epochs, batchSize: 128, lr: 1e-3, seed: 5, out: tmp(), latent: 20, hidden: 400, resume: false, backend,
  limitTrain, limitTest: 200, samples: 8, stdout: sink(),
});

/** An IDX file: the 4-byte magic (uint8 data), the dims, then `fill` in every byte. */
function idx(shape: number[], fill: number): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((s, i) => head.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([head, Buffer.alloc(shape.reduce((a, b) => a * b, 1), fill)]);
}

/** A directory of MNIST-format files holding `n` grey `side`×`side` images per split, labelled 0…9 in turn. */
export function idxDataset(side: number, n = 20): string {
  const dir = tmp();
  for (const split of ['train', 't10k']) {
    writeFileSync(join(dir, `${split}-images-idx3-ubyte`), idx([n, side, side], 100));
    const labels = idx([n], 0);
    for (let i = 0; i < n; i++) labels[8 + i] = i % 10;
    writeFileSync(join(dir, `${split}-labels-idx1-ubyte`), labels);
  }
  return dir;
}
