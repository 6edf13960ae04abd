// Writing along a dim (scatter, scatterReduce, indexAdd/Copy/Fill, oneHot) and the norms put to
// work (normalize, cdist): against an element-by-element reference on random shapes, against
// finite differences in float64, and against PyTorch (fixtures/pytorch_scatter.json, written by
// fixtures/make_scatter_fixtures.py).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as tg from '../src/index.js';
import { tensor, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';

interface T { shape: number[]; values: number[]; dtype?: string }
interface Case { name: string; note: string; inputs: T[]; out: T; g: number[] | null; grads: (number[] | null)[] }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_scatter.json', import.meta.url), 'utf8')) as { cases: Case[] };

const reduceCase = (r: tg.ScatterReduce, includeSelf = true) => (x: Tensor, i: Tensor, s: Tensor) => tg.scatterReduce(x, 1, i, s, r, { includeSelf });
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  'scatter dim 0': (x, i, s) => tg.scatter(x, 0, i, s), 'scatter dim 1 value': (x, i) => tg.scatter(x, 1, i, 2.5),
  'scatterReduce sum': reduceCase('sum'), 'scatterReduce prod': reduceCase('prod'), 'scatterReduce mean': reduceCase('mean'),
  'scatterReduce amax': reduceCase('amax'), 'scatterReduce amin': reduceCase('amin'), 'scatterReduce amax ties': reduceCase('amax'),
  'scatterReduce mean exclude self': reduceCase('mean', false), 'scatterReduce prod zeros': reduceCase('prod'),
  'indexAdd dim 0': (x, i, s) => tg.indexAdd(x, 0, i, s, { alpha: 0.5 }), 'indexCopy dim 1': (x, i, s) => tg.indexCopy(x, 1, i, s),
  'indexFill dim 1': (x, i) => tg.indexFill(x, 1, i, -1.5), oneHot: (t) => tg.oneHot(t, 5), 'oneHot inferred': (t) => tg.oneHot(t),
  'normalize dim 1': (x) => tg.normalize(x), 'normalize p1 dim 0': (x) => tg.normalize(x, { p: 1, dim: 0 }), 'normalize zero row': (x) => tg.normalize(x),
  'cdist p2': (a, b) => tg.cdist(a, b), 'cdist p1': (a, b) => tg.cdist(a, b, 1), 'cdist pinf': (a, b) => tg.cdist(a, b, Infinity),
  'cdist p3': (a, b) => tg.cdist(a, b, 3), 'cdist p2 coincident': (a, b) => tg.cdist(a, b),
};

function close(ours: ArrayLike<number>, theirs: number[], rtol: number, atol: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    if (!(Math.abs(ours[i] - theirs[i]) <= atol + rtol * Math.abs(theirs[i]))) expect.fail(`${what}[${i}]: ${ours[i]} vs PyTorch ${theirs[i]}`);
  }
}

describe.each(['float64', 'float32'] as const)('%s: values and gradients equal PyTorch\'s', (dtype) => {
  test('every case of the fixture has an op here, and every op a case', () => {
    expect(cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
    expect(Object.keys(ops).filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });
  test.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const [rtol, atol] = dtype === 'float64' ? [1e-12, 1e-14] : [3e-6, 3e-6];
    const xs = c.inputs.map((t) => (t.dtype === 'int64'
      ? tensor(t.values, { shape: t.shape, dtype: 'int32' })
      : tensor(t.values, { shape: t.shape, dtype, requiresGrad: c.g !== null })));
    const out = ops[name](...xs);
    expect(out.shape).toEqual(c.out.shape);
    if (c.out.dtype === 'int64') {
      expect(out.dtype).toBe('int32');
      expect(Array.from(out.data)).toEqual(c.out.values);
      return;
    }
    close(out.data, c.out.values, rtol, atol, 'out');
    out.mul(tensor(c.g!, { shape: out.shape, dtype })).sum().backward();
    c.grads.forEach((g, i) => {
      // The zero row's gradient is g/eps (≈1e12): relative tolerance only, and float32 cannot hold 1/eps's digits.
      if (g !== null) close(xs[i].grad!.data, g, rtol * 4, name === 'normalize zero row' ? 0 : atol * 4, `grad ${i}`);
    });
  });
});

const int = (v: number[], shape: number[]) => tensor(v, { shape, dtype: 'int32' });

function check(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], second = false): void {
  const r = tg.gradcheck(f, xs);
  expect(r.ok, r.message).toBe(true);
  if (second) {
    const r2 = tg.gradgradcheck(f, xs);
    expect(r2.ok, r2.message).toBe(true);
  }
}

