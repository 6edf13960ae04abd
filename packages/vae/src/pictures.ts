import { join } from 'node:path';
import { Generator, Tensor, TensorgradError, ValueError, cat, fmtShape, linspace, noGrad, randn, stack, tensor } from '@tensorgrad/core';
import { writeFileAtomic, type MnistDataset } from '@tensorgrad/nn';
import pngjs from 'pngjs';
import type { VAEBase } from './model.js';

const { PNG } = pngjs;
const SIDE = 28;

export interface GridOptions {
  /** Each pixel becomes scale×scale screen pixels (default 3). */
  scale?: number;
  /** Gap between tiles, in screen pixels (default 2). */
  pad?: number;
}

/**
 * Lays out `[N, 784]` images (values in [0, 1], white digits on black) as a grid of `cols`
 * columns and encodes it as a grayscale PNG (via pngjs). Gaps are mid-gray so tiles stand apart.
 */
export function imageGrid(images: Tensor, cols: number, { scale = 3, pad = 2 }: GridOptions = {}): Buffer {
  if (images.ndim !== 2 || images.shape[1] !== SIDE * SIDE) {
    throw new ValueError('imageGrid', `expected images [N, ${SIDE * SIDE}], got ${fmtShape(images.shape)}`);
  }
  const n = images.shape[0];
  const rows = Math.ceil(n / cols);
  const tile = SIDE * scale;
  const width = cols * tile + (cols + 1) * pad;
  const height = rows * tile + (rows + 1) * pad;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const buf = Buffer.alloc(width * height, 128);
  const px = images.data;
  for (let k = 0; k < n; k++) {
    const x0 = pad + (k % cols) * (tile + pad);
    const y0 = pad + Math.floor(k / cols) * (tile + pad);
    for (let y = 0; y < tile; y++) {
      for (let x = 0; x < tile; x++) {
        const v = px[k * SIDE * SIDE + Math.floor(y / scale) * SIDE + Math.floor(x / scale)];
        buf[(y0 + y) * width + x0 + x] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  png.data = buf;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Writes a PNG grid atomically (a FileError naming the path when it cannot). */
export function saveGrid(path: string, images: Tensor, cols: number, options?: GridOptions): void {
  writeFileAtomic(path, [imageGrid(images, cols, options)], 'saveGrid');
}

/** Input digits over their reconstructions (eval mode: z = mu): 2 rows of `x.shape[0]`. */
export function reconstructionGrid(model: VAEBase, x: Tensor): Tensor {
  return noGrad(() => {
    const wasTraining = model.training;
    model.eval();
    const recon = model.forward(x);
    model.train(wasTraining);
    return cat([x, recon], 0);
  });
}

/**
 * A straight line in latent space between the codes (latent means) of two images:
 * z_i = (i/N)·z_b + (1 − i/N)·z_a for i = 0…N, decoded.
 */
export function interpolate(model: VAEBase, a: Tensor, b: Tensor, steps = 9): Tensor {
  return noGrad(() => {
    const za = model.encode(a.reshape(1, -1)).mu;
    const zb = model.encode(b.reshape(1, -1)).mu;
    const n = steps - 1;
    const zs = Array.from({ length: steps }, (_, i) => zb.mul(n === 0 ? 0 : i / n).add(za.mul(n === 0 ? 1 : 1 - i / n)));
    return model.decode(cat(zs, 0));
  });
}

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The classic picture of a 2-D latent space: decodings of an n×n grid of codes placed at normal
 * quantiles 0.05…0.95, so the grid covers the prior N(0, I) evenly in probability.
 */
export function manifold(model: VAEBase, n = 20): Tensor {
  if (model.latent !== 2) throw new ValueError('manifold', `needs a 2-D latent space, this model has ${model.latent}`);
  const q = Array.from(linspace(0.05, 0.95, n).data, normalQuantile);
  const codes: Tensor[] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) codes.push(tensor([q[c], -q[r]]));
  return noGrad(() => model.decode(stack(codes, 0)));
}

/**
 * Decodings of `n` codes drawn from the prior N(0, I) (seeded), as in the write-up: a row of up
 * to 8, or a square grid for more (64 → 8×8).
 */
export function saveSamples(path: string, model: VAEBase, n: number, seed: number): void {
  const z = randn([n, model.latent], { generator: new Generator(seed) });
  saveGrid(path, noGrad(() => model.decode(z)), n > 8 ? Math.ceil(Math.sqrt(n)) : n);
}

/** The first image of `digit` in a dataset, `[1, 784]`, or undefined when it has none. */
export function firstOfDigit(data: MnistDataset, digit: number): Tensor | undefined {
  const i = data.labels.indexOf(digit);
  return i < 0 ? undefined : data.getBatch([i]).images;
}

/**
 * The digits to interpolate between: `from` and `to` when the dataset has both, else the first
 * two different digits it has (a small --limit-test may hold no 0 or no 6), else none.
 */
export function interpolationEnds(data: MnistDataset, from = 0, to = 6): { from: number; to: number } | undefined {
  if (data.labels.includes(from) && data.labels.includes(to)) return { from, to };
  const seen = [...new Set(data.labels)];
  return seen.length >= 2 ? { from: seen[0], to: seen[1] } : undefined;
}

/** The first `n` images of a dataset (fewer if it is smaller), `[n, 784]`. */
export function firstImages(data: MnistDataset, n = 8): Tensor {
  return data.getBatch([...Array(Math.min(n, data.length)).keys()]).images;
}

/** Input digits over their reconstructions, written as a 2-row grid. */
export function saveReconstructions(path: string, model: VAEBase, x: Tensor): void {
  saveGrid(path, reconstructionGrid(model, x), x.shape[0]);
}

/**
 * Writes samples.png, reconstructions-after.png, interpolation.png (and manifold.png for d = 2)
 * after training. A picture never fails the run it illustrates: one that cannot be drawn or
 * written is skipped with a notice (via `say`), and the names written are returned.
 */
export function drawPictures(model: VAEBase, test: MnistDataset, out: string, say: (line: string) => void, { samples = 8, seed = 0, suffix = 'after' } = {}): string[] {
  const written: string[] = [];
  const picture = (name: string, draw: (path: string) => void) => {
    try {
      draw(join(out, name));
      written.push(name);
    } catch (e) {
      if (!(e instanceof TensorgradError)) throw e;
      say(`note: skipped ${name}: ${e.message}`);
    }
  };
  picture(`reconstructions-${suffix}.png`, (path) => saveReconstructions(path, model, firstImages(test)));
  picture('samples.png', (path) => saveSamples(path, model, samples, seed));
  const ends = interpolationEnds(test);
  if (ends === undefined) say('note: skipped interpolation.png: the test set has fewer than two different digits');
  else {
    if (ends.from !== 0 || ends.to !== 6) say(`note: the test set has no ${test.labels.includes(0) ? 6 : 0}; interpolation.png goes from a ${ends.from} to a ${ends.to}`);
    picture('interpolation.png', (path) => saveGrid(path, interpolate(model, firstOfDigit(test, ends.from)!, firstOfDigit(test, ends.to)!, 9), 9));
  }
  if (model.latent === 2) picture('manifold.png', (path) => saveGrid(path, manifold(model, 20), 20));
  return written;
}
