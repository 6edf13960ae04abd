// The losses against PyTorch 1.13 (fixtures/make_loss_fixtures.py → fixtures/pytorch_losses.json):
// values and gradients for every option, gradchecks on random shapes, the identities that tie the
// losses together, and the typed errors a bad target or option gets.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DTypeError, IndexError, ShapeError, type Tensor, TensorgradError, ValueError, grad, gradcheck, logSoftmax, oneHot, tensor, where, zeros,
} from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import { thrownBy } from '@tensorgrad/core/testing';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, cosineEmbeddingLoss, crossEntropy, huberLoss, klDiv, l1Loss, marginRankingLoss,
  mseLoss, nllLoss, smoothL1Loss, type Reduction,
} from '../src/index.js';

type DTypeName = 'float64' | 'float32' | 'int32';
interface Stored { shape: number[]; values: number[]; dtype: DTypeName }
interface Case {
  name: string;
  fn: string;
  args: Stored[];
  options: Record<string, unknown>;
  out: Stored;
  g: number[];
  grads: (number[] | null)[];
}

const ref = JSON.parse(readFileSync(new URL('./fixtures/pytorch_losses.json', import.meta.url), 'utf8')) as { cases: Case[] };

const isStored = (v: unknown): v is Stored => typeof v === 'object' && v !== null && 'shape' in v && 'values' in v;
const load = (s: Stored, requiresGrad = false) => tensor(s.values, { shape: s.shape, dtype: s.dtype, requiresGrad });

// Each loss by the name the fixtures use; options arrive as JSON and are passed on unchecked,
// so that the losses' own runtime checks see exactly what the fixture holds.
type Loss = (args: Tensor[], options: never) => Tensor;
const LOSSES: Record<string, Loss> = {
  crossEntropy: ([x, t], o) => crossEntropy(x, t, o),
  nllLoss: ([x, t], o) => nllLoss(x, t, o),
  mseLoss: ([x, t], o) => mseLoss(x, t, o),
  l1Loss: ([x, t], o) => l1Loss(x, t, o),
  smoothL1Loss: ([x, t], o) => smoothL1Loss(x, t, o),
  huberLoss: ([x, t], o) => huberLoss(x, t, o),
  klDiv: ([x, t], o) => klDiv(x, t, o),
  cosineEmbeddingLoss: ([a, b, y], o) => cosineEmbeddingLoss(a, b, y, o),
  marginRankingLoss: ([a, b, y], o) => marginRankingLoss(a, b, y, o),
  binaryCrossEntropy: ([x, t], o) => binaryCrossEntropy(x, t, o),
  binaryCrossEntropyWithLogits: ([x, t], o) => binaryCrossEntropyWithLogits(x, t, o),
};

