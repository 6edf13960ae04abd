import type { KernelOutput, View, Windows } from '../kernels.js';
import { f32At, wasm } from './instance.js';
import { addressOf, arena, resultSpace } from './operands.js';
import { convUnitsPerChunk, parallelConvInputGrad, parallelConvWeightRows, parallelConvWindows, parallelImageMinor, parallelRowsMinor } from './threads.js';

/**
 * The three convolution kernels, each the packed SIMD gemm (kernels.wat's `gemm`) fed straight
 * from the images, never from an unfolded `[K, N·L]` matrix of windows. Per group g, with
 * K = C/G·kh·kw and L = oh·ow windows per image:
 *   forward        Y_g [Cout/G, N·L] = W_g · windows_g     `conv_windows`: panels packed from the
 *                                                           image-minor input as the gemm needs them
 *   input grad     D_g [K, N·L]      = W_gᵀ · G_g          `conv_input_grad`: the image-minor output
 *                                                           gradient is the panels; each product
 *                                                           folded into its 8 images as it is made
 *   weight grad    ∂W_gᵀ [K, Cout/G] = windows_g · G_gᵀ    `conv_weight_rows`: the windows packed as
 *                                                           the gemm's A, G channels last as its B
 * The common trick is the image-minor layout (`image_minor`): groups of 8 images interleaved, so
 * one tap of 8 images is 8 neighbouring floats — two vector loads — whatever the stride, the
 * padding or the dilation. Every sum runs in one fixed order, so results do not depend on the
 * thread count.
 */

interface Geometry {
  /** Windows per image. */
  L: number;
  /** Rows of one group's windows: C/G·kh·kw. */
  K: number;
}

function geometry(c: number, groups: number, win: Windows): Geometry {
  return { L: win.oh * win.ow, K: (c / groups) * win.kh * win.kw };
}

const up = (v: number, to: number): number => Math.ceil(v / to) * to;

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
  const { K, L } = geometry(c, groups, win), og = cout / groups, m4 = up(og, 4), cg = c / groups;
  const chw = c * win.h * win.w, size = n * cout * L, eights = Math.ceil(n / 8);
  arena.reset();
  // Panels (window positions of 8 images) per chunk of a block of `panels`, and the block's chunks: one scratch slot each.
  const perChunk = (panels: number): number => convUnitsPerChunk(panels, panels * 8 * og * K, 4);
  const chunks = (panels: number): number => Math.ceil(panels / perChunk(panels));
  const slot = 32 * (K + m4);
  /** Floats for a block of `e` groups of 8 images: the input as given and image-minor, the weights, the scratch, y. */
  const need = (e: number): number => 2 * n * chw + (cout + m4) * K + cout + 8 * e * chw + chunks(e * L) * slot + size + WINDOW_FIELDS;
  let E = eights;
  while (E > 1 && !arena.fits(need(E))) E = Math.ceil(E / 2);
  if (!arena.fits(need(E))) return null;
  const wp = addressOf(weight.buffer, weight.offset, cout * K), xp = addressOf(x.buffer, x.offset, n * chw);
  const bp = bias === null ? 0 : addressOf(bias.buffer, bias.offset, cout);
  // Slots for the most chunks any block has: a full one, or the last (a smaller block can be cut into more chunks).
  const slots = Math.max(chunks(E * L), chunks(Math.ceil((n - 8 * E * Math.floor((eights - 1) / E)) / 8) * L));
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
      parallelConvWindows(geo, panels, perChunk(panels), e0 === 0 && gi === 0 ? res.allocate : undefined);
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
  const { K, L } = geometry(channels, groups, win), og = cout / groups, cg = channels / groups, K4 = up(K, 4);
  const chw = channels * win.h * win.w, eights = Math.ceil(n / 8), size = n * chw;
  const per = convUnitsPerChunk(eights, n * L * K * og), slot = 8 * chw + 32 * og + 32 * K4, chunks = Math.ceil(eights / per);
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

/** The i32 fields of the record kernels.wat's `conv_weight_rows` reads (its comment lists them). */
const WEIGHT_GRAD_FIELDS = 24;
/**
 * The most columns of the windows matrix one product sums over: the gemm streams a 4-row block of
 * the packed windows and an 8-column panel of G, k floats each, once per tile, so both should stay
 * in cache.
 */
const WEIGHT_GRAD_K = 2048;

/**
 * ∂L/∂W_g = Σ g_g · windows_gᵀ, `[Cout, K]`, as ∂W_gᵀ = windows_g · g_gᵀ (kernels.wat's
 * `conv_weight_rows`): in blocks of whole groups of 8 images (about WEIGHT_GRAD_K columns), the
 * windows packed straight from the image-minor input, G channels last; the blocks' products summed
 * in float64. Null when it does not fit.
 */
export function convolutionWeightGrad(gv: View, x: View, win: Windows, groups: number): Float32Array | null {
  const [n, c] = x.shape, cout = gv.shape[1];
  const { K, L } = geometry(c, groups, win), og = cout / groups, cg = c / groups, K4 = up(K, 4), n8 = up(og, 8);
  const chw = c * win.h * win.w, eights = Math.ceil(n / 8), E = Math.max(1, Math.min(eights, Math.floor(WEIGHT_GRAD_K / (8 * L)))), k = 8 * E * L;
  const quads = K4 / 4, per = convUnitsPerChunk(quads, k * K * og), chunks = Math.ceil(quads / per);
  arena.reset();
  if (!arena.fits(n * chw + n * cout * L + 8 * E * chw + k * cout + K4 * k + k * n8 + K4 * n8 + 64 * chunks + WEIGHT_GRAD_FIELDS)) return null;
  const xp = addressOf(x.buffer, x.offset, n * chw), gp = addressOf(gv.buffer, gv.offset, n * cout * L);
  const xt = arena.alloc(8 * E * chw), gt = arena.alloc(k * cout), ap = arena.alloc(K4 * k), bp = arena.alloc(k * n8), cp = arena.alloc(K4 * n8);
  const scratch = arena.alloc(64 * chunks), geo = arena.alloc(WEIGHT_GRAD_FIELDS);
  const { kernels, memory } = wasm();
  const acc = new Float64Array(cout * K);
  for (let e0 = 0; e0 < eights; e0 += E) {
    const images = Math.min(8 * E, n - 8 * e0), e = Math.ceil(images / 8), kb = 8 * e * L;
    parallelImageMinor(xp + 4 * 8 * e0 * chw, images, chw, xt);
    parallelRowsMinor(gp + 4 * 8 * e0 * cout * L, images, cout, L, gt);
    for (let gi = 0; gi < groups; gi++) {
      // Gᵀ of the group, [kb, og], rows cout floats apart.
      kernels.pack_b(gt + 4 * gi * og, cout, 1, kb, og, bp, 0, n8);
      new Int32Array(memory.buffer, geo, WEIGHT_GRAD_FIELDS).set([
        xt, c, gi * cg, cg, win.h, win.w, win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw, win.ow, L,
        e, K, ap, bp, cp, n8, kb, scratch,
      ]);
      parallelConvWeightRows(geo, quads, per);
      const C = f32At(cp, K4 * n8);
      for (let o = 0; o < og; o++) for (let r = 0; r < K; r++) acc[(gi * og + o) * K + r] += C[r * n8 + o];
    }
  }
  return Float32Array.from(acc);
}
