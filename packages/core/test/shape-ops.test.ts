// Reductions, sorting and rearranging ops against PyTorch (fixtures/pytorch_shape.json, written by
// fixtures/make_shape_fixtures.py) in float64 and float32, and against finite differences.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as tg from '../src/index.js';
import { tensor, type DType, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';

interface T { shape: number[]; values: (number | boolean)[]; dtype?: string }
interface Case { name: string; inputs: T[]; out: T | T[]; g: (number[] | null)[] | number[] | null; grads: (number[] | null)[]; note?: string }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_shape.json', import.meta.url), 'utf8')) as { cases: Case[] };

type Out = Tensor | Tensor[];
const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
const ops: Record<string, (...xs: Tensor[]) => Out> = {
  'prod all': (x) => tg.prod(x), 'prod dim 1': (x) => tg.prod(x, 1), 'prod one zero': (x) => tg.prod(x, 1), 'prod two zeros': (x) => tg.prod(x, 1),
  'amax dims': (x) => tg.amax(x, [0, 2]), 'amin keepdim': (x) => tg.amin(x, 1, true),
  'any dim 1': (x) => tg.any(x.gt(0.5), 1), 'all dim 0': (x) => tg.all(x.gt(-0.9), 0),
  'sort dim 1': (x) => pair(tg.sort(x, { dim: 1 })), 'sort descending dim 0': (x) => pair(tg.sort(x, { dim: 0, descending: true })),
  'sort stable ties': (x) => pair(tg.sort(x, { dim: 1 })), 'argsort dim 1': (x) => tg.argsort(x, { dim: 1 }),
  'topk 2 dim 1': (x) => pair(tg.topk(x, 2, { dim: 1 })), 'topk smallest': (x) => pair(tg.topk(x, 2, { dim: 1, largest: false })),
  'kthvalue 2 dim 1': (x) => pair(tg.kthvalue(x, 2, 1)), 'median dim 1': (x) => pair(tg.median(x, 1)), 'median all': (x) => tg.median(x),
  repeat: (x) => tg.repeat(x, [2, 1, 3]), tile: (x) => tg.tile(x, [2]), roll: (x) => tg.roll(x, [1, -2], [0, 1]), 'roll flat': (x) => tg.roll(x, 3),
  unflatten: (x) => tg.unflatten(x, 1, [2, 2]), movedim: (x) => tg.movedim(x, 0, 2), diagonal: (x) => tg.diagonal(x, 1),
  'diagonal dims': (x) => tg.diagonal(x, 0, 1, 2), 'diag vector': (v) => tg.diag(v), 'diag matrix offset': (x) => tg.diag(x, -1),
  tril: (x) => tg.tril(x), 'triu diagonal 1': (x) => tg.triu(x, 1), broadcastTo: (v) => tg.broadcastTo(v, [3, 4]),
  outer: (a, b) => tg.outer(a, b), dot: (a, b) => tg.dot(a, b), bmm: (a, b) => tg.bmm(a, b),
  'baddbmm beta alpha': (i, a, b) => tg.baddbmm(i, a, b, { beta: 0.5, alpha: 2 }),
  'einsum matmul': (a, b) => tg.einsum('ij,jk->ik', a, b), 'einsum batched with a summed letter': (a, b) => tg.einsum('bij,bjk->bk', a, b),
  'einsum trace and transpose': (a, b) => tg.einsum('ii,jk->kj', a, b), 'einsum implicit three operands': (a, b, c) => tg.einsum('ij,jk,kl', a, b, c),
  'einsum ellipsis batched matmul, broadcast batch': (a, b) => tg.einsum('...ij,...jk->...ik', a, b),
  'einsum ellipsis implicit output': (a, b) => tg.einsum('...i,...i', a, b),
  'einsum ellipsis diagonal': (a) => tg.einsum('...ii->...i', a), 'einsum ellipsis summed out': (a) => tg.einsum('i...->i', a),
  'meshgrid ij': (a, b) => tg.meshgrid([a, b]), 'meshgrid xy': (a, b) => tg.meshgrid([a, b], { indexing: 'xy' }),
  'flatten 1 2': (x) => tg.flatten(x, 1, 2),
  'cumprod dim 1': (x) => tg.cumprod(x, 1), 'cummax dim 1': (x) => pair(tg.cummax(x, 1)), 'cummin dim 0': (x) => pair(tg.cummin(x, 0)),
  'logcumsumexp dim 1': (x) => tg.logcumsumexp(x, 1),
  unique: (x) => { const u = tg.unique(x); return [u.values, u.inverse, u.counts]; },
  'unique dim 0': (x) => { const u = tg.unique(x, { dim: 0 }); return [u.values, u.inverse, u.counts]; },
  'unique dim 1': (x) => { const u = x.unique({ dim: 1 }); return [u.values, u.inverse, u.counts]; },
  'mode dim 1': (x) => pair(tg.mode(x, 1)), 'mode dim 0 keepdim': (x) => pair(tg.mode(x, 0, true)),
};

function close(ours: ArrayLike<number>, theirs: (number | boolean)[], rtol: number, atol: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const t = Number(theirs[i]);
    if (!(Math.abs(ours[i] - t) <= atol + rtol * Math.abs(t))) expect.fail(`${what}[${i}]: ${ours[i]} vs PyTorch ${t}`);
  }
}