/** A [rows, cols] x, and for dim 1 an index [rows, k] whose rows are k distinct targets, with src [rows, k]. */
const scatterCase = fc.record({ rows: fc.integer({ min: 1, max: 3 }), cols: fc.integer({ min: 1, max: 4 }), seed: fc.integer() }).chain(({ rows, cols, seed }) =>
  fc.tuple(
    arb.tensorOfShape([rows, cols], { distinct: true }),
    fc.array(fc.shuffledSubarray([...Array(cols).keys()], { minLength: 1, maxLength: cols }), { minLength: rows, maxLength: rows }).map((lines) => {
      const k = Math.min(...lines.map((l) => l.length));
      return lines.map((l) => l.slice(0, k));
    }),
    fc.constant(seed),
  ));

describe('scatter and the index_* ops equal an element-by-element reference', () => {
  test('scatter along dim 1 (distinct targets per row), and src larger than index', () => {
    fc.assert(fc.property(scatterCase, ([x, lines]) => {
      const [rows, cols] = x.shape, k = lines[0].length;
      const index = int(lines.flat(), [rows, k]);
      const src = tg.arange(rows * (k + 1), { dtype: 'float64' }).reshape([rows, k + 1]);
      const out = tg.scatter(x, 1, index, src);
      const expected = x.toArray() as number[][];
      lines.forEach((l, i) => l.forEach((c, j) => { expected[i][c] = i * (k + 1) + j; }));
      expect(out.toArray()).toEqual(expected);
      expect(tg.scatter(x, 1, index, 7).toArray()).toEqual((x.toArray() as number[][]).map((r, i) => r.map((v, c) => (lines[i].includes(c) ? 7 : v))));
      expect(cols).toBe(x.shape[1]);
    }), { numRuns: 100 });
  });
  test('scatterReduce: every reduction, with and without self, repeats included', () => {
    const reduce = fc.constantFrom<tg.ScatterReduce>('sum', 'prod', 'mean', 'amax', 'amin');
    fc.assert(fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 3, maxLength: 3 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -4, max: 4 })), { minLength: 1, maxLength: 6 }), reduce, fc.boolean(), (xv, pairs, r, self) => {
      const x = tensor(xv, { dtype: 'float64' });
      const out = tg.scatterReduce(x, 0, int(pairs.map((p) => p[0]), [pairs.length]), tensor(pairs.map((p) => p[1]), { dtype: 'float64' }), r, { includeSelf: self });
      const expected = xv.map((v, i) => {
        const got = pairs.filter((p) => p[0] === i).map((p) => p[1]);
        if (got.length === 0) return v;
        const all = self ? [v, ...got] : got;
        return { sum: () => all.reduce((a, b) => a + b), prod: () => all.reduce((a, b) => a * b), mean: () => all.reduce((a, b) => a + b) / all.length, amax: () => Math.max(...all), amin: () => Math.min(...all) }[r]();
      });
      expect(Array.from(out.data)).toEqual(expected);
    }), { numRuns: 300 });
  });
  test('indexAdd, indexCopy and indexFill along dim 0 and 1', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expect(tg.indexAdd(x, 1, [2, 0, 2], tensor([[1, 10, 100], [2, 20, 200]], { dtype: 'float64' }), { alpha: 2 }).toArray()).toEqual([[21, 2, 205], [44, 5, 410]]);
    expect(x.indexCopy(0, [1], tensor([[7, 8, 9]], { dtype: 'float64' })).toArray()).toEqual([[1, 2, 3], [7, 8, 9]]);
    expect(x.indexFill(1, int([0, 2], [2]), -1).toArray()).toEqual([[-1, 2, -1], [-1, 5, -1]]);
  });
  test('oneHot: int32 rows, the class count inferred or given', () => {
    const t = int([2, 0, 1], [3]);
    expect(tg.oneHot(t).toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    expect(tg.oneHot(t, 4).dtype).toBe('int32');
    expect(tg.oneHot(t, 4).shape).toEqual([3, 4]);
    expect(() => tg.oneHot(t, 2)).toThrow('oneHot: class 2 is out of range for 2 classes');
    expect(() => tg.oneHot(tensor([1.0]))).toThrow(/oneHot: the input must be an int32 tensor/);
  });
  test('errors name the op and the shapes', () => {
    const x = tg.zeros([2, 3]);
    // As PyTorch: index may be longer than x along dim itself, not along the others.
    expect(tg.scatter(x, 1, int([0, 1, 2, 0], [1, 4]), 1).sum().item()).toBe(3);
    expect(() => tg.scatter(x, 1, int([0, 0, 0], [3, 1]), 1)).toThrow('scatter: index of shape [3,1] must have the input\'s rank and be no larger than [2,3] on every dim but 1');
    expect(() => tg.scatter(x, 1, int([3], [1, 1]), 1)).toThrow('scatter: index 3 is out of range for dim 1 of size 3');
    expect(() => tg.scatter(x, 1, int([0], [1, 1]), tensor([1], { dtype: 'float64' }).reshape([1, 1]))).toThrow(/scatter: src is float64 but the input is float32/);
    expect(() => tg.scatterReduce(x, 1, int([0], [1, 1]), tg.ones([1, 1]), 'max' as never)).toThrow(/scatterReduce: reduce must be one of sum, prod, mean, amax, amin/);
    expect(() => tg.indexAdd(x, 0, [0], tg.ones([2, 3]))).toThrow('indexAdd: source must have shape [1,3] (the input\'s, with the indexed dim the index\'s length), got [2,3]');
  });
});

