// Convolution, pooling, padding, unfold/fold and interpolation: values and gradients against
// PyTorch (fixtures/pytorch_conv.json, written by fixtures/make_conv_fixtures.py) in float64 and
// float32, gradients against finite differences on random shapes and options, and the errors.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ShapeError, ValueError, adaptiveAvgPool2d, gradgradcheck, avgPool1d, avgPool2d, conv1d, conv2d, convTranspose2d, fold, gradcheck, interpolate,
  maxPool1d, maxPool2d, pad, randn, tensor, unfold, Generator, type DType, type Tensor,
} from '../src/index.js';
import { thrownBy } from '../src/testing/index.js';
import { convGeometry } from './compare.js';

interface T { shape: number[]; values: number[] }
interface Case { name: string; op: string; options: Record<string, unknown>; inputs: { x: T; w?: T; b?: T }; out: T; g: number[]; grads: { x: number[]; w?: number[]; b?: number[] } }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_conv.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** Calls an op of the fixture the way its TypeScript signature takes the options. */
function call(c: Case, x: Tensor, w: Tensor | null, b: Tensor | null): Tensor {
  const { kernelSize, outputSize, pads, ...rest } = c.options as Record<string, never>;
  switch (c.op) {
    case 'conv1d': return conv1d(x, w!, b, c.options);
    case 'conv2d': return conv2d(x, w!, b, c.options);
    case 'convTranspose2d': return convTranspose2d(x, w!, b, c.options);
    case 'maxPool2d': return maxPool2d(x, kernelSize, rest);
    case 'maxPool1d': return maxPool1d(x, kernelSize, rest);
    case 'avgPool2d': return avgPool2d(x, kernelSize, rest);
    case 'avgPool1d': return avgPool1d(x, kernelSize, rest);
    case 'adaptiveAvgPool2d': return adaptiveAvgPool2d(x, outputSize);
    case 'pad': return pad(x, pads, rest);
    case 'unfold': return unfold(x, kernelSize, rest);
    case 'fold': return fold(x, outputSize, kernelSize, rest);
    case 'interpolate': return interpolate(x, c.options);
    default: throw new Error(`no op ${c.op}`);
  }
}

function close(ours: ArrayLike<number>, theirs: number[], rtol: number, atol: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    if (!(Math.abs(ours[i] - theirs[i]) <= atol + rtol * Math.abs(theirs[i]))) expect.fail(`${what}[${i}]: ${ours[i]} vs PyTorch ${theirs[i]}`);
  }
}

describe.each(['float64', 'float32'] as DType[])('%s: values and gradients equal PyTorch\'s', (dtype) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const [rtol, atol] = dtype === 'float64' ? [1e-12, 1e-13] : [2e-5, 2e-5];
    const make = (t: T | undefined): Tensor | null => (t === undefined ? null : tensor(t.values, { shape: t.shape, dtype, requiresGrad: true }));
    const x = make(c.inputs.x)!, w = make(c.inputs.w), b = make(c.inputs.b);
    const out = call(c, x, w, b);
    expect(out.shape).toEqual(c.out.shape);
    close(out.data, c.out.values, rtol, atol, 'out');
    out.mul(tensor(c.g, { shape: out.shape, dtype })).sum().backward();
    close(x.grad!.data, c.grads.x, rtol * 4, atol * 4, 'grad x');
    if (w) close(w.grad!.data, c.grads.w!, rtol * 4, atol * 4, 'grad w');
    if (b) close(b.grad!.data, c.grads.b!, rtol * 4, atol * 4, 'grad b');
  });
});

// ---- gradients against finite differences on random geometry -----------------------------------

const geometry = convGeometry({ n: 2, groups: 2, perGroup: 2, side: 6, kernel: 3, stride: 2, padding: 1 });

const check = (f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): void => {
  const r = gradcheck(f, xs);
  expect(r.ok, r.message).toBe(true);
};