describe.each(['float64', 'float32'] as DType[])('%s: values, indices and gradients equal PyTorch\'s', (dtype) => {
  test('the fixture\'s cases are these ops, and the ones still to do are named', () => {
    expect(cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
    expect(Object.keys(ops).filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });
  test.each(cases.filter((c) => c.name in ops).map((c) => [c.name, c] as const))('%s', (name, c) => {
    const [rtol, atol] = dtype === 'float64' ? [1e-12, 1e-14] : [3e-6, 3e-6];
    const differentiable = c.grads.some((g) => g !== null);
    const xs = c.inputs.map((t) => tensor(t.values as number[], { shape: t.shape, dtype, requiresGrad: differentiable }));
    const result = ops[name](...xs);
    const outs = Array.isArray(result) ? result : [result];
    const expected = Array.isArray(c.out) ? c.out : [c.out];
    expect(outs.length).toBe(expected.length);
    outs.forEach((o, k) => {
      const e = expected[k];
      expect(o.shape, `output ${k} shape`).toEqual(e.shape);
      if (e.dtype === 'int64') expect(o.dtype).toBe('int32');
      if (e.dtype === 'bool') expect(o.toArray()).toEqual(tensor(e.values as boolean[], { shape: e.shape }).toArray());
      else close(o.data, e.values, rtol, atol, `output ${k}`);
    });
    if (!differentiable) return;
    const gs = (Array.isArray(c.out) ? c.g : [c.g]) as (number[] | null)[];
    outs.map((o, k) => (gs[k] === null ? null : o.mul(tensor(gs[k]!, { shape: o.shape, dtype })).sum()))
      .filter((t): t is Tensor => t !== null).reduce((a, b) => a.add(b)).backward();
    c.grads.forEach((g, i) => {
      if (g !== null) close(xs[i].grad!.data, g, rtol * 4, atol * 4, `grad ${i}`);
    });
  });
});

describe('gradients match finite differences on random shapes (float64)', () => {
  const unary: [string, (x: Tensor) => Tensor][] = [
    ['prod', (x) => tg.prod(x, -1)], ['cumprod', (x) => tg.cumprod(x, -1).mul(x)], ['cumsum', (x) => tg.cumsum(x, 0).mul(x)],
    ['logcumsumexp', (x) => tg.logcumsumexp(x, -1).mul(x)], ['repeat', (x) => tg.repeat(x, [2, ...x.shape.map(() => 2)])],
    ['roll', (x) => tg.roll(x, [1], [0])], ['diagonal', (x) => (x.ndim >= 2 ? tg.diagonal(x, 0, 0, 1) : x)], ['tril', (x) => (x.ndim >= 2 ? tg.tril(x) : x)],
  ];
  test.each(unary)('%s', (_, f) => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 3, maxSide: 3 }), avoid: [0] }), (x) => {
      const r = tg.gradcheck(f, [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 15 });
  });
  test('sort and topk values: each gradient goes back to the element it came from (distinct values)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 6, maxLength: 6 }), (v) => {
      const x = tensor(v.map((i) => i / 7), { shape: [2, 3], dtype: 'float64' });
      for (const f of [(t: Tensor) => tg.sort(t, { dim: 1 }).values, (t: Tensor) => tg.topk(t, 2, { dim: 0 }).values, (t: Tensor) => tg.median(t, 1).values]) {
        const r = tg.gradcheck(f, [x]);
        expect(r.ok, r.message).toBe(true);
      }
    }), { numRuns: 20 });
  });
  test('cumprod through zeros (one, two, all) has the exact gradient, first and second order', () => {
    for (const v of [[0.5, 0, 2, -1.5], [0, 1.5, 0, 2], [0, 0, 0], [1.3, -0.7, 0]]) {
      const x = tensor(v, { dtype: 'float64' });
      for (const [f, what] of [[(t: Tensor) => tg.cumprod(t, 0), 'cumprod'], [(t: Tensor) => tg.cumprod(t.reshape([1, -1]), 1).mul(2), '2-D']] as const) {
        const r = tg.gradcheck(f, [x]);
        expect(r.ok, `${what} ${v}: ${r.message}`).toBe(true);
        const r2 = tg.gradgradcheck(f, [x]);
        expect(r2.ok, `${what} ${v}: ${r2.message}`).toBe(true);
      }
    }
  });
  test('cummax and cummin: each gradient goes back to where the extreme came from (distinct values)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 6, maxLength: 6 }), (v) => {
      const x = tensor(v.map((i) => i / 7), { shape: [2, 3], dtype: 'float64' });
      for (const f of [(t: Tensor) => tg.cummax(t, 1).values, (t: Tensor) => tg.cummin(t, 0).values.mul(t)]) {
        const r = tg.gradcheck(f, [x]);
        expect(r.ok, r.message).toBe(true);
      }
    }), { numRuns: 20 });
  });
  test('running reductions agree with a line-by-line reference, ties and NaN included', () => {
    const line = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(NaN)), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(line, (v) => {
      const x = tensor(v, { dtype: 'float64' });
      const ref = (step: (a: number, b: number) => number) => v.map((_, i) => v.slice(0, i + 1).reduce(step));
      const same = (ours: ArrayLike<number>, theirs: number[]) => theirs.forEach((t, i) => {
        if (!(Object.is(ours[i], t) || Math.abs(ours[i] - t) <= 1e-12 * Math.abs(t))) expect.fail(`${ours[i]} vs ${t} at ${i} of ${v}`);
      });
      same(tg.cumsum(x, 0).data, ref((a, b) => a + b));
      same(tg.cumprod(x, 0).data, ref((a, b) => a * b));
      same(tg.logcumsumexp(x, 0).data, ref((a, b) => Math.log(Math.exp(a) + Math.exp(b))));
      // PyTorch's rule (checked in 1.13: cummax([nan, nan, 0]) has indices [0, 1, 1]): the latest
      // position of the running extreme; once a NaN is met, the latest NaN's.
      for (const [f, better] of [[tg.cummax, (a: number, b: number) => b >= a], [tg.cummin, (a: number, b: number) => b <= a]] as const) {
        let best = 0;
        const idx = v.map((b, i) => {
          if (Number.isNaN(b) || (!Number.isNaN(v[best]) && better(v[best], b))) best = i;
          return best;
        });
        const r = f(x, 0);
        expect(Array.from(r.indices.data), `${v}`).toEqual(idx);
        same(r.values.data, idx.map((i) => v[i]));
      }
    }), { numRuns: 200 });
  });
  test('logcumsumexp neither overflows nor loses the small terms', () => {
    const x = tensor([1000, 1000, -1000, 1e-20], { dtype: 'float64', requiresGrad: true });
    expect(Array.from(tg.logcumsumexp(x, 0).data).slice(0, 2)).toEqual([1000, 1000 + Math.log(2)]);
    tg.logcumsumexp(x, 0).sum().backward();
    expect(Array.from(x.grad!.data).every(Number.isFinite)).toBe(true);
    expect(() => tg.logcumsumexp(tensor([1, 2], { dtype: 'int32' }), 0)).toThrow(/logcumsumexp: needs a float tensor/);
  });
  test('mode: the smallest most frequent value at its last occurrence, against a line-by-line reference', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (rows) => {
      const x = tensor(rows, { dtype: 'float64', requiresGrad: true });
      const { values, indices } = tg.mode(x, 1);
      const expected = rows.map((r) => {
        const count = (v: number) => r.filter((u) => u === v).length;
        const top = Math.max(...r.map(count));
        const v = Math.min(...r.filter((u) => count(u) === top));
        return [v, r.lastIndexOf(v)];
      });
      expect(Array.from(values.data)).toEqual(expected.map((e) => e[0]));
      expect(Array.from(indices.data)).toEqual(expected.map((e) => e[1]));
      values.sum().backward();
      expect(x.grad!.toArray()).toEqual(rows.map((r, i) => r.map((_, j) => (j === expected[i][1] ? 1 : 0))));
    }), { numRuns: 200 });
  });
  test('baddbmm: gradients in all three (input broadcast), beta 0 ignores even a NaN input, shapes checked', () => {
    const i = tensor([0.3, -0.2, 0.5], { dtype: 'float64' });
    const a = tg.randn([2, 3, 4], { dtype: 'float64', generator: new tg.Generator(1) });
    const b = tg.randn([2, 4, 3], { dtype: 'float64', generator: new tg.Generator(2) });
    const r = tg.gradcheck((x, y, z) => tg.baddbmm(x, y, z, { beta: -1.5, alpha: 0.5 }), [i, a, b]);
    expect(r.ok, r.message).toBe(true);
    expect(tg.baddbmm(tensor([NaN], { dtype: 'float64' }), a, b, { beta: 0 }).toArray()).toEqual(tg.bmm(a, b).toArray());
    expect(() => tg.baddbmm(tg.zeros([2, 2, 3, 3], { dtype: 'float64' }), a, b)).toThrow('baddbmm: input of shape [2,2,3,3] does not broadcast to the products\' shape [2,3,3]');
    expect(() => tg.baddbmm(i, a, a)).toThrow(/baddbmm: expects \[B, n, m\] and \[B, m, p\]/);
  });
  test('unique along a dim: values.index(inverse) rebuilds x, the slices are sorted and distinct', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer(), (n, w, dim, seed) => {
      const g = new tg.Generator(seed);
      const x = tg.randint(0, 2, dim === 0 ? [n, w] : [w, n], { generator: g });
      const { values, inverse, counts } = tg.unique(x, { dim });
      expect(tg.indexSelect(values, dim, inverse).toArray()).toEqual(x.toArray());
      const slices = (t: Tensor) => tg.unbind(t, dim).map((s) => Array.from(s.data).join(','));
      const ours = slices(values);
      expect(new Set(ours).size).toBe(ours.length);
      expect([...ours]).toEqual([...ours].sort((a, b) => { const p = a.split(',').map(Number), q = b.split(',').map(Number); for (let k = 0; k < p.length; k++) if (p[k] !== q[k]) return p[k] - q[k]; return 0; }));
      expect(Array.from(counts.data).reduce((a, b) => a + b, 0)).toBe(n);
    }), { numRuns: 150 });
  });
  test('unique: sorted distinct values, values[inverse] rebuilds x, counts add up', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 0, maxLength: 12 }), (v) => {
      const x = tensor(v, { dtype: 'int32' });
      const { values, inverse, counts } = tg.unique(x);
      const distinct = [...new Set(v)].sort((a, b) => a - b);
      expect(Array.from(values.data)).toEqual(distinct);
      expect(values.dtype).toBe('int32');
      expect(Array.from(inverse.data).map((i) => distinct[i])).toEqual(v);
      expect(Array.from(counts.data)).toEqual(distinct.map((d) => v.filter((u) => u === d).length));
    }), { numRuns: 200 });
  });
  test('einsum equals its definition (a sum of products over every letter) on random equations', () => {
    const letters = 'abcd';
    const spec = fc.tuple(fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 3 }), fc.subarray([...letters]));
    fc.assert(fc.property(spec, fc.integer({ min: 0, max: 1000 }), ([l1, l2, outAll], seed) => {
      const used = new Set([...l1, ...l2]);
      const out = outAll.filter((l) => used.has(l));
      const size: Record<string, number> = { a: 2, b: 3, c: 1, d: 2 };
      const g = new tg.Generator(seed);
      const x = tg.randn(l1.map((l) => size[l]), { dtype: 'float64', generator: g });
      const y = tg.randn(l2.map((l) => size[l]), { dtype: 'float64', generator: g });
      const got = tg.einsum(`${l1.join('')},${l2.join('')}->${out.join('')}`, x, y);
      // The definition: for every assignment of all letters, add x[…]·y[…] into out[…].
      const all = [...used];
      const expected = new Float64Array(out.reduce((n, l) => n * size[l], 1));
      const at = (t: Tensor, ls: string[], v: Record<string, number>) => t.data[ls.reduce((p, l, k) => p + v[l] * t.strides[k], 0)];
      const visit = (k: number, v: Record<string, number>): void => {
        if (k === all.length) {
          expected[out.reduce((p, l) => p * size[l] + v[l], 0)] += at(x, l1, v) * at(y, l2, v);
          return;
        }
        for (let i = 0; i < size[all[k]]; i++) visit(k + 1, { ...v, [all[k]]: i });
      };
      visit(0, {});
      expect(got.shape).toEqual(out.map((l) => size[l]));
      Array.from(got.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
      const r = tg.gradcheck((p, q) => tg.einsum(`${l1.join('')},${l2.join('')}->${out.join('')}`, p, q), [x, y]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 60 });
  });
  test('einsum errors name the equation', () => {
    expect(() => tg.einsum('ij,jk->ik', tg.zeros([2, 3]), tg.zeros([4, 5]))).toThrow('einsum: letter j is 3 in one place and 4 in another (operand 1, [4,5])');
    expect(() => tg.einsum('ij->ik', tg.zeros([2, 3]))).toThrow('einsum: output letter k appears in no operand of "ij->ik"');
    expect(() => tg.einsum('ij,jk', tg.zeros([2, 3]))).toThrow('einsum: the equation "ij,jk" has 2 operands, but 1 tensors were given');
    expect(() => tg.einsum('...ij->ij', tg.zeros([3]))).toThrow("einsum: operand 0 has 1 dims ([3]) but \"...ij\" names 2 besides '...'");
    expect(() => tg.einsum('...i,...i', tg.zeros([2, 3]), tg.zeros([4, 3]))).toThrow("einsum: the dims under '...' do not broadcast: [2] and [4] in \"...i,...i\"");
    expect(() => tg.einsum('ij->...', tg.zeros([2, 3]))).toThrow(/has '...' but no operand does/);
    expect(() => tg.einsum('..i', tg.zeros([2]))).toThrow(/at most one '...'/);
  });
  test('sort is a permutation that orders, and argsort is stable', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 20 }), (v) => {
      const { values, indices } = tg.sort(tensor(v));
      const idx = Array.from(indices.data);
      expect(Array.from(values.data)).toEqual([...v].sort((a, b) => a - b));
      expect(idx).toEqual(v.map((_, i) => i).sort((a, b) => v[a] - v[b] || a - b));
    }));
  });
});

