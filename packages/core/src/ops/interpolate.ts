import { allocate } from '../dtype.js';
import { ValueError } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { matmul } from './matmul.js';
import { indexSelect } from './select.js';
import { transpose } from './view.js';
import { checkInput4d, type Pair } from './windows.js';

export interface InterpolateOptions {
  /** The output's spatial size; or give `scaleFactor`. */
  size?: Pair;
  /** Output size = ⌊input size × factor⌋; the factor itself maps output positions back (PyTorch's default). */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default) or 'bilinear'. */
  mode?: 'nearest' | 'bilinear';
  /** Bilinear only: map the corner pixels' centres onto each other (src = dst·(in − 1)/(out − 1)). */
  alignCorners?: boolean;
}

/**
 * Resizes `[N, C, H, W]` (PyTorch's `F.interpolate`). Each dim is resampled on its own:
 *   nearest:  out[i] = in[min(⌊i·scale⌋, in − 1)], an indexSelect (gradient: scatter-add);
 *   bilinear: out = M_H · x · M_Wᵀ, where row i of M holds the two weights 1 − λ and λ of the
 *             input positions around src(i) = (i + ½)·scale − ½ (clamped at 0), or i·(in − 1)/(out − 1)
 *             with alignCorners; the gradient is Mᵀ·g·M.
 * `scale` is in/out, or 1/scaleFactor when a factor is given.
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  checkInput4d(op, x);
  const { size, scaleFactor, mode = 'nearest', alignCorners } = checkOptions(op, options, ['size', 'scaleFactor', 'mode', 'alignCorners'], '{ scaleFactor: 2 }');
  if ((size === undefined) === (scaleFactor === undefined)) throw new ValueError(op, 'give exactly one of size and scaleFactor');
  if (mode !== 'nearest' && mode !== 'bilinear') throw new ValueError(op, `mode must be 'nearest' or 'bilinear', got ${describe(mode)}`);
  if (alignCorners !== undefined && (mode !== 'bilinear' || typeof alignCorners !== 'boolean')) {
    throw new ValueError(op, `alignCorners is a boolean of mode 'bilinear' only, got ${describe(alignCorners)} with mode '${mode}'`);
  }
  const inSize = [x.shape[2], x.shape[3]];
  let outSize: number[], scale: number[];
  if (size !== undefined) {
    const s = typeof size === 'number' ? [size, size] : size;
    if (!Array.isArray(s) || s.length !== 2 || s.some((v) => !Number.isInteger(v) || v < 1)) throw new ValueError(op, `size must be a positive integer or a pair, got ${describe(size)}`);
    outSize = [...s];
    scale = [0, 1].map((i) => inSize[i] / outSize[i]);
  } else {
    const f = typeof scaleFactor === 'number' ? [scaleFactor, scaleFactor] : scaleFactor;
    if (!Array.isArray(f) || f.length !== 2 || f.some((v) => typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))) {
      throw new ValueError(op, `scaleFactor must be a positive number or a pair, got ${describe(scaleFactor)}`);
    }
    outSize = [0, 1].map((i) => Math.floor(inSize[i] * f[i]));
    if (outSize.some((v) => v < 1)) throw new ValueError(op, `scaleFactor ${describe(scaleFactor)} shrinks ${inSize.join('×')} to nothing`);
    scale = [0, 1].map((i) => 1 / f[i]);
  }
  if (mode === 'nearest') {
    const pick = (dim: number): Tensor => {
      const idx = allocate('int32', outSize[dim]);
      for (let i = 0; i < idx.length; i++) idx[i] = Math.min(Math.floor(i * scale[dim]), inSize[dim] - 1);
      return fromStorage(idx, [idx.length]);
    };
    return indexSelect(indexSelect(x, 2, pick(0)), 3, pick(1));
  }
  const weights = (dim: number): Tensor => {
    const [n, m] = [outSize[dim], inSize[dim]];
    const w = allocate(x.dtype, n * m);
    for (let i = 0; i < n; i++) {
      const src = alignCorners ? (n > 1 ? (i * (m - 1)) / (n - 1) : 0) : Math.max((i + 0.5) * scale[dim] - 0.5, 0);
      const i0 = Math.min(Math.floor(src), m - 1), i1 = Math.min(i0 + 1, m - 1), l = src - i0;
      w[i * m + i0] += 1 - l;
      w[i * m + i1] += l;
    }
    return fromStorage(w, [n, m]);
  };
  return matmul(matmul(weights(0), x), transpose(weights(1), 0, 1));
}
