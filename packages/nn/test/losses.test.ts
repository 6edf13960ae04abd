import fc from 'fast-check';
import { expect, test } from 'vitest';
import { IndexError, gradcheck, tensor, type Tensor } from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, klDivNormal, mseLoss } from '../src/index.js';

const pairs = arb.shape({ minRank: 1, maxRank: 3, maxSide: 4 }).chain((s) =>
  fc.tuple(arb.tensorOfShape(s, { min: -12, max: 12 }), arb.tensorOfShape(s, { min: 0, max: 1 })),
);

test('binaryCrossEntropyWithLogits(z, t) = binaryCrossEntropy(σ(z), t) wherever σ(z) is not saturated', () => {
  fc.assert(fc.property(pairs, ([z, t]) => {
    const a = binaryCrossEntropyWithLogits(z, t, { reduction: 'none' }).data;
    const b = binaryCrossEntropy(z.sigmoid(), t, { reduction: 'none' }).data;
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 8));
  }));
});

test('the logits form stays finite and exact where σ(z) rounds to 0 or 1', () => {
  const z = tensor([-800, 800], { dtype: 'float64' });
  const t = tensor([1, 0], { dtype: 'float64' });
  expect(binaryCrossEntropyWithLogits(z, t, { reduction: 'none' }).toArray()).toEqual([800, 800]);
});

test('every loss and reduction matches finite differences', () => {
  fc.assert(fc.property(pairs, ([z, t]) => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const checks: [(...xs: Tensor[]) => Tensor, Tensor[]][] = [
        [(x) => binaryCrossEntropyWithLogits(x, t, { reduction }), [z]],
        [(x) => binaryCrossEntropy(x.sigmoid(), t, { reduction }), [z.mul(0.3)]],
        [(x) => mseLoss(x, t, { reduction }), [z]],
        [(m, lv) => klDivNormal(m, lv, { reduction }), [z.mul(0.2), t]],
      ];
      for (const [fn, inputs] of checks) {
        const r = gradcheck(fn, inputs);
        expect(r.ok, r.message).toBe(true);
      }
    }
  }), { numRuns: 20 });
});

test('crossEntropy = −log softmax(z)[target]', () => {
  fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 2, maxRank: 2, maxSide: 5 }) }), fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), (z, raw) => {
    const [n, c] = z.shape;
    const target = tensor(raw.slice(0, n).map((v) => v % c), { dtype: 'int32' });
    const got = crossEntropy(z, target, { reduction: 'none' }).data;
    const rows = z.toArray() as number[][];
    rows.forEach((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      expect(got[i]).toBeCloseTo(lse - row[target.data[i]], 10);
    });
  }));
});

test('crossEntropy: a float target is a DTypeError saying .int(), a class out of range an IndexError, both in its own words', () => {
  const z = tensor([[1, 2, 3], [0, 0, 0]]);
  expect(() => crossEntropy(z, tensor([0, 2]))).toThrow('crossEntropy: the target must hold int32 class indices, got float32; convert it with .int()');
  expect(() => crossEntropy(z, tensor([0, 3], { dtype: 'int32' }))).toThrow('crossEntropy: target class 3 is out of range for 3 classes');
  expect(() => crossEntropy(z, tensor([-1, 0], { dtype: 'int32' }))).toThrow(IndexError);
});