/** |a − e| ≤ rtol·|e| + atol·max(1, max|e|) elementwise; the atol term covers entries that are 0 up to rounding. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const atol = rtol * 1e-2 * Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) expect.fail(`${what}, element ${i}: got ${a}, PyTorch ${e}`);
  }
}

describe('values and gradients match PyTorch 1.13', () => {
  test('the fixtures cover every loss', () => {
    expect(new Set(ref.cases.map((c) => c.fn))).toEqual(new Set(Object.keys(LOSSES)));
  });
  for (const c of ref.cases) {
    test(c.name, () => {
      const rtol = c.out.dtype === 'float32' ? 1e-5 : 1e-10;
      const args = c.args.map((a, i) => load(a, c.grads[i] !== null));
      const options = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, isStored(v) ? load(v) : v]));
      const out = LOSSES[c.fn](args, options as never);
      expect(out.dtype).toBe(c.out.dtype);
      expect(out.shape).toEqual(c.out.shape);
      expectClose(out.data, c.out.values, rtol, 'value');
      const wrt = args.filter((_, i) => c.grads[i] !== null);
      if (wrt.length === 0) return;
      const gs = grad(out, wrt, { gradOutputs: tensor(c.g, { shape: c.out.shape, dtype: c.out.dtype }) });
      let k = 0;
      c.grads.forEach((expected, i) => {
        if (expected !== null) expectClose(gs[k++].data, expected, rtol, `gradient of argument ${i}`);
      });
    });
  }
});

// ---- gradchecks in float64 on random shapes -----------------------------------------------------------

const REDUCTIONS = ['mean', 'sum', 'none'] as const;
const reductions = fc.constantFrom<Reduction>(...REDUCTIONS);
const f64 = { dtype: 'float64' } as const;

function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = gradcheck(fn, inputs);
  expect(r.ok, r.message).toBe(true);
}

/** [N, C, d…] (or [C] unbatched), logits, int32 targets with some ignored (-100; never all), class weights. */
const classProblem = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }), fc.boolean())
  .chain(([n, c, extra, unbatched]) => {
    const shape = unbatched ? [c] : [n, c, ...extra];
    const targetShape = unbatched ? [] : [n, ...extra];
    const count = targetShape.reduce((a, b) => a * b, 1);
    return fc.record({
      x: arb.tensorOfShape(shape, { min: -4, max: 4 }),
      probs: arb.tensorOfShape(shape, { min: 0, max: 1 }),
      target: fc.array(fc.integer({ min: -1, max: c - 1 }), { minLength: count, maxLength: count })
        .map((ts) => tensor(ts.map((v, i) => (v < 0 && i > 0 ? -100 : Math.max(v, 0))), { shape: targetShape, dtype: 'int32' })),
      weight: arb.tensorOfShape([c], { min: 0.2, max: 2 }),
      smoothing: fc.constantFrom(0, 0.1, 0.5, 1),
      reduction: reductions,
    });
  });