describe('gradients match finite differences (float64, random shapes, strides, paddings, dilations, groups)', () => {
  test('conv2d in x, weight and bias', () => {
    fc.assert(fc.property(geometry, (g) => {
      const gen = new Generator(g.seed);
      const c = g.groups * g.cpg, cout = g.groups * g.opg;
      const x = randn([g.n, c, g.h, g.w], { dtype: 'float64', generator: gen });
      const w = randn([cout, g.cpg, g.kh, g.kw], { dtype: 'float64', generator: gen });
      const b = randn([cout], { dtype: 'float64', generator: gen });
      check((a, k, bb) => conv2d(a, k, bb, { stride: [g.sh, g.sw], padding: [g.ph, g.pw], dilation: [g.dh, g.dw], groups: g.groups }), [x, w, b]);
    }), { numRuns: 25 });
  });
  test('convTranspose2d in x and weight', () => {
    fc.assert(fc.property(geometry, (g) => {
      const gen = new Generator(g.seed);
      const cin = g.groups * g.cpg;
      const x = randn([g.n, cin, 3, 3], { dtype: 'float64', generator: gen });
      const w = randn([cin, g.opg, g.kh, g.kw], { dtype: 'float64', generator: gen });
      const outputPadding: [number, number] = [Math.min(g.sh, g.dh) > 1 ? 1 : 0, 0];
      check((a, k) => convTranspose2d(a, k, null, { stride: [g.sh, g.sw], padding: [Math.min(g.ph, g.kh - 1), Math.min(g.pw, g.kw - 1)], dilation: [g.dh, g.dw], groups: g.groups, outputPadding }), [x, w]);
    }), { numRuns: 20 });
  });
  test('max and average pooling, adaptive pooling, every pad mode, interpolation', () => {
    fc.assert(fc.property(geometry, (g) => {
      const gen = new Generator(g.seed);
      const x = randn([g.n, 2, g.h, g.w], { dtype: 'float64', generator: gen });
      const k: [number, number] = [Math.max(2, g.kh), Math.max(2, g.kw)];
      check((a) => maxPool2d(a, k, { stride: [g.sh, g.sw], padding: [g.ph, g.pw], ceilMode: g.seed % 2 === 0 }), [x]);
      check((a) => avgPool2d(a, k, { stride: [g.sh, g.sw], padding: [g.ph, g.pw], ceilMode: g.seed % 2 === 1, countIncludePad: g.seed % 3 === 0 }), [x]);
      check((a) => adaptiveAvgPool2d(a, [g.kh + 1, g.kw]), [x]);
      for (const mode of ['constant', 'reflect', 'replicate', 'circular'] as const) check((a) => pad(a, [g.pw + 1, g.ph, -1, g.pw], { mode }), [x]);
      check((a) => interpolate(a, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: g.seed % 2 === 0 }), [x]);
      check((a) => interpolate(a, { size: [g.kh + 2, g.kw + 3] }), [x]);
    }), { numRuns: 15 });
  });
});

