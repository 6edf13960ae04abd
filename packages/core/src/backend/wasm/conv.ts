import type { Storage } from '../../dtype.js';
import type { KernelOutput, View, Windows } from '../kernels.js';
import { f32At, wasm } from './instance.js';
import { addressOf, arena, resultSpace } from './operands.js';
import { imageGroupsPerChunk, parallelConvInputGrad, parallelConvWindows, parallelGemm, parallelIm2col, parallelImageMinor, windowPanelsPerChunk } from './threads.js';

/**
 * The three convolution kernels on the SIMD gemm. Per group g, with K = C/G·kh·kw and L = oh·ow
 * windows per image:
 *   forward        Y_g [Cout/G, L]  = W_g · cols_g           an implicit gemm: kernels.wat's
 *                  `conv_windows` packs the gemm's panels straight from the images (no cols matrix)
 *   input grad     D_g [K, L]       = W_gᵀ · G_g,   folded back into the images as it is made:
 *                  kernels.wat's `conv_input_grad`, on the output gradient laid out image-minor
 *   weight grad    ∂W_g [Cout/G, K] += G_g · cols_gᵀ, summed over blocks of B images (im2col)
 * The gradients go through `parallelGemm` on images in blocks of B, unfolded side by side into one
 * `[C·kh·kw, B·L]` matrix, so each product is wide enough for the gemm and its threads even when
 * one image is small (the ConvVAE's first layer has K = 16 and L = 196).
 */

/** Multiply-adds per product at which the threads share it well (`PARALLEL_MIN_WORK` is 4M). */
const TARGET_WORK = 1 << 24;
/** The most floats one block's scratch may take: 64 MB, well inside the module's memory. */
const MAX_BLOCK_FLOATS = 1 << 24;

interface Geometry {
  n: number;
  c: number;
  cout: number;
  groups: number;
  win: Windows;
  /** Windows per image. */
  L: number;
  /** Rows of one group's columns: C/G·kh·kw. */
  K: number;
}

function geometry(n: number, c: number, cout: number, groups: number, win: Windows): Geometry {
  return { n, c, cout, groups, win, L: win.oh * win.ow, K: (c / groups) * win.kh * win.kw };
}

const up = (v: number, to: number): number => Math.ceil(v / to) * to;

/** Images per block: enough columns for the threads, within the scratch budget (`need(b)` floats); 0 when one image does not fit. */
function imagesPerBlock(g: Geometry, need: (b: number) => number): number {
  const wantCols = Math.max(2048, Math.ceil(TARGET_WORK / Math.max(1, (g.cout / g.groups) * g.K)));
  let b = Math.max(1, Math.min(g.n, Math.floor(wantCols / g.L)));
  while (b > 1 && (need(b) > MAX_BLOCK_FLOATS || !arena.fits(need(b)))) b = Math.ceil(b / 2);
  return arena.fits(need(b)) ? b : 0;
}

/** Floats of the scratch of an [m, k]·[k, n] product (packed A and B, and C). */
const productFloats = (m: number, k: number, n: number): number => up(m, 4) * k + k * up(n, 8) + up(m, 4) * up(n, 8);

/** im2col of images n0 … n0 + b − 1 of the image batch at byte address `x` into `[C·kh·kw, b·L]` at byte address `at` (kernels.wat's `im2col`, one image at a time). */
function unfoldBlock(x: number, g: Geometry, n0: number, b: number, at: number): void {
  const { c, win, L } = g;
  const image = c * win.h * win.w;
  parallelIm2col(x + 4 * n0 * image, image, b, c, win, at, b * L);
}

/** Copies images n0 … of the contiguous `[N, Cout, L]` `g` into `[Cout, b·L]` at float index `at`. */
function gatherBlock(G: Storage, gOffset: number, geo: Geometry, n0: number, b: number, mem: Float32Array, at: number): void {
  const { cout, L } = geo;
  for (let img = 0; img < b; img++) {
    for (let o = 0; o < cout; o++) {
      const src = gOffset + ((n0 + img) * cout + o) * L;
      mem.set(G.subarray(src, src + L), at + o * b * L + img * L);
    }
  }
}

/** A Float32Array over the whole module memory (made again after allocations: growing the memory detaches the old one). */
const memory = (): Float32Array => f32At(0, wasm().memory.buffer.byteLength / 4);

