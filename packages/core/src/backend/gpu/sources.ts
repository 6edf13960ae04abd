import type { BinaryOp, UnaryOp } from '../backend.js';

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

/** A float literal GLSL accepts (`2.0`, `-1.5e-7`; ±Infinity as the largest float32). */
export function lit(x: number): string {
  if (x === Infinity) return '3.4028234663852886e38';
  if (x === -Infinity) return '-3.4028234663852886e38';
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

/** Stable GLSL-friendly forms of the CPU backend's expressions (same math, see cpu/elementwise.ts). */
export const unaryExpr: Record<UnaryOp, string> = {
  neg: '-a',
  exp: 'Math.exp(a)',
  log: 'Math.log(a)',
  sqrt: 'Math.sqrt(a)',
  abs: 'Math.abs(a)',
  sign: '(a > 0.0 ? 1.0 : (a < 0.0 ? -1.0 : a))',
  relu: '(a > 0.0 ? a : 0.0)',
  // σ(a) = 1/(1+e^{−a}); e^{−a} → ∞ for very negative a gives exactly 0, never NaN.
  sigmoid: '1.0 / (1.0 + Math.exp(-a))',
  // tanh(a) = 1 − 2/(e^{2a}+1): saturates to ±1 instead of overflowing to ∞/∞.
  tanh: '1.0 - 2.0 / (Math.exp(2.0 * a) + 1.0)',
  // softplus(a) = max(a,0) + log(1 + e^{−|a|}), which never overflows.
  softplus: 'Math.max(a, 0.0) + Math.log(1.0 + Math.exp(-Math.abs(a)))',
};

export const binaryExpr: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  // GLSL's pow is undefined for a < 0; an integer exponent gets the sign of (−1)^b back.
  pow: '(a < 0.0 && Math.floor(b) === b ? (Math.floor(b / 2.0) * 2.0 === b ? 1.0 : -1.0) * Math.pow(-a, b) : Math.pow(a, b))',
  maximum: 'Math.max(a, b)',
  minimum: 'Math.min(a, b)',
  eq: '(a === b ? 1.0 : 0.0)',
  ne: '(a !== b ? 1.0 : 0.0)',
  lt: '(a < b ? 1.0 : 0.0)',
  le: '(a <= b ? 1.0 : 0.0)',
  gt: '(a > b ? 1.0 : 0.0)',
  ge: '(a >= b ? 1.0 : 0.0)',
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
 * where they already are.
 */
export function matmulSource(
  batch: number, m: number, k: number, n: number,
  a: BatchOffsets & { transposed: boolean },
  b: BatchOffsets & { transposed: boolean },
): string {
  const start = (o: BatchOffsets) => (batch === 1 || o.step === 0 ? lit(o.first) : `${lit(o.first)} + t * ${lit(o.step)}`);
  const aIdx = a.transposed ? `p * ${lit(m)} + i` : `i * ${lit(k)} + p`;
  const bIdx = b.transposed ? `j * ${lit(k)} + p` : `p * ${lit(n)} + j`;
  return `function (a, b) {
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
  return s;
}`;
}
