// The elementwise ops and activations a PyTorch user reaches for: values and gradients against
// PyTorch (fixtures/pytorch_elementwise.json, written by fixtures/make_elementwise_fixtures.py) in
// float64 and float32, gradients against finite differences on random shapes, and the
// conventions at kinks and special values.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as tg from '../src/index.js';
import { tensor, type DType, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface T { shape: number[]; values: Value[] }
interface Case { name: string; inputs: T[]; out: T; g: number[] | null; grads: (number[] | null)[] }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_elementwise.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  floor: tg.floor, ceil: tg.ceil, round: tg.round, trunc: tg.trunc, frac: tg.frac, reciprocal: tg.reciprocal, rsqrt: tg.rsqrt,
  log2: tg.log2, log10: tg.log10, exp2: tg.exp2, tan: tg.tan, asin: tg.asin, acos: tg.acos, atan: tg.atan, sinh: tg.sinh,
  cosh: tg.cosh, asinh: tg.asinh, acosh: tg.acosh, atanh: tg.atanh,
  atan2: tg.atan2, remainder: tg.remainder, fmod: tg.fmod, hypot: tg.hypot, logaddexp: tg.logaddexp, copysign: tg.copysign,
  lerp: (a, b, w) => tg.lerp(a, b, w), 'lerp scalar weight': (a, b) => tg.lerp(a, b, 0.3),
  isnan: tg.isnan, isinf: tg.isinf, isfinite: tg.isfinite, nanToNum: (x) => tg.nanToNum(x),
  'nanToNum options': (x) => tg.nanToNum(x, { nan: 0.5, posinf: 2, neginf: -3 }),
  elu: (x) => tg.elu(x), 'elu alpha 0.5': (x) => tg.elu(x, 0.5), selu: tg.selu, celu: (x) => tg.celu(x, 1.3),
  hardtanh: (x) => tg.hardtanh(x, -0.7, 0.9), relu6: tg.relu6, hardsigmoid: tg.hardsigmoid, hardswish: tg.hardswish, mish: tg.mish,
  logsigmoid: tg.logsigmoid, leakyRelu: (x) => tg.leakyRelu(x, 0.02), 'softplus beta threshold': (x) => tg.softplus(x, { beta: 2, threshold: 5 }),
  softmin: (x) => tg.softmin(x, 1), glu: (x) => tg.glu(x, -1), erf: tg.erf, gelu: (x) => tg.gelu(x),
};

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

function close(ours: ArrayLike<number>, theirs: Value[], rtol: number, atol: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const t = num(theirs[i]), o = ours[i];
    const ok = (Number.isNaN(o) && Number.isNaN(t)) || o === t || Math.abs(o - t) <= atol + rtol * Math.abs(t);
    if (!ok) expect.fail(`${what}[${i}]: ${o} vs PyTorch ${t}`);
  }
}

describe.each(['float64', 'float32'] as DType[])('%s: values and gradients equal PyTorch\'s', (dtype) => {
  test('every case of the fixture has an op here, and every op a case', () => {
    expect(cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
    expect(Object.keys(ops).filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });
  test.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const [rtol, atol] = dtype === 'float64' ? [1e-12, 1e-14] : [3e-6, 3e-6];
    const xs = c.inputs.map((t) => tensor(t.values.map(num), { shape: t.shape, dtype, requiresGrad: c.g !== null }));
    const out = ops[name](...xs);
    expect(out.shape).toEqual(c.out.shape);
    if (out.dtype === 'bool') {
      expect(out.toArray()).toEqual(tensor(c.out.values as boolean[], { shape: c.out.shape }).toArray());
      return;
    }
    // float32's largest finite value where PyTorch's float64 fixture has float64's (nanToNum's default).
    const expected = dtype === 'float32' ? c.out.values.map((v) => (Math.abs(num(v)) > 3.5e38 ? Math.sign(num(v)) * 3.4028234663852886e38 : v)) : c.out.values;
    close(out.data, expected, rtol, atol, 'out');
    out.mul(tensor(c.g!, { shape: out.shape, dtype })).sum().backward();
    // PyTorch 1.13's float64 backward of these two rounds a constant to float32 (hardsigmoid's 1/6,
    // celu's 1/α: checked by hand against exp(x/α) and 1/6), so its gradients hold 7 digits there.
    const loose = dtype === 'float64' && (name === 'hardsigmoid' || name === 'celu');
    c.grads.forEach((g, i) => {
      if (g !== null) close(xs[i].grad!.data, g, loose ? 1e-7 : rtol * 4, atol * 4, `grad ${i}`);
    });
  });
});

