import type { BinaryOp, UnaryOp } from '../kernels.js';

/**
 * gpu.js kernels are JavaScript functions that gpu.js translates to GLSL: one call per output
 * element, `this.thread.x` its index. Every tensor is a flat float32 texture, so a kernel turns
 * its output index into each input's index itself. The sources are generated with the shapes,
 * strides and offsets written in as literals: GLSL loops need constant bounds, and the shader
 * compiler folds the index arithmetic. One compiled kernel per (op, layout, shape), cached.
 *
 * Index arithmetic runs in float32, exact for integers below 2²⁴; `floor((t + 0.5) / d)` is the
 * integer quotient even when the division rounds (the 0.5 keeps it half a step from the edge).
 */

/**
 * A float literal GLSL accepts (`2.0`, `784.0`). Only for numbers exact in a few digits (shapes,
 * strides, offsets): shader compilers (ANGLE's translator among them) may round a long literal to
 * a neighbouring float32, so data values travel as textures instead.
 */
export function lit(x: number): string {
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** One operand of an elementwise kernel: its name, start offset and strides over the output dims. */
export interface Operand {
  readonly name: string;
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * Statements that split `this.thread.x` into coordinates `c0…` over `dims` (row-major), and the
 * index expression of each operand.
 */
function indexing(dims: readonly number[], operands: readonly Operand[]): [string, string[]] {
  const lines: string[] = [];
  const last = dims.length - 1;
  // q_d is the flat index over dims[0..d]; c_d its remainder by dims[d]. (No dims: one element.)
  if (last >= 0) lines.push(`const q${last} = this.thread.x;`);
  for (let d = last; d > 0; d--) {
    lines.push(`const q${d - 1} = Math.floor((q${d} + 0.5) / ${lit(dims[d])});`);
    lines.push(`const c${d} = q${d} - q${d - 1} * ${lit(dims[d])};`);
  }
  if (last >= 0) lines.push(`const c0 = q0;`);
  const exprs = operands.map((op) => {
    const terms = [lit(op.offset)];
    op.strides.forEach((s, d) => {
      if (s !== 0) terms.push(s === 1 ? `c${d}` : `c${d} * ${lit(s)}`);
    });
    return terms.join(' + ');
  });
  return [lines.join('\n  '), exprs];
}

/**
 * Helpers every kernel can call (registered with gpu.js once). GLSL's exp is exp2(x·log₂e), whose
 * error grows with |x| (≈20 ulps at x = 30); these keep results within a couple of ulps of the
 * CPU backend, which the op tests of both backends demand.
 */
export const helperFunctions: readonly string[] = [
  // eˣ = 2ⁿ·eʳ with n = round(x/ln2) and r = x − n·ln2 (ln2 split in two so n·ln2_hi is exact):
  // exp of |r| ≤ ln2/2 is accurate, and 2ⁿ is exact (taken as 2ⁿ⁻¹·2 so that n = 128 still fits).
  // Past float32's range the result is 0 or ∞ anyway; x is cut there first, because for huge |x|
  // the split x − n·ln2 is garbage and eʳ·2ⁿ becomes ∞·0 = NaN (exp(−1e30) must be 0).
  `function expf(v) {
    if (v < -104.0) return 0.0;
    let x = v;
    if (x > 89.0) x = 89.0;
    const n = Math.floor(x * 1.4426950408889634 + 0.5);
    const r = (x - n * 0.693145751953125) - n * 0.0000014286068203094173;
    return (Math.exp(r) * Math.pow(2.0, n - 1.0)) * 2.0;
  }`,
  // log(1+u) for u ≥ 0: its series where 1+u would round the digits of a small u away.
  `function log1pf(u) {
    if (u < 0.0001) return u * (1.0 - 0.5 * u);
    return Math.log(1.0 + u);
  }`,
  // tanh: its series near 0 (where 1 − 2/(e²ᵃ+1) cancels), else that form, which saturates to ±1.
  `function tanhf(a) {
    const x = Math.abs(a);
    let t = 0.0;
    if (x < 0.125) {
      const x2 = x * x;
      t = x * (1.0 - x2 * (0.3333333333333333 - x2 * (0.13333333333333333 - x2 * 0.05396825396825397)));
    } else {
      t = 1.0 - 2.0 / (expf(2.0 * x) + 1.0);
    }
    return a < 0.0 ? -t : t;
  }`,
  // σ(a) = 1/(1+e^{−a}); for a < 0 use e^{a}/(1+e^{a}) so that e^{−a} never overflows.
  `function sigmoidf(a) {
    if (a >= 0.0) return 1.0 / (1.0 + expf(-a));
    const e = expf(a);
    return e / (1.0 + e);
  }`,
  // aᵇ: exact products for the small integer powers gradients use (x², 1/x…), GLSL's pow
  // (exp2(b·log₂a), defined for a > 0 only) otherwise, with the sign of (−1)ᵇ for integer b.
  `function powf(a, b) {
    if (b === 1.0) return a;
    if (b === 2.0) return a * a;
    if (b === 3.0) return a * a * a;
    if (b === 0.0) return 1.0;
    if (b === -1.0) return 1.0 / a;
    if (b === -2.0) return 1.0 / (a * a);
    if (b === 0.5) return Math.sqrt(a);
    if (a < 0.0 && Math.floor(b) === b) {
      const m = Math.pow(-a, b);
      if (Math.floor(b * 0.5) * 2.0 !== b) return -m;
      return m;
    }
    return Math.pow(a, b);
  }`,
];

/**
 * The CPU backend's expressions (cpu/elementwise.ts), in forms GLSL computes as accurately.
 * log1p, expm1 and erf are null on purpose: they exist for their precision near 0, which
 * float32 shader arithmetic (1 + a, eᵃ − 1) loses, so they run on the CPU. Every op has an entry,
 * so a new op is a decision here (the compiler asks for it).
 */
export const unaryExpr: { readonly [P in UnaryOp]: string | null } = {
  neg: '-a',
  exp: 'expf(a)',
  log: 'Math.log(a)',
  sqrt: 'Math.sqrt(a)',
  abs: 'Math.abs(a)',
  sign: '(a > 0.0 ? 1.0 : (a < 0.0 ? -1.0 : a))',
  relu: '(a > 0.0 ? a : 0.0)',
  sigmoid: 'sigmoidf(a)',
  tanh: 'tanhf(a)',
  // softplus(a) = max(a,0) + log(1 + e^{−|a|}), which never overflows.
  softplus: 'Math.max(a, 0.0) + log1pf(expf(-Math.abs(a)))',
  sin: 'Math.sin(a)',
  cos: 'Math.cos(a)',
  log1p: null,
  expm1: null,
  erf: null,
  // The ops added with the op-surface work run on the reference kernels for now (null).
  floor: null,
  ceil: null,
  round: null,
  trunc: null,
  reciprocal: null,
  rsqrt: null,
  log2: null,
  log10: null,
  exp2: null,
  tan: null,
  asin: null,
  acos: null,
  atan: null,
  sinh: null,
  cosh: null,
  asinh: null,
  acosh: null,
  atanh: null,
};

/** Comparisons are null: their results are bool, which a float32 texture does not hold (the CPU kernel runs them). */
export const binaryExpr: { readonly [P in BinaryOp]: string | null } = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'powf(a, b)',
  maximum: 'Math.max(a, b)',
  minimum: 'Math.min(a, b)',
  eq: null,
  ne: null,
  lt: null,
  le: null,
  gt: null,
  ge: null,
  atan2: null,
  hypot: null,
  remainder: null,
  fmod: null,
  copysign: null,
  binaryCrossEntropy: '-(b * Math.max(Math.log(a), -100.0) + (1.0 - b) * Math.max(Math.log(1.0 - a), -100.0))',
  binaryCrossEntropyBackward: '(a - b) / Math.max(a * (1.0 - a), 1e-12)',
  sigmoidBackward: 'a * (b * (1.0 - b))',
  thresholdBackward: '(b > 0.0 ? a : 0.0)',
};

/**
 * An elementwise kernel over the (coalesced) output `dims`: reads each operand at its own strided
 * index into variables of the same name, then returns `expr` of them.
 */
export function elementwiseSource(dims: readonly number[], operands: readonly Operand[], expr: string): string {
  const [lines, idx] = indexing(dims, operands);
  const names = operands.map((o) => o.name);
  const reads = operands.map((o, i) => `const ${o.name} = ${o.name}_[${idx[i]}];`).join('\n  ');
  return `function (${names.map((n) => `${n}_`).join(', ')}) {
  ${lines}
  ${reads}
  return ${expr};
}`;
}

/** Where batch `t` of an operand starts: `first + t·step` (batched operands are evenly spaced). */
export interface BatchOffsets {
  readonly first: number;
  readonly step: number;
}

/**
 * `batch` products C = A·B, C `[m,n]` row-major per batch, one output element per thread: a dot
 * product of row i of A and column j of B over k. A is stored `[m,k]` or, transposed, `[k,m]`;
 * B is `[k,n]` or, transposed, `[n,k]` — so `x·Wᵀ`, `g·W` and `xᵀ·g` all read their operands
 * where they already are. With a bias `c` (at `biasOffset`), `c[j]` is added to the finished sum,
 * exactly as a separate add would.
 */
export function matmulSource(
  batch: number, m: number, k: number, n: number,
  a: BatchOffsets & { transposed: boolean },
  b: BatchOffsets & { transposed: boolean },
  biasOffset: number | null = null,
): string {
  const start = (o: BatchOffsets) => (batch === 1 || o.step === 0 ? lit(o.first) : `${lit(o.first)} + t * ${lit(o.step)}`);
  const aIdx = a.transposed ? `p * ${lit(m)} + i` : `i * ${lit(k)} + p`;
  const bIdx = b.transposed ? `j * ${lit(k)} + p` : `p * ${lit(n)} + j`;
  return `function (a, b${biasOffset === null ? '' : ', c'}) {
  const x = this.thread.x;
  const t = Math.floor((x + 0.5) / ${lit(m * n)});
  const r = x - t * ${lit(m * n)};
  const i = Math.floor((r + 0.5) / ${lit(n)});
  const j = r - i * ${lit(n)};
  const oa = ${start(a)};
  const ob = ${start(b)};
  let s = 0.0;
  for (let p = 0; p < ${k}; p++) {
    s += a[oa + ${aIdx}] * b[ob + ${bIdx}];
  }
  return s${biasOffset === null ? '' : ` + c[${lit(biasOffset)} + j]`};
}`;
}

/**
 * A sum over the reduced dims `red` (strides `redStrides`) for each output element, the outputs
 * laid out row-major over the kept dims `kept` (input strides `keptStrides`): one thread per
 * output, looping over its inputs in float32.
 */
export function sumSource(kept: readonly number[], keptStrides: readonly number[], red: readonly number[], redStrides: readonly number[], offset: number): string {
  const [lines, [base]] = indexing(kept, [{ name: 'x', offset, strides: keptStrides }]);
  const at = ['base', ...red.map((_, d) => (redStrides[d] === 1 ? `r${d}` : `r${d} * ${lit(redStrides[d])}`))].join(' + ');
  let loop = `s += x_[${at}];`;
  for (let d = red.length - 1; d >= 0; d--) loop = `for (let r${d} = 0; r${d} < ${red[d]}; r${d}++) {\n    ${loop}\n  }`;
  return `function (x_) {
  ${lines}
  const base = ${base};
  let s = 0.0;
  ${loop}
  return s;
}`;
}

/** Which of Adam's new values an `adamSource` kernel returns (gpu.js kernels have one output each). */
export type AdamOutput = 'm' | 'v' | 'vmax' | 'param';

/**
 * One of Adam's updated tensors, elementwise, from the old param `p`, gradient `g` (at `gOffset`),
 * moments `m`, `v` and (AMSGrad) running max `x`; the hyper-parameters arrive as numbers each
 * step (uniforms, not literals: they change with the step). The same float32 arithmetic as the
 * reference's formula, so the four kernels of one step agree with each other:
 *   g ← ∇ + λθ (Adam) or θ ← θ·decay (AdamW);  m ← β₁m + c₁g;  v ← β₂v + c₂g²;  v̂ ← max(x, v)
 *   θ ← θ − stepSize·m / (√v̂ / bc2 + ε)
 */
export function adamSource(out: AdamOutput, gOffset: number, amsgrad: boolean): string {
  const vhat = amsgrad ? 'Math.max(x[i], v1)' : 'v1';
  const result = { m: 'm1', v: 'v1', vmax: vhat, param: `theta - stepSize * m1 / (Math.sqrt(${vhat}) / bc2 + eps)` }[out];
  return `function (p, g, m, v, x, b1, c1, b2, c2, wd, decay, decoupled, eps, stepSize, bc2) {
  const i = this.thread.x;
  let theta = p[i];
  let grad = g[i + ${lit(gOffset)}];
  if (decoupled > 0.5) {
    theta = theta * decay;
  } else {
    grad = grad + wd * theta;
  }
  const m1 = b1 * m[i] + c1 * grad;
  const v1 = b2 * v[i] + c2 * grad * grad;
  return ${result};
}`;
}

/** Where the windows of a convolution or pooling sit (kernels.ts's `Windows`), and the input's channel count. */
export interface WindowSource {
  c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oh: number; ow: number;
}

/** The thread's output position [img, ch, oy, ox] in an `[N, channels, oh, ow]` output. */
function windowThread(channels: number, g: WindowSource): string {
  return `const t = this.thread.x;
  const img = Math.floor((t + 0.5) / ${lit(channels * g.oh * g.ow)});
  const r0 = t - img * ${lit(channels * g.oh * g.ow)};
  const ch = Math.floor((r0 + 0.5) / ${lit(g.oh * g.ow)});
  const r1 = r0 - ch * ${lit(g.oh * g.ow)};
  const oy = Math.floor((r1 + 0.5) / ${lit(g.ow)});
  const ox = r1 - oy * ${lit(g.ow)};`;
}

/**
 * A direct convolution, one thread per output element: y[n, o, oy, ox] = Σ over the group's input
 * channels and the taps inside the image of x·W (+ b[o]), summed in float32 in the order
 * channel, row, column. x `[N, C, h, w]` at offset xo, W `[Cout, C/G·kh·kw]` at wo, b at bo.
 */
export function convSource(g: WindowSource, cout: number, groups: number, xo: number, wo: number, bo: number | null): string {
  const cpg = g.c / groups, opg = cout / groups;
  return `function (x_, w_${bo === null ? '' : ', b_'}) {
  ${windowThread(cout, g)}
  const grp = Math.floor((ch + 0.5) / ${lit(opg)});
  let s = 0.0;
  for (let ci = 0; ci < ${cpg}; ci++) {
    for (let i = 0; i < ${g.kh}; i++) {
      const row = oy * ${lit(g.sh)} - ${lit(g.ph)} + i * ${lit(g.dh)};
      for (let j = 0; j < ${g.kw}; j++) {
        const col = ox * ${lit(g.sw)} - ${lit(g.pw)} + j * ${lit(g.dw)};
        if (row >= 0.0 && row < ${lit(g.h)} && col >= 0.0 && col < ${lit(g.w)}) {
          s += x_[${lit(xo)} + ((img * ${lit(g.c)} + grp * ${lit(cpg)} + ci) * ${lit(g.h)} + row) * ${lit(g.w)} + col]
            * w_[${lit(wo)} + ((ch * ${lit(cpg)} + ci) * ${lit(g.kh)} + i) * ${lit(g.kw)} + j];
        }
      }
    }
  }
  return s${bo === null ? '' : ` + b_[${lit(bo)} + ch]`};
}`;
}

/**
 * Max pooling, one thread per window: its largest element (`value`) or that element's flat
 * position row·w + col in its plane (`index`), the first largest in row-major tap order with a
 * NaN counting as largest (PyTorch's rule); taps outside the plane are skipped. The backend
 * sends only geometries where every window has a tap inside the plane, so `best` always gets one.
 * GLSL ES 1.0 has no isnan: `v != v` is the test, which the property tests check holds here.
 */
export function maxPoolSource(g: WindowSource, xo: number, out: 'value' | 'index'): string {
  return `function (x_) {
  ${windowThread(g.c, g)}
  let best = 0.0;
  let at = -1.0;
  for (let i = 0; i < ${g.kh}; i++) {
    const row = oy * ${lit(g.sh)} - ${lit(g.ph)} + i * ${lit(g.dh)};
    for (let j = 0; j < ${g.kw}; j++) {
      const col = ox * ${lit(g.sw)} - ${lit(g.pw)} + j * ${lit(g.dw)};
      if (row >= 0.0 && row < ${lit(g.h)} && col >= 0.0 && col < ${lit(g.w)}) {
        const v = x_[${lit(xo)} + ((img * ${lit(g.c)} + ch) * ${lit(g.h)} + row) * ${lit(g.w)} + col];
        if (at < 0.0 || v > best || (v != v && best == best)) {
          best = v;
          at = row * ${lit(g.w)} + col;
        }
      }
    }
  }
  return ${out === 'value' ? 'best' : 'at'};
}`;
}
