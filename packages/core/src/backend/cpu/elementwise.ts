import { allocate, type DType, type Storage } from '../../dtype.js';
import { contiguousStrides, sizeOf, type Shape } from '../../shape.js';
import { binaryResultDType, isComparison, type BinaryOp, type UnaryOp, type View } from '../kernels.js';
import { walk, type RowFn } from '../walk.js';

/**
 * Each elementwise kernel is one expression of `a` (and `b`). It is compiled once, at load time,
 * into its own loop, so the engine runs straight-line arithmetic instead of calling a function
 * per element. Stable forms are used where the naive one overflows.
 */
const unaryExpr: Record<UnaryOp, string> = {
  neg: '-a',
  exp: 'Math.exp(a)',
  log: 'Math.log(a)',
  sqrt: 'Math.sqrt(a)',
  abs: 'Math.abs(a)',
  sign: 'a > 0 ? 1 : a < 0 ? -1 : a', // keeps 0 and NaN
  relu: 'a > 0 ? a : 0',
  // σ(a) = 1/(1+e^{−a}); for a < 0 use e^{a}/(1+e^{a}) so e^{−a} never overflows.
  sigmoid: 'a >= 0 ? 1 / (1 + Math.exp(-a)) : (e = Math.exp(a), e / (1 + e))',
  tanh: 'Math.tanh(a)',
  // softplus(a) = log(1+eᵃ) = max(a,0) + log1p(e^{−|a|}): exact and never overflows.
  softplus: 'Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))',
  sin: 'Math.sin(a)',
  cos: 'Math.cos(a)',
  log1p: 'Math.log1p(a)',
  expm1: 'Math.expm1(a)',
  erf: 'erf(a)',
  floor: 'Math.floor(a)',
  ceil: 'Math.ceil(a)',
  // Half to even, as PyTorch (and IEEE's roundeven): Math.round sends every half up.
  round: '(e = Math.round(a), e - a === 0.5 && e % 2 !== 0 ? e - 1 : e)',
  trunc: 'Math.trunc(a)',
  reciprocal: '1 / a',
  rsqrt: '1 / Math.sqrt(a)',
  log2: 'Math.log2(a)',
  log10: 'Math.log10(a)',
  exp2: 'Math.pow(2, a)',
  tan: 'Math.tan(a)',
  asin: 'Math.asin(a)',
  acos: 'Math.acos(a)',
  atan: 'Math.atan(a)',
  sinh: 'Math.sinh(a)',
  cosh: 'Math.cosh(a)',
  asinh: 'Math.asinh(a)',
  acosh: 'Math.acosh(a)',
  atanh: 'Math.atanh(a)',
};

const binaryExpr: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'Math.pow(a, b)',
  maximum: 'a !== a || b !== b ? NaN : a > b ? a : b', // NaN propagates, as in PyTorch
  minimum: 'a !== a || b !== b ? NaN : a < b ? a : b',
  atan2: 'Math.atan2(a, b)',
  hypot: 'Math.hypot(a, b)',
  // Python's modulo (the sign of the divisor), as PyTorch's remainder; fmod is C's (the sign of the dividend), JavaScript's %.
  remainder: '(e = a % b, e !== 0 && (e < 0) !== (b < 0) ? e + b : e)',
  fmod: 'a % b',
  // |a| with b's sign bit (−0 counts as negative, as in IEEE copysign).
  copysign: '(b < 0 || (b === 0 && 1 / b < 0)) ? -Math.abs(a) : Math.abs(a)',
  eq: 'a === b ? 1 : 0',
  ne: 'a !== b ? 1 : 0',
  lt: 'a < b ? 1 : 0',
  le: 'a <= b ? 1 : 0',
  gt: 'a > b ? 1 : 0',
  ge: 'a >= b ? 1 : 0',
  // −[t·max(ln p, −100) + (1 − t)·max(ln(1 − p), −100)]; Math.max would turn NaN into NaN too.
  binaryCrossEntropy: '-(b * Math.max(Math.log(a), -100) + (1 - b) * Math.max(Math.log(1 - a), -100))',
  binaryCrossEntropyBackward: '(a - b) / Math.max(a * (1 - a), 1e-12)',
  sigmoidBackward: 'a * (b * (1 - b))',
  thresholdBackward: 'b > 0 ? a : 0', // PyTorch's threshold_backward: 0, not a·0 (no −0, no NaN from a)
};

/** Given the arrays (and clamp bounds), returns the row loop that `walk` drives. */
type RowFactory = (out: Storage, x: Storage, y: Storage | null, lo: number, hi: number) => RowFn;

