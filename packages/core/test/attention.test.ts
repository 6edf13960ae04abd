// scaledDotProductAttention against PyTorch 2's reference definition (fixtures/pytorch_attention.json,
// written by fixtures/make_attention_fixtures.py in float64), its gradient and tangent rules against
// finite differences, dropout, and the errors.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DTypeError, Generator, ShapeError, ValueError, full, grad, randn, scaledDotProductAttention, tensor, tril, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';

interface Dumped { shape: number[]; values: number[]; dtype?: string }
interface Case { name: string; q: Dumped; k: Dumped; v: Dumped; mask: Dumped | null; isCausal: boolean; scale: number | null; out: Dumped; g: Dumped; grads: Dumped[] }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_attention.json', import.meta.url), 'utf8')) as { cases: Case[] };

const load = (d: Dumped): Tensor => d.dtype === 'bool'
  ? tensor(d.values.map(Boolean), { dtype: 'bool' }).reshape(d.shape)
  : tensor(d.values, { dtype: 'float64' }).reshape(d.shape);
const close = (got: Tensor, want: Tensor, tol = 1e-12): void => {
  expect(got.shape).toEqual(want.shape);
  got.data.forEach((v, i) => expect(Math.abs(v - want.data[i]), `element ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want.data[i]))));
};

describe('scaledDotProductAttention', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s: values and gradients equal the definition in PyTorch', (_, c) => {
    const [q, k, v] = [c.q, c.k, c.v].map((d) => load(d).requiresGrad_());
    const out = scaledDotProductAttention(q, k, v, { attnMask: c.mask === null ? null : load(c.mask), isCausal: c.isCausal, scale: c.scale });
    close(out, load(c.out));
    grad(out.mul(load(c.g)).sum(), [q, k, v]).forEach((g, i) => close(g, load(c.grads[i])));
  });
  test('gradient and tangent rules against finite differences, with and without a causal mask', () => {
    // q, k and v of one shape [..., L, E] (L = S, Ev = E), in random layouts
    for (const isCausal of [false, true]) {
      arb.checkGradients((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal }), { arity: 3, minRank: 2, maxRank: 3, maxSide: 3, numRuns: 15 });
    }
  });
  test('the causal mask is tril(ones(L, S)), and a bool mask equals the −∞ float mask', () => {
    const g = new Generator(4);
    const [q, k, v] = [randn([3, 4], { generator: g }), randn([5, 4], { generator: g }), randn([5, 2], { generator: g })];
    expect(tril(full([3, 5], true, { dtype: 'bool' })).dtype).toBe('bool'); // tril keeps its input's dtype
    const causal = scaledDotProductAttention(q, k, v, { isCausal: true });
    close(causal, scaledDotProductAttention(q, k, v, { attnMask: tril(full([3, 5], true, { dtype: 'bool' })) }), 0);
    const bool = tensor([[true, false, true, true, false], [false, true, true, false, true], [true, true, true, true, true]], { dtype: 'bool' });
    const asFloat = tensor(Array.from(bool.data, (b) => (b ? 0 : -Infinity)), { shape: [3, 5] });
    close(scaledDotProductAttention(q, k, v, { attnMask: bool }), scaledDotProductAttention(q, k, v, { attnMask: asFloat }), 0);
  });
  test('dropout: zero keeps the output; a seed gives the same draw; the kept weights are scaled by 1/(1 − p)', () => {
    const g = new Generator(5);
    const [q, k] = [randn([4, 8], { generator: g }), randn([6, 8], { generator: g })];
    const v = full([6, 1], 1); // each output is then the sum of its row's weights
    close(scaledDotProductAttention(q, k, v, { dropoutP: 0 }), scaledDotProductAttention(q, k, v), 0);
    const a = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(9) });
    const b = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(9) });
    close(a, b, 0);
    // rows of kept weights, each scaled by 2: the sums lie in [0, 2] and differ from 1
    expect(Array.from(a.data).every((s) => s >= -1e-6 && s <= 2 + 1e-6)).toBe(true);
    expect(Array.from(a.data).some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
  });
  test('errors name the op, the shapes and the rule broken', () => {
    const q = randn([3, 4]), k = randn([5, 4]), v = randn([5, 2]);
    expect(() => scaledDotProductAttention(q, randn([5, 3]), v)).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(q, randn([5, 3]), v)).toThrow(/^scaledDotProductAttention: query \[3,4\], key \[5,3\], value \[5,2\]: query and key must have the same last dim/);
    expect(() => scaledDotProductAttention(q, k, randn([4, 2]))).toThrow(/key and value must have the same length/);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: full([3, 5], true, { dtype: 'bool' }), isCausal: true })).toThrow(/either attnMask or isCausal/);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: full([4, 5], true, { dtype: 'bool' }) })).toThrow(/attnMask of shape \[4,5\] does not broadcast to the scores' shape \[3,5\]/);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: full([3, 5], 1, { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => scaledDotProductAttention(q, k, v, { dropoutP: 1 })).toThrow(ValueError);
    expect(() => scaledDotProductAttention(q, k, v, { causal: true } as never)).toThrow(/unknown option/);
    expect(() => scaledDotProductAttention('q' as never, k, v)).toThrow(/^scaledDotProductAttention: query must be a tensor/);
  });
});
