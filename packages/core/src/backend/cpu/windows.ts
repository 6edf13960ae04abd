import { allocate, type Storage } from '../../dtype.js';
import { DataBuffer } from '../buffer.js';
import type { View, Windows } from '../kernels.js';

/**
 * im2col and col2im, the two kernels convolution and pooling are built from (ops/conv.ts): a
 * convolution is a matrix product of the weights with the unfolded input, and both of its
 * gradients are products too, one of them folded back. Written as the definition reads: for every
 * channel, tap (i, j) and window (y, x), the input element that tap reads.
 */

/** `[N, C·kh·kw, oh·ow]` from a contiguous `[N, C, h, w]`; `padValue` outside the input. */
export function unfold(x: View, win: Windows, padValue: number): Storage {
  const [n, c] = x.shape;
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = win;
  const L = oh * ow;
  const out = allocate(x.buffer.dtype, n * c * kh * kw * L);
  const X = x.buffer.host;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = x.offset + (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let y = 0; y < oh; y++) {
            const r = y * sh - ph + i * dh;
            for (let xx = 0; xx < ow; xx++, o++) {
              const col = xx * sw - pw + j * dw;
              out[o] = r >= 0 && r < h && col >= 0 && col < w ? X[plane + r * w + col] : padValue;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Per window, its maximum and the flat in-plane position of its first maximum (NaN wins), `[N, C, oh·ow]` each. */
export function maxPool(x: View, win: Windows): { values: Storage; indices: Storage } {
  const [n, c] = x.shape;
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = win;
  const values = allocate(x.buffer.dtype, n * c * oh * ow);
  const indices = allocate('int32', n * c * oh * ow);
  const X = x.buffer.host;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = x.offset + plane * h * w;
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++, o++) {
        let best = -Infinity, at = -1;
        for (let i = 0; i < kh; i++) {
          const r = y * sh - ph + i * dh;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < kw; j++) {
            const col = xx * sw - pw + j * dw;
            if (col < 0 || col >= w) continue;
            const v = X[base + r * w + col];
            if (at < 0 || v > best || (v !== v && best === best)) {
              best = v;
              at = r * w + col;
            }
          }
        }
        values[o] = best;
        indices[o] = at;
      }
    }
  }
  return { values, indices };
}

/** `[N, channels, h, w]`: every entry of a contiguous `[N, channels·kh·kw, oh·ow]` added where `unfold` read it. */
export function fold(cols: View, win: Windows, channels: number): Storage {
  const n = cols.shape[0];
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = win;
  const out = allocate(cols.buffer.dtype, n * channels * h * w);
  const C = cols.buffer.host;
  let o = cols.offset;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < channels; ch++) {
      const plane = (b * channels + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let y = 0; y < oh; y++) {
            const r = y * sh - ph + i * dh;
            for (let xx = 0; xx < ow; xx++, o++) {
              const col = xx * sw - pw + j * dw;
              if (r >= 0 && r < h && col >= 0 && col < w) out[plane + r * w + col] += C[o];
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * The three convolution kernels, per image and group, from unfold, fold and a plain product
 * (accumulated in float64): y[n]_g = W_g·cols_g, ∂x[n] = fold(W_gᵀ·g[n]_g), ∂W_g = Σₙ g[n]_g·cols_gᵀ,
 * where cols = unfold(x[n]) is `[C·kh·kw, L]` and group g owns rows g·K … (g+1)·K − 1, K = C/G·kh·kw.
 */
function imageColumns(x: View, n: number, win: Windows): Storage {
  const [, c, h, w] = x.shape;
  return unfold({ buffer: x.buffer, shape: [1, c, h, w], strides: [c * h * w, h * w, w, 1], offset: x.offset + n * c * h * w }, win, 0);
}

export function conv2d(x: View, weight: View, bias: View | null, win: Windows, groups: number): Storage {
  const n = x.shape[0];
  const cout = weight.shape[0], K = weight.shape[1], L = win.oh * win.ow, og = cout / groups;
  const out = allocate(x.buffer.dtype, n * cout * L);
  const W = weight.buffer.host, B = bias?.buffer.host;
  const acc = new Float64Array(L);
  for (let b = 0; b < n; b++) {
    const cols = imageColumns(x, b, win);
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / og);
      acc.fill(bias ? B![bias.offset + o] : 0);
      for (let k = 0; k < K; k++) {
        const wv = W[weight.offset + o * K + k], row = (g * K + k) * L;
        for (let l = 0; l < L; l++) acc[l] += wv * cols[row + l];
      }
      out.set(acc, (b * cout + o) * L);
    }
  }
  return out;
}

export function conv2dInputGrad(g: View, weight: View, win: Windows, groups: number, channels: number): Storage {
  const n = g.shape[0], cout = weight.shape[0], K = weight.shape[1], L = win.oh * win.ow, og = cout / groups;
  const cols = new Float64Array(n * channels * win.kh * win.kw * L);
  const W = weight.buffer.host, G = g.buffer.host;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cout; o++) {
      const grp = Math.floor(o / og), gRow = g.offset + (b * cout + o) * L;
      for (let k = 0; k < K; k++) {
        const wv = W[weight.offset + o * K + k], row = (b * channels * win.kh * win.kw + grp * K + k) * L;
        for (let l = 0; l < L; l++) cols[row + l] += wv * G[gRow + l];
      }
    }
  }
  const shape = [n, channels * win.kh * win.kw, L];
  const folded = fold({ buffer: DataBuffer.fromHost(cols), shape, strides: [shape[1] * L, L, 1], offset: 0 }, win, channels);
  const out = allocate(g.buffer.dtype, folded.length);
  out.set(folded);
  return out;
}

export function conv2dWeightGrad(g: View, x: View, win: Windows, groups: number): Storage {
  const n = x.shape[0], c = x.shape[1], cout = g.shape[1], L = win.oh * win.ow, og = cout / groups;
  const K = (c / groups) * win.kh * win.kw;
  const acc = new Float64Array(cout * K);
  const G = g.buffer.host;
  for (let b = 0; b < n; b++) {
    const cols = imageColumns(x, b, win);
    for (let o = 0; o < cout; o++) {
      const grp = Math.floor(o / og), gRow = g.offset + (b * cout + o) * L;
      for (let k = 0; k < K; k++) {
        const row = (grp * K + k) * L;
        let s = 0;
        for (let l = 0; l < L; l++) s += G[gRow + l] * cols[row + l];
        acc[o * K + k] += s;
      }
    }
  }
  const out = allocate(g.buffer.dtype, cout * K);
  out.set(acc);
  return out;
}