describe('gradients match finite differences (float64, random shapes)', () => {
  test('crossEntropy with class indices: weight, ignored targets, label smoothing, every reduction', () => {
    fc.assert(fc.property(classProblem, fc.boolean(), ({ x, target, weight, smoothing, reduction }, weighted) => {
      expectGradcheck((z, w) => crossEntropy(z, target, { weight: weighted ? w : undefined, labelSmoothing: smoothing, reduction }), [x, weight]);
    }), { numRuns: 25 });
  });
  test('crossEntropy with class probabilities: with respect to the logits and the target', () => {
    fc.assert(fc.property(classProblem, fc.boolean(), ({ x, probs, weight, smoothing, reduction }, weighted) => {
      expectGradcheck((z, p) => crossEntropy(z, p, { weight: weighted ? weight : undefined, labelSmoothing: smoothing, reduction }), [x, probs]);
    }), { numRuns: 25 });
  });
  test('nllLoss', () => {
    fc.assert(fc.property(classProblem, ({ x, target, weight, reduction }) => {
      expectGradcheck((z) => nllLoss(z, target, { weight, reduction }), [x]);
    }), { numRuns: 20 });
  });

  const pairs = arb.shape({ minRank: 0, maxRank: 3, maxSide: 3 }).chain((s) =>
    fc.tuple(arb.tensorOfShape(s, { min: -3, max: 3 }), arb.tensorOfShape(s, { min: -3, max: 3 }), arb.tensorOfShape(s, { min: 0.05, max: 1 })));
  test('l1Loss, smoothL1Loss and huberLoss (any beta, delta)', () => {
    fc.assert(fc.property(pairs, reductions, fc.double({ min: 0.01, max: 4, noNaN: true }), ([x, t], reduction, k) => {
      // l1's kink at x = t: the target sits at least 0.05 away from each input.
      const shifted = where(t.sub(x).abs().lt(0.05), x.add(0.5), t);
      expectGradcheck((a, b) => l1Loss(a, b, { reduction }), [x, shifted]);
      expectGradcheck((a, b) => smoothL1Loss(a, b, { beta: k, reduction }), [x, t]);
      expectGradcheck((a, b) => huberLoss(a, b, { delta: k, reduction }), [x, t]);
    }), { numRuns: 20 });
  });
  test('binaryCrossEntropyWithLogits with weight and posWeight, with respect to logits and target', () => {
    fc.assert(fc.property(pairs, reductions, ([z, , t], reduction) => {
      const last = z.ndim === 0 ? [] : [z.shape[z.ndim - 1]];
      const posWeight = tensor(Array.from({ length: last[0] ?? 1 }, (_, i) => 0.5 + i), { shape: last, ...f64 });
      const weight = t.detach().add(0.5);
      expectGradcheck((a, b) => binaryCrossEntropyWithLogits(a, b, { weight, posWeight, reduction }), [z, t]);
    }), { numRuns: 20 });
  });
  test('klDiv on probabilities and on log-probabilities, every reduction', () => {
    fc.assert(fc.property(pairs, fc.constantFrom('mean', 'sum', 'none', 'batchmean' as const), ([x, , t], reduction) => {
      expectGradcheck((a, b) => klDiv(a, b, { reduction }), [x, t]);
      expectGradcheck((a, b) => klDiv(a, b, { reduction, logTarget: true }), [x, t.log()]);
    }), { numRuns: 20 });
  });
  test('cosineEmbeddingLoss and marginRankingLoss away from their hinges', () => {
    const problem = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([n, d]) => fc.tuple(
      arb.tensorOfShape([n, d], { avoid: [0], gap: 0.2 }), arb.tensorOfShape([n, d], { avoid: [0], gap: 0.2 }),
      fc.array(fc.constantFrom(1, -1), { minLength: n, maxLength: n }), fc.double({ min: -0.5, max: 0.5, noNaN: true }), reductions));
    fc.assert(fc.property(problem, ([x1, x2, ys, margin, reduction]) => {
      const y = tensor(ys, { dtype: 'int32' });
      const cos = x1.mul(x2).sum(1).div(x1.square().sum(1).mul(x2.square().sum(1)).sqrt());
      fc.pre(Array.from(cos.data).every((c) => Math.abs(c - margin) > 1e-3));
      expectGradcheck((a, b) => cosineEmbeddingLoss(a, b, y, { margin, reduction }), [x1, x2]);
      const a1 = x1.select(1, 0), a2 = x2.select(1, 0);
      fc.pre(Array.from(a1.sub(a2).mul(y).neg().add(margin).data).every((v) => Math.abs(v) > 1e-3));
      expectGradcheck((a, b, yy) => marginRankingLoss(a, b, yy, { margin, reduction }), [a1, a2, y.double()]);
    }), { numRuns: 25 });
  });
});

// ---- identities -----------------------------------------------------------------------------------------

function expectAllClose(a: Tensor, b: Tensor, digits = 10): void {
  expect(a.shape).toEqual(b.shape);
  const bs = b.data;
  a.data.forEach((v, i) => expect(v).toBeCloseTo(bs[i], digits));
}

