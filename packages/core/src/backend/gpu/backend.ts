import type { DType } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import {
  DECLINE, biasCorrection, type BackendImpl, type BinaryOp, type KernelOutput, type MatmulOperand, type ReduceOp, type UnaryOp, type View,
  type Windows,
} from '../kernels.js';
import { DataBuffer } from '../buffer.js';
import { copy as hostCopy } from '../host.js';
import { coalesce } from '../layout.js';
import { gpuInfo, kernel, onWebGL, TextureData, type KernelVariable, type Texture } from './context.js';
import {
  adamSource, binaryExpr, convSource, elementwiseSource, matmulSource, maxPoolSource, sumSource, unaryExpr, type AdamOutput, type BatchOffsets, type Operand,
  type WindowSource,
} from './sources.js';

/**
 * The gpu.js backend. Matmul, every elementwise op (unary, binary with broadcasting, clamp,
 * where, strided copy), the convolution's forward pass and max pooling run as gpu.js kernels; their results stay on the GPU as textures and are
 * read back only when the CPU needs them (`DataBuffer.host`). Sums of up to 4096 terms per output
 * (bias gradients) run on the GPU; longer sums, max/min, arg-reductions and gather/scatter run
 * on the CPU kernels — in a VAE they touch a loss, small next to the matmuls — and so do
 * comparisons (their results are bool) and any float64, int32 or bool tensor (textures are
 * float32); `where` uploads its bool condition as 0s and 1s.
 */

/** Float32 index arithmetic is exact below 2²⁴; larger buffers stay on the CPU kernels. */
const MAX_INDEX = 1 << 24;
/** Longest sum one GPU thread computes (a float32 running sum; longer ones go to the CPU). */
const MAX_SUM_TERMS = 4096;

function fits(...buffers: DataBuffer[]): boolean {
  return buffers.every((b) => b.dtype === 'float32' && b.length < MAX_INDEX);
}

/** What a kernel reads for a buffer: its texture (uploaded once and kept), or its host array. */
function input(buffer: DataBuffer): KernelVariable {
  if (!onWebGL()) return buffer.host as Float32Array;
  const device = buffer.device;
  if (device instanceof TextureData && device.usable) return device.texture;
  const upload = kernel(`upload:${buffer.length}`, 'function (a) { return a[this.thread.x]; }', buffer.length);
  const tex = upload(buffer.host as Float32Array) as Texture;
  buffer.setDevice(new TextureData(tex, buffer.length));
  return tex;
}

/** Wraps what a kernel returned: a texture in WebGL modes, a Float32Array in webasm/cpu modes. */
function output(result: unknown, length: number): KernelOutput {
  if (result instanceof Float32Array) return result;
  return DataBuffer.fromDevice(new TextureData(result as Texture, length), length);
}

/**
 * Runs an elementwise kernel over `shape` (output contiguous) with the given operands; returns
 * what gpu.js returned (see `output`).
 */
function elementwise(tag: string, shape: Shape, views: readonly View[], names: readonly string[], expr: string): unknown {
  const size = sizeOf(shape);
  const [dims, strides] = coalesce(shape, views.map((v) => v.strides));
  const operands: Operand[] = views.map((v, i) => ({ name: names[i], offset: v.offset, strides: strides[i] }));
  // gpu.js specialises a compiled kernel on its arguments' sizes: a view of a larger buffer needs
  // its own kernel, or it would be read with the first buffer's texture size.
  const key = `${tag}|${dims}|${operands.map((o) => `${o.offset}:${o.strides}`).join('|')}|${views.map((v) => v.buffer.length)}`;
  const k = kernel(key, elementwiseSource(dims, operands, expr), size);
  return k(...views.map((v) => input(v.buffer)));
}

const onGpu = (shape: Shape, ...views: View[]): boolean => sizeOf(shape) > 0 && fits(...views.map((v) => v.buffer));

/** Batch offsets as `first + t·step`, or null when they are not evenly spaced. */
function spacing(offsets: readonly number[]): BatchOffsets | null {
  const first = offsets[0], step = offsets.length > 1 ? offsets[1] - offsets[0] : 0;
  return offsets.every((o, t) => o === first + t * step) ? { first, step } : null;
}

/**
 * Whether some window has no tap inside the image (a dilated window can step over the whole of a
 * small input): its maximum is −∞, which GLSL ES 1.0 cannot write, so such a call runs the
 * reference kernel.
 */