/** Scratch for the products of one call, allocated once at the largest size any product needs. */
interface Scratch {
  packedA: number;
  packedB: number;
  c: number;
}

function scratch(m: number, k: number, n: number): Scratch {
  const m4 = up(m, 4), n8 = up(n, 8);
  return { packedA: arena.alloc(m4 * k), packedB: arena.alloc(k * n8), c: arena.alloc(m4 * n8) };
}

/** C = A·B into the scratch's c ([m4, n8] row-major), with A and B given by byte address and strides. */
function product(s: Scratch, a: number, ars: number, acs: number, m: number, b: number, brs: number, bcs: number, k: number, n: number): void {
  parallelGemm({ a, ars, acs, m, b, brs, bcs, k, n, packedA: s.packedA, packedB: s.packedB, c: s.c, bias: 0 });
}

/** The i32 fields of the record kernels.wat's `conv_windows` reads (its comment lists them). */
const WINDOW_FIELDS = 25;

/**
 * y[n]_g = W_g · unfold(x[n])_g (+ bias), `[N, Cout, L]`, as an implicit gemm (kernels.wat's
 * `conv_windows`): the images are laid out image-minor in blocks of groups of 8, and every chunk
 * packs its window panels from them, multiplies and puts its outputs in place — no columns
 * matrix, no product matrix, no epilogue pass. Null when one group of 8 images does not fit.
 */
export function convolution(x: View, weight: View, bias: View | null, win: Windows, groups: number): KernelOutput | null {
  const [n, c] = x.shape, cout = weight.shape[0];
  const { K, L } = geometry(n, c, cout, groups, win), og = cout / groups, m4 = up(og, 4), cg = c / groups;
  const chw = c * win.h * win.w, size = n * cout * L, eights = Math.ceil(n / 8);
  arena.reset();
  /** Floats for a block of `e` groups of 8 images: the input as given and image-minor, the weights, the scratch, y. */
  const need = (e: number): number => {
    const per = windowPanelsPerChunk(e * L, og, K);
    return 2 * n * chw + (cout + m4) * K + cout + 8 * e * chw + Math.ceil((e * L) / per) * 32 * (K + m4) + size + WINDOW_FIELDS;
  };
  let E = eights;
  while (E > 1 && !arena.fits(need(E))) E = Math.ceil(E / 2);
  if (!arena.fits(need(E))) return null;
  const wp = addressOf(weight.buffer, weight.offset, cout * K), xp = addressOf(x.buffer, x.offset, n * chw);
  const bp = bias === null ? 0 : addressOf(bias.buffer, bias.offset, cout);
  // A scratch slot per chunk, for the most chunks any block has (a full one, or the last).
  const chunks = (panels: number): number => Math.ceil(panels / windowPanelsPerChunk(panels, og, K));
  const slot = 32 * (K + m4), slots = Math.max(chunks(E * L), chunks(Math.ceil((n - 8 * E * Math.floor((eights - 1) / E)) / 8) * L));
  const xt = arena.alloc(8 * E * chw), ap = arena.alloc(m4 * K), scratch = arena.alloc(slots * slot);
  const res = resultSpace(size), out = res.at, geo = arena.alloc(WINDOW_FIELDS);
  const { kernels, memory } = wasm();
  for (let e0 = 0; e0 < eights; e0 += E) {
    const images = Math.min(8 * E, n - 8 * e0), panels = Math.ceil(images / 8) * L;
    parallelImageMinor(xp + 4 * 8 * e0 * chw, images, chw, xt);
    for (let gi = 0; gi < groups; gi++) {
      kernels.pack_a(wp + 4 * gi * og * K, K, 1, og, K, ap, 0, m4);
      new Int32Array(memory.buffer, geo, WINDOW_FIELDS).set([
        xt, c, gi * cg, cg, win.h, win.w, win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw, win.ow, L,
        ap, K, og, bp === 0 ? 0 : bp + 4 * gi * og, out + 4 * (8 * e0 * cout + gi * og) * L, cout * L, images, scratch, slot,
      ]);
      parallelConvWindows(geo, panels, windowPanelsPerChunk(panels, og, K), e0 === 0 && gi === 0 ? res.allocate : undefined);
    }
  }
  return res.done();
}