describe('max pooling of a window wholly in the padding', () => {
  // PyTorch 1.13: F.max_pool2d(x [1,1,2,2], 2, stride=1, padding=1, dilation=3) is −∞ and x.grad is zeros.
  test('is −∞ and passes no gradient back (as PyTorch)', () => {
    // Two planes: the second plane's window must not reach back into the first.
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], { shape: [1, 2, 2, 2], requiresGrad: true });
    const y = maxPool2d(x, 2, { stride: 1, padding: 1, dilation: 3 });
    expect(Array.from(y.data)).toEqual([-Infinity, -Infinity]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('unfold and fold', () => {
  test('are adjoint: ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩ (property)', () => {
    fc.assert(fc.property(geometry, (g) => {
      const gen = new Generator(g.seed);
      const opts = { stride: [g.sh, g.sw] as [number, number], padding: [g.ph, g.pw] as [number, number], dilation: [g.dh, g.dw] as [number, number] };
      const x = randn([g.n, 2, g.h, g.w], { dtype: 'float64', generator: gen });
      const u = unfold(x, [g.kh, g.kw], opts);
      const y = randn(u.shape, { dtype: 'float64', generator: gen });
      const lhs = u.mul(y).sum().item(), rhs = x.mul(fold(y, [g.h, g.w], [g.kh, g.kw], opts)).sum().item();
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(lhs)));
    }), { numRuns: 50 });
  });
  test('a convolution is the weights times the unfolded input', () => {
    const x = randn([2, 3, 5, 5], { dtype: 'float64' }), w = randn([4, 3, 3, 3], { dtype: 'float64' });
    const direct = conv2d(x, w, null, { padding: 1 });
    const viaUnfold = w.reshape(4, 27).matmul(unfold(x, 3, { padding: 1 })).reshape(2, 4, 5, 5);
    close(direct.data, Array.from(viaUnfold.data), 1e-12, 1e-12, 'conv');
  });
});

describe('bad shapes and options are typed errors naming the op, the shapes and the rule', () => {
  const x = randn([2, 4, 8, 8]);
  test('channels, groups, kernel size, bias and dims', () => {
    expect(thrownBy(() => conv2d(x, randn([6, 3, 3, 3]))).message).toBe('conv2d: input [2,4,8,8], weight [6,3,3,3]: the weight expects 3 input channels (3 per group × 1 groups), the input has 4');
    expect(thrownBy(() => conv2d(x, randn([6, 2, 3, 3]), null, { groups: 3 })).message).toMatch(/^conv2d: input \[2,4,8,8\], weight \[6,2,3,3\]: groups 3 must divide the input's 4 channels and the output's 6/);
    expect(thrownBy(() => conv2d(x, randn([6, 4, 9, 3]))).message).toMatch(/^conv2d: input \[2,4,8,8\], weight \[6,4,9,3\]: the kernel spans 9 .* the padded input is only 8/);
    expect(thrownBy(() => conv2d(x, randn([6, 4, 3, 3]), randn([5])))).toBeInstanceOf(ShapeError);
    expect(thrownBy(() => conv2d(randn([4, 8]), randn([6, 4, 3, 3])))).toBeInstanceOf(ShapeError);
    expect(thrownBy(() => conv2d(x, randn([6, 4, 3, 3]), null, { stride: 0 })).message).toBe('conv2d: stride must be an integer ≥ 1 or a pair of them, got 0');
    expect(thrownBy(() => conv2d(x, randn([6, 4, 3, 3]), null, { padding: 'same', stride: 2 }))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => conv2d(x, randn([6, 4, 3, 3]), null, { strides: 2 } as never)).message).toMatch(/unknown option "strides"; did you mean stride\?/);
    expect(thrownBy(() => maxPool2d(x, 2, { padding: 2 })).message).toMatch(/^maxPool2d: padding 2 must be at most half the kernel size 2/);
    expect(thrownBy(() => convTranspose2d(x, randn([4, 2, 4, 4]), null, { stride: 2, outputPadding: 2 }))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => pad(x, [8, 1], { mode: 'reflect' })).message).toBe("pad: mode 'reflect' needs pads smaller than the dim: dim 3 of [2,4,8,8] has 8, pads (8, 1)");
    expect(thrownBy(() => pad(x, [1, 1, 1], {}))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => interpolate(x, { size: 4, scaleFactor: 2 }))).toBeInstanceOf(ValueError);
    expect(conv2d(randn([4, 8, 8]), randn([6, 4, 3, 3])).shape).toEqual([6, 6, 6]); // unbatched, as in PyTorch
  });
});

describe('second derivatives: the three convolution kernels differentiate into each other', () => {
  test('gradgradcheck of conv2d (groups, stride, padding) and convTranspose2d', () => {
    const x = randn([1, 2, 4, 4], { dtype: 'float64' }), w = randn([2, 1, 3, 3], { dtype: 'float64' });
    for (const f of [
      (a: Tensor, k: Tensor) => conv2d(a, k, null, { padding: 1, stride: 2, groups: 2 }).pow(2),
      (a: Tensor, k: Tensor) => convTranspose2d(a, k, null, { stride: 2, padding: 1, groups: 2 }).pow(2),
    ]) {
      const r = gradgradcheck(f, [x, w]);
      expect(r.ok, r.message).toBe(true);
    }
  });
});