describe('gradients match finite differences on random shapes (float64)', () => {
  const unary: [string, (x: Tensor) => Tensor, arb.ValueConstraints][] = [
    ['frac', tg.frac, { min: -2.9, max: 2.9, avoid: [-2, -1, 0, 1, 2] }], ['reciprocal', tg.reciprocal, { min: 0.2, max: 3 }], ['rsqrt', tg.rsqrt, { min: 0.2, max: 3 }],
    ['log2', tg.log2, { min: 0.2, max: 3 }], ['log10', tg.log10, { min: 0.2, max: 3 }], ['exp2', tg.exp2, {}], ['tan', tg.tan, { min: -1.2, max: 1.2 }],
    ['asin', tg.asin, { min: -0.9, max: 0.9 }], ['acos', tg.acos, { min: -0.9, max: 0.9 }], ['atan', tg.atan, {}], ['sinh', tg.sinh, {}],
    ['cosh', tg.cosh, {}], ['asinh', tg.asinh, {}], ['acosh', tg.acosh, { min: 1.2, max: 4 }], ['atanh', tg.atanh, { min: -0.9, max: 0.9 }],
    ['elu', (x) => tg.elu(x, 0.7), { avoid: [0] }], ['selu', tg.selu, { avoid: [0] }], ['celu', (x) => tg.celu(x, 1.3), { avoid: [0] }],
    ['hardtanh', (x) => tg.hardtanh(x, -0.5, 0.5), { avoid: [-0.5, 0.5] }], ['hardswish', tg.hardswish, { avoid: [-3, 3], min: -5, max: 5 }],
    ['mish', tg.mish, {}], ['logsigmoid', tg.logsigmoid, {}], ['leakyRelu', (x) => tg.leakyRelu(x, 0.1), { avoid: [0] }],
    ['softplus', (x) => tg.softplus(x, { beta: 1.5, threshold: 3 }), { avoid: [2] }],
  ];
  test.each(unary)('%s', (_, f, values) => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ maxRank: 3, maxSide: 3 }), ...values }), (x) => {
      const r = tg.gradcheck(f, [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 15 });
  });
  const binary: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['atan2', tg.atan2], ['hypot', tg.hypot], ['logaddexp', tg.logaddexp], ['lerp', (a, b) => tg.lerp(a, b, a.sigmoid())],
  ];
  test.each(binary)('%s (broadcasting)', (_, f) => {
    fc.assert(fc.property(arb.broadcastablePair({ maxRank: 3, maxSide: 3, avoid: [0] }), ([a, b]) => {
      const r = tg.gradcheck(f, [a, b]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 15 });
  });
});

describe('conventions', () => {
  test('round sends halves to even; the rounding ops keep an int32 tensor as it is', () => {
    expect(tg.round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999])).toArray()).toEqual([0, 2, 2, -0, -2, -2, 2]);
    const i = tensor([3, -4], { dtype: 'int32' });
    expect(tg.floor(i)).toBe(i);
  });
  test('remainder has the sign of the divisor, fmod of the dividend', () => {
    expect(tg.remainder(tensor([5, -5, 5, -5]), tensor([3, 3, -3, -3])).toArray()).toEqual([2, 1, -1, -2]);
    expect(tg.fmod(tensor([5, -5, 5, -5]), tensor([3, 3, -3, -3])).toArray()).toEqual([2, -2, 2, -2]);
  });
  test('no NaN from the branch an activation does not take, even where it overflows', () => {
    const x = tensor([100, -100], { requiresGrad: true });
    tg.elu(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0]);
    const y = tensor([50], { requiresGrad: true });
    tg.softplus(y).sum().backward();
    expect(y.grad!.toArray()).toEqual([1]);
  });
  test('predicates are bool and never on the tape; bad arguments are typed errors', () => {
    const x = tensor([1, NaN, Infinity], { requiresGrad: true });
    expect(x.isnan().dtype).toBe('bool');
    expect(x.isfinite().requiresGrad).toBe(false);
    expect(() => tg.glu(tensor([1, 2, 3]))).toThrow(tg.ShapeError);
    expect(() => tg.elu(x, 'a' as never)).toThrow(tg.ValueError);
    expect(() => tg.softplus(x, { betta: 2 } as never)).toThrow(/did you mean beta/);
  });
});