describe('identities between the losses', () => {
  test('huberLoss(delta) = delta · smoothL1Loss(beta = delta)', () => {
    fc.assert(fc.property(arb.tensor({ min: -5, max: 5 }), arb.tensor({ min: -5, max: 5 }), fc.double({ min: 1e-3, max: 6, noNaN: true }), (x, t, delta) => {
      const target = t.numel() === x.numel() ? t.reshape(x.shape) : x.mul(0.5);
      expectAllClose(huberLoss(x, target, { delta, reduction: 'none' }), smoothL1Loss(x, target, { beta: delta, reduction: 'none' }).mul(delta));
    }));
  });
  test('smoothL1Loss with beta = 0 is l1Loss', () => {
    fc.assert(fc.property(arb.tensor(), (x) => {
      expectAllClose(smoothL1Loss(x, x.mul(0.3), { beta: 0, reduction: 'none' }), l1Loss(x, x.mul(0.3), { reduction: 'none' }));
    }));
  });
  test('crossEntropy with one-hot probabilities equals crossEntropy with the class indices (weights and smoothing too, sum and none)', () => {
    fc.assert(fc.property(classProblem, fc.boolean(), ({ x, target, weight, smoothing, reduction }, weighted) => {
      const valid = target.clamp(0);
      const classDim = x.ndim === 1 ? 0 : 1;
      const probs = oneHot(valid, x.shape[classDim]).double().movedim(-1, classDim);
      // With class weights, 'mean' divides by the targets' total weight for indices but by N for probabilities.
      const r: Reduction = weighted && reduction === 'mean' ? 'sum' : reduction;
      const o = { weight: weighted ? weight : undefined, labelSmoothing: smoothing, reduction: r };
      expectAllClose(crossEntropy(x, probs, o), crossEntropy(x, valid, o));
    }));
  });
  test('nllLoss(logSoftmax(x)) = crossEntropy(x), with weights and ignored targets', () => {
    fc.assert(fc.property(classProblem, ({ x, target, weight, reduction }) => {
      const classDim = x.ndim === 1 ? 0 : 1;
      expectAllClose(nllLoss(logSoftmax(x, classDim), target, { weight, reduction }), crossEntropy(x, target, { weight, reduction }));
    }));
  });
  test('[N, C, d] crossEntropy equals [N·d, C] crossEntropy on the moved class dim', () => {
    fc.assert(fc.property(classProblem, ({ x, target, weight, smoothing, reduction }) => {
      fc.pre(x.ndim >= 3);
      const c = x.shape[1];
      const flatX = x.movedim(1, -1).reshape([-1, c]);
      const o = { weight, labelSmoothing: smoothing, reduction };
      expectAllClose(crossEntropy(x, target, o).reshape([-1]), crossEntropy(flatX, target.reshape([-1]), o).reshape([-1]));
    }));
  });
  test('an unbatched [C] sample is a batch of one', () => {
    fc.assert(fc.property(classProblem, ({ x, target, weight, smoothing }) => {
      fc.pre(x.ndim === 1);
      const o = { weight, labelSmoothing: smoothing };
      expectAllClose(crossEntropy(x, target, o), crossEntropy(x.unsqueeze(0), target.unsqueeze(0), o));
    }));
  });
  test('posWeight = 1 changes nothing; klDiv of log t with logTarget equals klDiv of t', () => {
    fc.assert(fc.property(arb.tensor({ min: -8, max: 8 }), (z) => {
      const t = z.sigmoid();
      const ones = z.ndim === 0 ? tensor(1, f64) : tensor(new Array(z.shape[z.ndim - 1]).fill(1), f64);
      expectAllClose(binaryCrossEntropyWithLogits(z, t, { posWeight: ones, reduction: 'none' }), binaryCrossEntropyWithLogits(z, t, { reduction: 'none' }));
      const q = z.mul(0.3);
      expectAllClose(klDiv(q, t.log(), { logTarget: true, reduction: 'none' }), klDiv(q, t, { reduction: 'none' }));
    }));
  });
  test('marginRankingLoss(x1, x2, y) = marginRankingLoss(x2, x1, −y); cosineEmbeddingLoss ignores the inputs\' lengths', () => {
    fc.assert(fc.property(arb.tensor({ shape: [4, 3], avoid: [0], gap: 0.2 }), arb.tensor({ shape: [4, 3], avoid: [0], gap: 0.2 }), fc.double({ min: 0.5, max: 4, noNaN: true }), (a, b, k) => {
      const y = tensor([1, -1, -1, 1], { dtype: 'int32' });
      const [x1, x2] = [a.select(1, 0), b.select(1, 0)];
      expectAllClose(marginRankingLoss(x1, x2, y, { margin: 0.3, reduction: 'none' }), marginRankingLoss(x2, x1, y.neg(), { margin: 0.3, reduction: 'none' }));
      expectAllClose(cosineEmbeddingLoss(a, b, y, { margin: 0.1, reduction: 'none' }), cosineEmbeddingLoss(a.mul(k), b, y, { margin: 0.1, reduction: 'none' }), 9);
    }));
  });
  test('all targets ignored: the mean is 0/0 = NaN and the sum 0, as in PyTorch', () => {
    const x = tensor([[1, 2, 3], [0, 1, 0]], f64);
    const t = tensor([-100, -100], { dtype: 'int32' });
    expect(crossEntropy(x, t).item()).toBeNaN();
    expect(crossEntropy(x, t, { reduction: 'sum' }).item()).toBe(0);
    expect(nllLoss(x, t, { reduction: 'none' }).toArray()).toEqual([0, 0]);
  });
});