/**
 * erf(x) = 2/√π ∫₀ˣ e^{−t²} dt, which JavaScript's Math lacks, to float32 precision: 1 − erfc(|x|)
 * with erfc from the Chebyshev-fitted form of Numerical Recipes (§6.2, erfcc: relative error below
 * 1.2e-7 everywhere, under float32's rounding), and for |x| < 0.5 the Maclaurin series
 * 2/√π·Σ (−1)ⁿx²ⁿ⁺¹/(n!(2n+1)) to x¹⁵, which keeps the relative precision that 1 − erfc loses near 0.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n <= 7; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return 1.1283791670955126 * sum;
  }
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/**
 * erf to float64 precision (a few ulps), for float64 outputs, where erfcc's 1e-7 would show in
 * gradients (GELU's, for one). Two expansions, each used where it converges fast:
 * - |x| < 2.5: erf x = 2/√π · e^{−x²} · Σₙ 2ⁿx²ⁿ⁺¹/(1·3·…·(2n+1)), whose terms are all of x's sign,
 *   so nothing cancels (the alternating Maclaurin series loses digits as |x| grows);
 * - |x| ≥ 2.5: erfc z = e^{−z²}/√π · 1/(z + ½/(z + 1/(z + 3⁄2/(z + …)))), Laplace's continued
 *   fraction, evaluated bottom-up; 1 − erfc is then exact to rounding because erfc < 4.1e-4.
 * Past |x| = 6, erfc < 2.2e-17 and erf rounds to ±1.
 */
export function erf64(x: number): number {
  const z = Math.abs(x);
  if (z >= 6) return x > 0 ? 1 : -1;
  if (z < 2.5) {
    const x2 = 2 * x * x;
    let term = x, sum = x;
    for (let n = 1; n < 100; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return 1.1283791670955126 * Math.exp(-x * x) * sum;
  }
  let t = z;
  for (let k = 60; k >= 1; k--) t = z + k / 2 / t;
  const erfc = Math.exp(-z * z) / 1.7724538509055159 / t;
  return x > 0 ? 1 - erfc : erfc - 1;
}

function compile(expr: string, arity: 1 | 2): RowFactory {
  // The expressions may call `erf`, handed in as the generated function's first argument: the
  // float64 one when the output is float64, the cheaper float32-accurate one otherwise.
  const factory = new Function(
    'erf', 'out', 'x', 'y', 'lo', 'hi',
    `return function row(n, o, so, i, si, k, sk) {
      let a, b, e;
      for (let j = 0; j < n; j++, o += so, i += si, k += sk) {
        a = x[i];
        ${arity === 2 ? 'b = y[k];' : ''}
        out[o] = ${expr};
      }
    };`,
  ) as (f: typeof erf, ...rest: Parameters<RowFactory>) => RowFn;
  return (out, x, y, lo, hi) => factory(out instanceof Float64Array ? erf64 : erf, out, x, y, lo, hi);
}

const unaryRows = Object.fromEntries(Object.entries(unaryExpr).map(([op, ex]) => [op, compile(ex, 1)])) as Record<UnaryOp, RowFactory>;
const binaryRows = Object.fromEntries(Object.entries(binaryExpr).map(([op, ex]) => [op, compile(ex, 2)])) as Record<BinaryOp, RowFactory>;
const clampRow = compile('a < lo ? lo : a > hi ? hi : a', 1);

/**
 * The integer and bool forms of the binary kernels, compiled on first use. An Int32Array store
 * wraps modulo 2³² as C's int32 does, so only a product needs its own form (Math.imul: a double
 * product past 2⁵³ would lose the low bits before the wrap). A bool result of arithmetic is
 * `≠ 0` (True + True is True, as in PyTorch), where a byte store would keep the 2.
 */
const integerRows = new Map<string, RowFactory>();
function binaryRow(op: BinaryOp, dtype: DType): RowFactory {
  if (dtype === 'float32' || dtype === 'float64' || isComparison(op)) return binaryRows[op];
  const key = `${op}:${dtype}`;
  let row = integerRows.get(key);
  if (row === undefined) {
    const expr = op === 'mul' ? 'Math.imul(a, b)' : binaryExpr[op];
    row = compile(dtype === 'bool' ? `(${expr}) ? 1 : 0` : expr, 2);
    integerRows.set(key, row);
  }
  return row;
}

function mapUnary(row: RowFactory, x: View, lo = 0, hi = 0): Storage {
  const out = allocate(x.buffer.dtype, sizeOf(x.shape));
  walk(x.shape, [contiguousStrides(x.shape), x.strides], [0, x.offset], row(out, x.buffer.host, null, lo, hi));
  return out;
}

export function unary(op: UnaryOp, x: View): Storage {
  return mapUnary(unaryRows[op], x);
}

export function clamp(x: View, lo: number, hi: number): Storage {
  return mapUnary(clampRow, x, lo, hi);
}

export function binary(op: BinaryOp, a: View, b: View, shape: Shape): Storage {
  const dtype = a.buffer.dtype;
  const out = allocate(binaryResultDType(op, dtype), sizeOf(shape));
  walk(shape, [contiguousStrides(shape), a.strides, b.strides], [0, a.offset, b.offset], binaryRow(op, dtype)(out, a.buffer.host, b.buffer.host, 0, 0));
  return out;
}

export function where(cond: View, a: View, b: View, shape: Shape): Storage {
  const out = allocate(a.buffer.dtype, sizeOf(shape));
  const c = cond.buffer.host, x = a.buffer.host, y = b.buffer.host;
  walk(
    shape,
    [contiguousStrides(shape), cond.strides, a.strides, b.strides],
    [0, cond.offset, a.offset, b.offset],
    (n, o, so, i, si, j, sj, k, sk) => {
      for (let t = 0; t < n; t++, o += so, i += si, j += sj, k += sk) out[o] = c[i] !== 0 ? x[j] : y[k];
    },
  );
  return out;
}