describe('gradients match finite differences (float64)', () => {
  test('scatter, indexAdd, indexCopy, indexFill in x and in src', () => {
    fc.assert(fc.property(scatterCase, ([x, lines]) => {
      const [rows] = x.shape, k = lines[0].length;
      const index = int(lines.flat(), [rows, k]);
      const src = x.slice(1, 0, k).mul(0.5).add(1).contiguous();
      check((a, s) => tg.scatter(a, 1, index, s).mul(a), [x, src]);
      check((a) => tg.indexFill(a, 1, lines[0], 2).mul(a), [x]);
      check((a, s) => tg.indexAdd(a, 1, lines[0], s, { alpha: -1.5 }).mul(a), [x, src]);
      check((a, s) => tg.indexCopy(a, 1, lines[0], s).mul(a), [x, src]);
    }), { numRuns: 20 });
  });
  test('scatterReduce sum, mean, amax, amin (distinct values) and prod, also through zeros, first and second order', () => {
    const index = int([0, 2, 0, 1, 0], [5]);
    for (const self of [true, false]) {
      for (const r of ['sum', 'mean', 'amax', 'amin', 'prod'] as const) {
        const x = tensor([0.3, -1.2, 2.1], { dtype: 'float64' });
        const src = tensor([1.7, 0.4, -0.9, 1.1, -2.3], { dtype: 'float64' });
        check((a, s) => tg.scatterReduce(a, 0, index, s, r, { includeSelf: self }).mul(a), [x, src], r !== 'amax' && r !== 'amin');
      }
      // A zero in x, a single zero in src, and zeros in both. Second derivatives are exact except
      // where exactly two zeros meet (their mixed derivative is the product of the rest, which the
      // two-or-more-zeros rule, 0, does not carry): position 0 without self in the last case.
      for (const [xv, sv, second] of [[[0, 1.5, 2], [1.7, 0.4, -0.9, 1.1, -2.3], true], [[0.5, 1.5, 2], [0, 0.4, -0.9, 1.1, -2.3], true], [[0, 1.5, 2], [0, 0.4, 0, 1.1, -2.3], self]] as const) {
        check((a, s) => tg.scatterReduce(a, 0, index, s, 'prod', { includeSelf: self }), [tensor(xv, { dtype: 'float64' }), tensor(sv, { dtype: 'float64' })], second);
      }
    }
  });
  test('normalize and cdist (p = 1, 2, 3, ∞ away from ties and zeros)', () => {
    fc.assert(fc.property(arb.tensorOfShape([3, 4], { distinct: true, avoid: [0] }), arb.tensorOfShape([2, 4], { distinct: true }), (a, b) => {
      check((t) => tg.normalize(t), [a]);
      check((t) => tg.normalize(t, { p: 1, dim: 0 }), [a]);
      for (const p of [1, 2, 3, Infinity]) {
        // Away from the kinks: a zero difference vector (every p), a zero coordinate difference
        // (p = 1's |·|), a tie for the largest |difference| (p = ∞).
        const gaps = tg.sort(a.unsqueeze(1).sub(b.unsqueeze(0)).abs(), { dim: -1, descending: true }).values;
        if (tg.cdist(a, b, p).min().item() < 0.05) continue;
        if (p === 1 && gaps.min().item() < 0.05) continue;
        if (p === Infinity && gaps.slice(-1, 0, 1).sub(gaps.slice(-1, 1, 2)).min().item() < 0.05) continue;
        check((u, v) => tg.cdist(u, v, p), [a, b]);
      }
    }), { numRuns: 15 });
  });
});