function hasWindowInPadding(win: Windows): boolean {
  const empty = (size: number, k: number, s: number, p: number, d: number, out: number): boolean => {
    for (let o = 0; o < out; o++) {
      let inside = false;
      for (let i = 0; i < k && !inside; i++) inside = o * s - p + i * d >= 0 && o * s - p + i * d < size;
      if (!inside) return true;
    }
    return false;
  };
  return empty(win.h, win.kh, win.sh, win.ph, win.dh, win.oh) || empty(win.w, win.kw, win.sw, win.pw, win.dw, win.ow);
}

/** The kernels gpu.js runs; each declines what textures cannot hold, and the registry completes the rest from the reference. */
export const gpuKernels: BackendImpl = {
  name: 'gpu',
  info: () => ({ ...gpuInfo() }),

  /**
   * `src` uploaded to a texture (`Tensor.to('gpu')`), the host copy kept beside it. In gpu.js's
   * CPU modes, and for what textures cannot index, the host is where the kernels read: it stays there.
   */
  place(src: View): DataBuffer {
    const buffer = DataBuffer.fromHost(hostCopy(src, src.buffer.dtype));
    if (onWebGL() && fits(buffer)) input(buffer);
    return buffer;
  },

  unary(op: UnaryOp, x: View) {
    const expr = unaryExpr[op];
    if (expr === null || !onGpu(x.shape, x)) return DECLINE;
    return output(elementwise(op, x.shape, [x], ['a'], expr), sizeOf(x.shape));
  },

  clamp(x: View, lo: number, hi: number) {
    if (!onGpu(x.shape, x)) return DECLINE;
    // The bounds travel as data (1-element textures, broadcast), not as literals: shader
    // compilers may round a float literal to the neighbouring float32.
    const scalar = (v: number): View => ({ buffer: DataBuffer.fromHost(Float32Array.of(v)), shape: x.shape, strides: x.shape.map(() => 0), offset: 0 });
    return output(elementwise('clamp', x.shape, [x, scalar(lo), scalar(hi)], ['a', 'l', 'h'], 'Math.min(Math.max(a, l), h)'), sizeOf(x.shape));
  },

  binary(op: BinaryOp, a: View, b: View, shape: Shape) {
    const expr = binaryExpr[op];
    if (expr === null || !onGpu(shape, a, b)) return DECLINE;
    return output(elementwise(op, shape, [a, b], ['a', 'b'], expr), sizeOf(shape));
  },

  where(cond: View, a: View, b: View, shape: Shape) {
    // The bool condition (made on the CPU) goes up as a float32 texture of 0s and 1s.
    const c = cond.buffer.dtype === 'bool' ? { ...cond, buffer: DataBuffer.fromHost(Float32Array.from(cond.buffer.host)) } : cond;
    if (!onGpu(shape, c, a, b)) return DECLINE;
    return output(elementwise('where', shape, [c, a, b], ['c', 'a', 'b'], '(c !== 0.0 ? a : b)'), sizeOf(shape));
  },

  /** A contiguous float32 copy runs on the GPU (`contiguous()`, `clone()`); casts to float64 on the CPU. */
  copy(src: View, dtype: DType) {
    if (dtype !== 'float32' || !onGpu(src.shape, src)) return DECLINE;
    return output(elementwise('copy', src.shape, [src], ['a'], 'a'), sizeOf(src.shape));
  },


  matmul(a: MatmulOperand, b: MatmulOperand, m: number, k: number, n: number, bias?: View) {
    const batch = a.offsets.length;
    const sa = spacing(a.offsets), sb = spacing(b.offsets);
    const size = batch * m * n;
    const buffers = bias === undefined ? [a.buffer, b.buffer] : [a.buffer, b.buffer, bias.buffer];
    if (size === 0 || k === 0 || sa === null || sb === null || !fits(...buffers) || size >= MAX_INDEX) {
      return DECLINE;
    }
    const biasOffset = bias === undefined ? null : bias.offset;
    const key = `matmul|${batch},${m},${k},${n}|${sa.first},${sa.step},${a.transposed}|${sb.first},${sb.step},${b.transposed}|${biasOffset}|${buffers.map((x) => x.length)}`;
    const source = matmulSource(batch, m, k, n, { ...sa, transposed: a.transposed }, { ...sb, transposed: b.transposed }, biasOffset);
    return output(kernel(key, source, size)(...buffers.map(input)), size);
  },

  /**
   * Sums with at most MAX_SUM_TERMS terms per output run on the GPU (bias gradients: a sum over
   * the batch for each feature); longer sums, max and min run on the CPU kernels, which
   * accumulate in float64.
   */
  reduce(op: ReduceOp, x: View, dims: readonly number[]) {
    const keep = x.shape.map((_, d) => !dims.includes(d));
    const pick = (want: boolean, v: readonly number[]) => v.filter((_, d) => keep[d] === want);
    const [kept, [keptStrides]] = coalesce(pick(true, x.shape), [pick(true, x.strides)]);
    const [red, [redStrides]] = coalesce(pick(false, x.shape), [pick(false, x.strides)]);
    const size = sizeOf(kept), terms = sizeOf(red);
    if (op !== 'sum' || size === 0 || terms === 0 || terms > MAX_SUM_TERMS || !fits(x.buffer)) return DECLINE;
    const key = `sum|${kept}:${keptStrides}|${red}:${redStrides}|${x.offset}|${x.buffer.length}`;
    return output(kernel(key, sumSource(kept, keptStrides, red, redStrides, x.offset), size)(input(x.buffer)), size);
  },
  /** A direct convolution (`convSource`), one thread per output element; its gradients run on the reference kernels. */
  conv2d(x: View, weight: View, bias: View | null, win: Windows, groups: number) {
    const [n, c] = x.shape, cout = weight.shape[0], size = n * cout * win.oh * win.ow;
    const views = bias === null ? [x, weight] : [x, weight, bias];
    if (!onGpu([size], ...views) || size >= MAX_INDEX) return DECLINE;
    const g: WindowSource = { c, ...win };
    const key = `conv2d|${n},${c},${cout},${groups}|${Object.values(win)}|${views.map((v) => `${v.offset}:${v.buffer.length}`)}`;
    const source = convSource(g, cout, groups, x.offset, weight.offset, bias === null ? null : bias.offset);
    return output(kernel(key, source, size)(...views.map((v) => input(v.buffer))), size);
  },

  /** Max pooling (`maxPoolSource`): the maxima stay a texture; the positions are read back as int32. */
  maxPool(x: View, win: Windows) {
    const [n, c] = x.shape, size = n * c * win.oh * win.ow;
    if (!onGpu([size], x) || size >= MAX_INDEX || hasWindowInPadding(win)) return DECLINE;
    const g: WindowSource = { c, ...win };
    const key = (which: string) => `maxPool:${which}|${n},${c}|${Object.values(win)}|${x.offset}:${x.buffer.length}`;
    const values = output(kernel(key('value'), maxPoolSource(g, x.offset, 'value'), size)(input(x.buffer)), size);
    const at = output(kernel(key('index'), maxPoolSource(g, x.offset, 'index'), size)(input(x.buffer)), size);
    const host = at instanceof DataBuffer ? at.host : at;
    return { values, indices: Int32Array.from(host as Float32Array) };
  },

  /**
   * Adam on the GPU: one kernel per updated tensor (m, v, v̂, θ — each recomputes m and v, so
   * they agree), whose textures then replace the old contents of the same buffers. Parameters and
   * moments stay on the GPU from step to step; nothing is downloaded. Tensors that are not whole
   * float32 buffers (or a mode without WebGL) use the reference kernel.
   */
  adam(p, g, m, v, vmax, h) {
    const n = sizeOf(p.shape);
    const own = [p, m, v, ...(vmax === null ? [] : [vmax])];
    if (!onWebGL() || n === 0 || !fits(p.buffer, g.buffer, m.buffer, v.buffer, ...(vmax === null ? [] : [vmax.buffer]))
      || own.some((t) => t.offset !== 0 || t.buffer.length !== n)) {
      return DECLINE;
    }
    const { stepSize, bc2 } = biasCorrection(h);
    const args = [
      input(p.buffer), input(g.buffer), input(m.buffer), input(v.buffer), input((vmax ?? v).buffer),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.weightDecay, 1 - h.lr * h.weightDecay, h.decoupled ? 1 : 0, h.eps, stepSize, bc2,
    ];
    const run = (which: AdamOutput) => kernel(`adam:${which}|${n}|${g.offset}|${g.buffer.length}|${vmax !== null}`, adamSource(which, g.offset, vmax !== null), n)(...args) as Texture;
    // All four read the old textures: compute every new one before replacing any.
    const next: [DataBuffer, Texture][] = [[m.buffer, run('m')], [v.buffer, run('v')], [p.buffer, run('param')]];
    if (vmax !== null) next.push([vmax.buffer, run('vmax')]);
    for (const [buffer, tex] of next) buffer.replaceWithDevice(new TextureData(tex, n));
  },
};