// ---- errors -----------------------------------------------------------------------------------------------

/** f throws an instance of `kind` whose op is `op` (not an inner op's) and whose message matches. */
function expectError(f: () => unknown, kind: new (...args: never[]) => TensorgradError, op: string, message: RegExp | string): void {
  const e = thrownBy(f);
  expect(e, e.message).toBeInstanceOf(kind);
  expect((e as TensorgradError).op).toBe(op);
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
  if (typeof message === 'string') expect(e.message).toContain(message);
  else expect(e.message).toMatch(message);
}

describe('bad targets and options are typed errors that name the loss', () => {
  const logits = tensor([[0.1, 0.2, 0.3, 0.4], [1, 0, -1, 2]], f64);
  const labels = tensor([1, 3], { dtype: 'int32' });
  const x = tensor([0.5, -1, 2], f64);
  const y = tensor([0.1, 0.2, 0.4], f64);

  test('class indices out of range, of the wrong dtype or shape; weights of the wrong length or dtype', () => {
    expectError(() => crossEntropy(zeros([3, 10], f64), tensor([1, 12, 0], { dtype: 'int32' })), IndexError, 'crossEntropy', 'target class 12 is out of range for 10 classes');
    expectError(() => nllLoss(zeros([2, 3, 2], f64), tensor([[0, 2], [3, 1]], { dtype: 'int32' })), IndexError, 'nllLoss', 'target class 3 is out of range for 3 classes');
    expectError(() => crossEntropy(logits, tensor([-1, 0], { dtype: 'int32' })), IndexError, 'crossEntropy', 'target class -1');
    expectError(() => crossEntropy(logits, tensor([-100, 0], { dtype: 'int32' }), { ignoreIndex: 0 }), IndexError, 'crossEntropy', 'target class -100');
    expectError(() => crossEntropy(zeros([3], f64), tensor(3, { dtype: 'int32' })), IndexError, 'crossEntropy', 'out of range for 3 classes');
    expectError(() => crossEntropy(logits, tensor([1, 2, 0], { dtype: 'int32' })), ShapeError, 'crossEntropy', 'must have shape [2]');
    expectError(() => nllLoss(zeros([2, 3, 4], f64), tensor([0, 1], { dtype: 'int32' })), ShapeError, 'nllLoss', 'must have shape [2,4]');
    expectError(() => crossEntropy(logits, tensor([[0.5, 0.5]], f64)), ShapeError, 'crossEntropy', "must have the input's shape [2,4]");
    expectError(() => crossEntropy(logits, tensor([1, 3], f64)), DTypeError, 'crossEntropy', 'convert it with .int()');
    expectError(() => crossEntropy(logits, tensor([true, false])), DTypeError, 'crossEntropy', 'got bool');
    expectError(() => crossEntropy(logits, zeros([2, 4], { dtype: 'float32' })), DTypeError, 'crossEntropy', "target must have the input's dtype float64");
    expectError(() => nllLoss(logits, zeros([2, 4], f64)), DTypeError, 'nllLoss', 'int32 class indices, got float64');
    expectError(() => crossEntropy(tensor(1, f64), tensor(0, { dtype: 'int32' })), ShapeError, 'crossEntropy', 'class dim');
    expectError(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), tensor([0], { dtype: 'int32' })), DTypeError, 'crossEntropy', 'input must be float32 or float64');
    expectError(() => crossEntropy(logits, labels, { weight: tensor([1, 1, 1], f64) }), ShapeError, 'crossEntropy', 'weight must hold one entry per class, shape [4], got [3]');
    expectError(() => nllLoss(logits, labels, { weight: zeros([4, 1], f64) }), ShapeError, 'nllLoss', 'weight');
    expectError(() => crossEntropy(logits, labels, { weight: zeros([4]) }), DTypeError, 'crossEntropy', 'weight must have the input\'s dtype');
    expectError(() => crossEntropy(logits, labels, { weight: [1, 1, 1, 1] as never }), ValueError, 'crossEntropy', 'weight must be a tensor');
    expectError(() => crossEntropy(logits, zeros([2, 4], f64), { ignoreIndex: 0 }), ValueError, 'crossEntropy', 'ignoreIndex');
  });

  test('element-wise and margin losses: wrong shapes, dtypes, labels', () => {
    for (const [name, f] of [['l1Loss', l1Loss], ['smoothL1Loss', smoothL1Loss], ['huberLoss', huberLoss], ['mseLoss', mseLoss], ['klDiv', klDiv],
      ['binaryCrossEntropy', binaryCrossEntropy], ['binaryCrossEntropyWithLogits', binaryCrossEntropyWithLogits]] as const) {
      expectError(() => f(x, y.reshape([3, 1])), ShapeError, name, 'input [3] and target [3,1] must have the same shape');
      expectError(() => f(x, y.float()), DTypeError, name, "target must have the input's dtype float64, got float32");
      expectError(() => f(x.int(), y.int()), DTypeError, name, 'input must be float32 or float64, got int32');
      expectError(() => f(x, 'y' as never), ValueError, name, 'target must be a tensor, got "y"');
    }
    expectError(() => binaryCrossEntropyWithLogits(zeros([2, 3], f64), zeros([2, 3], f64), { posWeight: tensor([1, 2], f64) }), ShapeError, 'binaryCrossEntropyWithLogits', 'posWeight [2] must broadcast to the input [2,3]');
    expectError(() => binaryCrossEntropyWithLogits(zeros([2, 3], f64), zeros([2, 3], f64), { weight: zeros([2], f64) }), ShapeError, 'binaryCrossEntropyWithLogits', 'weight [2]');
    expectError(() => binaryCrossEntropy(zeros([2, 3], f64), zeros([2, 3], f64), { weight: zeros([3]) }), DTypeError, 'binaryCrossEntropy', 'weight');
    const a = zeros([2, 3], f64).add(1), b = a.mul(2);
    expectError(() => cosineEmbeddingLoss(a, b, tensor([1, 0], { dtype: 'int32' })), ValueError, 'cosineEmbeddingLoss', 'labels 1 or −1, got 0');
    expectError(() => cosineEmbeddingLoss(a, b, tensor([1, -1, 1], { dtype: 'int32' })), ShapeError, 'cosineEmbeddingLoss', 'target [N]');
    expectError(() => cosineEmbeddingLoss(a, b.reshape([3, 2]), tensor([1, -1], { dtype: 'int32' })), ShapeError, 'cosineEmbeddingLoss', 'x1 [2,3] and x2 [3,2]');
    expectError(() => cosineEmbeddingLoss(a, b, tensor([true, false])), DTypeError, 'cosineEmbeddingLoss', 'got bool');
    expectError(() => marginRankingLoss(x, y, tensor([1, -1], { dtype: 'int32' })), ShapeError, 'marginRankingLoss', 'x1 [3] and target [2]');
    expectError(() => marginRankingLoss(x, y.float(), tensor([1, -1, 1], { dtype: 'int32' })), DTypeError, 'marginRankingLoss', 'x2');
  });

  test('bad option values name the option', () => {
    expectError(() => crossEntropy(logits, labels, { reduction: 'avg' as never }), ValueError, 'crossEntropy', `reduction must be 'mean', 'sum' or 'none', got "avg"`);
    expectError(() => crossEntropy(logits, labels, { reduction: 'batchmean' as never }), ValueError, 'crossEntropy', 'reduction');
    expectError(() => klDiv(x, y, { reduction: 'avg' as never }), ValueError, 'klDiv', `reduction must be 'mean', 'sum', 'none' or 'batchmean', got "avg"`);
    for (const [name, f] of [['l1Loss', l1Loss], ['nllLoss', nllLoss], ['huberLoss', huberLoss], ['binaryCrossEntropyWithLogits', binaryCrossEntropyWithLogits]] as const) {
      expectError(() => f(x, y, { reduction: 'mena' as never }), ValueError, name, 'reduction must be');
    }
    expectError(() => smoothL1Loss(x, y, { beta: -1 }), ValueError, 'smoothL1Loss', 'beta must be a finite number ≥ 0, got -1');
    expectError(() => smoothL1Loss(x, y, { beta: Number.NaN }), ValueError, 'smoothL1Loss', 'beta');
    expectError(() => huberLoss(x, y, { delta: 0 }), ValueError, 'huberLoss', 'delta must be a finite number > 0, got 0');
    expectError(() => huberLoss(x, y, { delta: -2 }), ValueError, 'huberLoss', 'delta');
    expectError(() => marginRankingLoss(x, y, y, { margin: '0.5' as never }), ValueError, 'marginRankingLoss', 'margin must be a finite number, got "0.5"');
    expectError(() => cosineEmbeddingLoss(logits, logits, labels.clamp(1), { margin: null as never }), ValueError, 'cosineEmbeddingLoss', 'margin must be a finite number, got null');
    expectError(() => crossEntropy(logits, labels, { labelSmoothing: 1.5 }), ValueError, 'crossEntropy', 'labelSmoothing must be a finite number ≥ 0 and ≤ 1, got 1.5');
    expectError(() => crossEntropy(logits, labels, { labelSmoothing: -0.1 }), ValueError, 'crossEntropy', 'labelSmoothing');
    expectError(() => nllLoss(logits, labels, { ignoreIndex: 0.5 }), ValueError, 'nllLoss', 'ignoreIndex must be an integer, got 0.5');
    expectError(() => klDiv(x, y, { logTarget: 'yes' as never }), ValueError, 'klDiv', 'logTarget must be true or false, got "yes"');
  });

  test('unknown option keys say which option was meant', () => {
    expectError(() => crossEntropy(logits, labels, { label_smoothing: 0.1 } as never), ValueError, 'crossEntropy', 'unknown option "label_smoothing"; did you mean labelSmoothing?');
    expectError(() => crossEntropy(logits, labels, { ignore_index: 1 } as never), ValueError, 'crossEntropy', 'did you mean ignoreIndex?');
    expectError(() => nllLoss(logits, labels, { labelSmoothing: 0.1 } as never), ValueError, 'nllLoss', 'unknown option "labelSmoothing"');
    expectError(() => klDiv(x, y, { log_target: true } as never), ValueError, 'klDiv', 'did you mean logTarget?');
    expectError(() => binaryCrossEntropyWithLogits(x, y, { pos_weight: y } as never), ValueError, 'binaryCrossEntropyWithLogits', 'did you mean posWeight?');
    expectError(() => smoothL1Loss(x, y, { delta: 1 } as never), ValueError, 'smoothL1Loss', 'unknown option "delta"');
    expectError(() => huberLoss(x, y, { beta: 1 } as never), ValueError, 'huberLoss', 'unknown option "beta"');
    expectError(() => marginRankingLoss(x, y, y, { margins: 1 } as never), ValueError, 'marginRankingLoss', 'did you mean margin?');
    expectError(() => cosineEmbeddingLoss(logits, logits, labels, 0.5 as never), ValueError, 'cosineEmbeddingLoss', 'expected an options object');
    expectError(() => l1Loss(x, y, { reduce: 'sum' } as never), ValueError, 'l1Loss', 'did you mean reduction?');
  });
});