describe('reshape and view on strided memory (ATen computeStride)', () => {
  test('any layout, any shape of the same size: the elements in row-major order are reshape’s; view shares memory or refuses', () => {
    fc.assert(fc.property(arb.anyLayout({ dtype: 'float32' }), fc.integer({ min: 0, max: 5 }), (x, cut) => {
      // a target shape: x's size split at a random point into two factors (or merged)
      const n = x.numel();
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const a = divisors[cut % divisors.length];
      const shape = [a, n / a];
      const want = tg.contiguous(x).reshape(shape).toArray();
      expect(tg.reshape(x, shape).toArray()).toEqual(want);
      let v: Tensor | null = null;
      try {
        v = tg.view(x, shape);
      } catch (e) {
        expect((e as Error).message).toMatch(/^view: shape .* cannot be a view/);
      }
      if (v !== null) {
        expect(v.buffer).toBe(x.buffer);
        expect(v.toArray()).toEqual(want);
      }
    }), { numRuns: 300 });
  });
  test('PyTorch’s examples: a step-sliced or transposed tensor views where its memory allows', () => {
    const x = tg.arange(16).reshape([4, 4]);
    const rows = x.index(tg.slice(null, null, 2));
    expect(rows.view([2, 2, 2]).buffer).toBe(x.buffer);
    expect(x.T.reshape([4, 2, 2]).buffer).toBe(x.buffer);
    expect(x.T.reshape([16]).buffer).not.toBe(x.buffer); // a copy: 16 would straddle two runs
    expect(() => x.T.view([16])).toThrow(/^view: shape \[16\] cannot be a view of a tensor of shape \[4,4\] with strides \[1,4\]/);
  });
});