/** The i32 fields of the record kernels.wat's `conv_input_grad` reads (its comment lists them). */
const INPUT_GRAD_FIELDS = 25;

/**
 * ∂L/∂x = fold(W_gᵀ · g_g), `[N, channels, h, w]`, image-minor (kernels.wat's `conv_input_grad`):
 * the output gradient laid out in groups of 8 images gives the gemm its panels as they are, and
 * each chunk folds its groups' products into sums of its own. Null when it does not fit.
 */
export function convolutionInputGrad(gv: View, weight: View, win: Windows, groups: number, channels: number): KernelOutput | null {
  const n = gv.shape[0], cout = weight.shape[0];
  const { K, L } = geometry(n, channels, cout, groups, win), og = cout / groups, cg = channels / groups, K4 = up(K, 4);
  const chw = channels * win.h * win.w, eights = Math.ceil(n / 8), size = n * chw;
  const per = imageGroupsPerChunk(eights, n * L * K * og), slot = 8 * chw + 32 * og + 32 * K4, chunks = Math.ceil(eights / per);
  arena.reset();
  if (!arena.fits(n * cout * L + 8 * eights * cout * L + cout * K + groups * K4 * og + chunks * slot + size + INPUT_GRAD_FIELDS)) return null;
  const gp = addressOf(gv.buffer, gv.offset, n * cout * L), wp = addressOf(weight.buffer, weight.offset, cout * K);
  const gt = arena.alloc(8 * eights * cout * L), ap = arena.alloc(groups * K4 * og), scratch = arena.alloc(chunks * slot);
  const res = resultSpace(size), geo = arena.alloc(INPUT_GRAD_FIELDS);
  const { kernels, memory } = wasm();
  parallelImageMinor(gp, n, cout * L, gt);
  // W_gᵀ [K, og] of each group: element (r, o) is W[g·og + o, r].
  for (let gi = 0; gi < groups; gi++) kernels.pack_a(wp + 4 * gi * og * K, 1, K, K, og, ap + 4 * gi * K4 * og, 0, K4);
  new Int32Array(memory.buffer, geo, INPUT_GRAD_FIELDS).set([
    gt, cout, L, og, groups, cg, channels, win.h, win.w, win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw, win.ow,
    ap, K, K4, res.at, n, scratch, slot,
  ]);
  parallelConvInputGrad(geo, eights, per, res.allocate);
  return res.done();
}

/** ∂L/∂W = Σₙ g[n]_g · unfold(x[n])_gᵀ, `[Cout, K]`, summed over the blocks in float64. */
export function convolutionWeightGrad(gv: View, x: View, win: Windows, groups: number): Float32Array | null {
  const [n, c] = x.shape, cout = gv.shape[1];
  const g = geometry(n, c, cout, groups, win);
  const { K, L } = g, og = cout / groups;
  arena.reset();
  const B = imagesPerBlock(g, (b) => n * c * win.h * win.w + (c * win.kh * win.kw + cout) * b * L + productFloats(og, b * L, K));
  if (B === 0) return null;
  const xp = addressOf(x.buffer, x.offset, n * c * win.h * win.w);
  const cols = arena.alloc(c * win.kh * win.kw * B * L), gBlock = arena.alloc(cout * B * L), s = scratch(og, B * L, K);
  const G = gv.buffer.host;
  const acc = new Float64Array(cout * K);
  const k8 = up(K, 8);
  for (let n0 = 0; n0 < n; n0 += B) {
    const b = Math.min(B, n - n0), cw = b * L;
    unfoldBlock(xp, g, n0, b, cols);
    gatherBlock(G, gv.offset, g, n0, b, memory(), gBlock / 4);
    for (let gi = 0; gi < groups; gi++) {
      // colsᵀ [B·L, K]: element (p, j) is cols_g[j, p].
      product(s, gBlock + 4 * gi * og * cw, cw, 1, og, cols + 4 * gi * K * cw, 1, cw, cw, K);
      const mem = memory(), c0 = s.c / 4;
      for (let o = 0; o < og; o++) for (let j = 0; j < K; j++) acc[(gi * og + o) * K + j] += mem[c0 + o * k8 + j];
    }
  }
  return Float32Array.from(acc);
}
