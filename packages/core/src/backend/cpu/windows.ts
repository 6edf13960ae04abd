import { allocate, type Storage } from '../../dtype.js';
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
