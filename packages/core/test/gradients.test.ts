// Every differentiable op: the tape's gradient equals central finite differences in float64,
// on random shapes (broadcasting included) and random values.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  add, bce, cat, div, gradcheck, gradgradcheck, linear, matmul, maximum, minimum, mul, pow, stack, sub, tensor, where, type Tensor,
} from '../src/index.js';
import * as arb from '../src/testing/index.js';

const RUNS = { numRuns: 40 };
const small = { maxRank: 3, maxSide: 3 };

function check(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = gradcheck(fn, inputs);
  expect(r.ok, r.message).toBe(true);
}

/** A tensor with at least one dim and a valid dim index into it. */
const withDim = (c: arb.ValueConstraints = {}) =>
  arb.tensor({ shape: arb.shape({ minRank: 1, ...small }), ...c }).chain((x) =>
    fc.tuple(fc.constant(x), fc.integer({ min: -x.ndim, max: x.ndim - 1 }), fc.boolean()),
  );

describe('unary ops match finite differences', () => {
  const cases: [string, (x: Tensor) => Tensor, arb.ValueConstraints][] = [
    ['neg', (x) => x.neg(), {}],
    ['exp', (x) => x.exp(), {}],
    ['log', (x) => x.log(), { min: 0.1, max: 4 }],
    ['sqrt', (x) => x.sqrt(), { min: 0.1, max: 4 }],
    ['abs', (x) => x.abs(), { avoid: [0] }],
    ['relu', (x) => x.relu(), { avoid: [0] }],
    ['sigmoid', (x) => x.sigmoid(), { min: -8, max: 8 }],
    ['tanh', (x) => x.tanh(), {}],
    ['softplus', (x) => x.softplus(), { min: -8, max: 8 }],
    ['clamp', (x) => x.clamp(-1, 0.5), { avoid: [-1, 0.5] }],
    ['clamp (min only)', (x) => x.clamp(0.2), { avoid: [0.2] }],
    ['pow (scalar exponent)', (x) => x.pow(3), {}],
    ['scalar first operand', (x) => sub(2, div(1, add(x.abs(), 1))), { avoid: [0] }],
    ['square', (x) => x.square(), {}],
    ['log1p', (x) => x.log1p(), { min: -0.8, max: 3 }],
    ['expm1', (x) => x.expm1(), {}],
    ['sin', (x) => x.sin(), { min: -6, max: 6 }],
    ['cos', (x) => x.cos(), { min: -6, max: 6 }],
    ['erf', (x) => x.erf(), {}],
    ['gelu', (x) => x.gelu(), { min: -5, max: 5 }],
    ['gelu (tanh approximation)', (x) => x.gelu({ approximate: 'tanh' }), { min: -5, max: 5 }],
    ['silu', (x) => x.silu(), { min: -8, max: 8 }],
  ];
  // Through the testing helper a user would call: random shapes, values and memory layouts.
  test.each(cases)('%s', (_, fn, c) => {
    arb.checkGradients(fn, { ...small, ...c, numRuns: RUNS.numRuns });
  });
});

describe('binary ops with broadcasting match finite differences', () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, arb.ValueConstraints][] = [
    ['add', add, {}],
    ['sub', sub, {}],
    ['mul', mul, {}],
    ['div', (a, b) => div(a, b), { avoid: [0], gap: 0.3 }],
    ['pow', (a, b) => pow(a, b), { min: 0.2, max: 2 }],
    ['maximum', maximum, {}],
    ['minimum', minimum, {}],
    ['where', (a, b) => where(a.gt(0), a, b), { avoid: [0] }],
    // Probabilities and (soft) targets inside (0, 1), where neither clamp is active.
    ['bce', bce, { min: 0.05, max: 0.95 }],
  ];
  // Pairs never within 0.01 of each other: maximum/minimum have a kink where a = b.
  const apart = ([a, b]: [Tensor, Tensor]) => a.numel() === 0 || b.numel() === 0 || sub(a, b).abs().min().item() > 0.01;
  test.each(cases)('%s', (_, fn, c) => {
    fc.assert(fc.property(arb.broadcastablePair({ ...small, ...c }).filter(apart), ([a, b]) => check(fn, [a, b])), RUNS);
  });
});

describe('reductions match finite differences', () => {
  test.each([
    ['sum', (x: Tensor, d: number, k: boolean) => x.sum(d, k)],
    ['mean', (x: Tensor, d: number, k: boolean) => x.mean(d, k)],
    ['logsumexp', (x: Tensor, d: number, k: boolean) => x.logsumexp(d, k)],
  ])('%s over a dim', (_, fn) => {
    fc.assert(fc.property(withDim(), ([x, d, k]) => check((t) => fn(t, d, k), [x])), RUNS);
  });
  test.each([
    ['max', (x: Tensor, d: number, k: boolean) => x.max(d, k)],
    ['min', (x: Tensor, d: number, k: boolean) => x.min(d, k)],
  ])('%s over a dim (distinct values)', (_, fn) => {
    fc.assert(fc.property(withDim({ distinct: true }), ([x, d, k]) => check((t) => fn(t, d, k), [x])), RUNS);
  });
  test('sum, mean, max, logsumexp over all dims and over a list of dims', () => {
    fc.assert(
      fc.property(arb.tensor({ shape: arb.shape({ minRank: 2, ...small }), distinct: true }), (x) => {
        check((t) => t.sum(), [x]);
        check((t) => t.mean([0, -1]), [x]);
        check((t) => t.max([0, 1], true), [x]);
        check((t) => t.logsumexp([0, 1]), [x]);
      }),
      RUNS,
    );
  });
  test('max splits the gradient evenly among ties', () => {
    const x = tensor([1, 3, 3, 2], { requiresGrad: true });
    x.max().backward();
    expect(x.grad?.toArray()).toEqual([0, 0.5, 0.5, 0]);
  });
});

describe('normalisations, statistics and scans over a dim match finite differences', () => {
  test('softmax and logSoftmax', () => {
    fc.assert(fc.property(withDim(), ([x, d]) => {
      check((t) => t.softmax(d).mul(t), [x]);
      check((t) => t.logSoftmax(d), [x]);
    }), RUNS);
  });
  test('var and std, unbiased and not, with and without keepdim (correction 0 where a dim has one element)', () => {
    fc.assert(fc.property(withDim(), ([x, d, k]) => {
      const correction = x.shape[(d + x.ndim) % x.ndim] > 1 ? 1 : 0;
      check((t) => t.var(d, { correction, keepdim: k }), [x]);
      check((t) => t.var(undefined, { correction: 0 }), [x]);
      // std's derivative 1/(2·std) is steep near 0: only where the spread is not tiny.
      fc.pre(x.var(d, { correction: 0 }).min().item() > 0.05);
      check((t) => t.std(d, { correction, keepdim: k }), [x]);
    }), RUNS);
  });
  test('norm: p = 2, 1 (away from 0), 3, ∞ (distinct magnitudes)', () => {
    fc.assert(fc.property(withDim({ avoid: [0], gap: 0.1 }), ([x, d, k]) => {
      check((t) => t.norm(2, d, k), [x]);
      check((t) => t.norm(), [x]);
      check((t) => t.norm(1, d, k), [x]);
      check((t) => t.norm(3, d, k), [x]);
    }), RUNS);
    fc.assert(fc.property(withDim({ distinct: true, min: 0.1, max: 3 }), ([x, d, k]) => check((t) => t.norm(Infinity, d, k), [x])), RUNS);
  });
  test('the 2-norm of zeros has gradient 0 (a subgradient), not NaN', () => {
    const x = tensor([0, 0, 0], { requiresGrad: true, dtype: 'float64' });
    x.norm().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
  });
  test('the 3-norm of zeros has gradient 0, not NaN, and so has x⁰ at x = 0', () => {
    const x = tensor([0, 0, 0], { requiresGrad: true, dtype: 'float64' });
    x.norm(3).backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    const y = tensor([0, 2, -1], { requiresGrad: true, dtype: 'float64' });
    const e = tensor([0, 0, 0], { requiresGrad: true, dtype: 'float64' });
    pow(y, e).sum().backward();
    expect(y.grad!.toArray()).toEqual([0, 0, 0]);
    // ∂/∂e of 0^e is 0 for e ≥ 0 (the limit), ln 2 at 2, NaN for a negative base (ln of a negative).
    expect((e.grad!.toArray() as number[]).slice(0, 2)).toEqual([0, Math.log(2)]);
  });
  test('cumsum and flip', () => {
    fc.assert(fc.property(withDim(), ([x, d]) => {
      check((t) => t.cumsum(d).mul(t), [x]);
      check((t) => t.flip(d).mul(t), [x]);
      check((t) => t.flip([...t.shape.keys()]).exp(), [x]);
    }), RUNS);
  });
  test('chunk, split and unbind: every piece carries its gradient back', () => {
    fc.assert(fc.property(withDim(), fc.integer({ min: 1, max: 3 }), ([x, d], n) => {
      const weigh = (pieces: Tensor[]) => pieces.map((p, i) => p.mul(i + 1).exp().sum()).reduce((a, b) => a.add(b));
      check((t) => weigh(t.chunk(n, d)), [x]);
      check((t) => weigh(t.split(n, d)), [x]);
      check((t) => weigh(t.unbind(d)), [x]);
    }), RUNS);
  });
  test('maskedFill: the filled places get no gradient', () => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, ...small }) }), (x) => {
      const mask = x.gt(0.5);
      check((t) => t.maskedFill(mask, -1).mul(t), [x]);
    }), RUNS);
  });
});

describe('matmul matches finite differences', () => {
  test('1-D, 2-D and batched operands with broadcast batch dims', () => {
    fc.assert(fc.property(arb.matmulPair({ maxSide: 4 }), ([a, b]) => check(matmul, [a, b])), RUNS);
  });
  test('transposed operands (the layouts the backward pass uses)', () => {
    fc.assert(
      fc.property(arb.matmulPair({ maxSide: 4, vectors: false }), ([a, b]) =>
        check((x, y) => matmul(y.transpose(-1, -2), x.transpose(-1, -2)), [a, b]),
      ),
      RUNS,
    );
  });
});

describe('linear (x·Wᵀ + b in one kernel call) matches finite differences', () => {
  test('x of 1 to 3 dims, with and without bias', () => {
    fc.assert(
      fc.property(
        fc.record({ lead: arb.shape({ maxRank: 2, maxSide: 3 }), inp: fc.integer({ min: 1, max: 4 }), out: fc.integer({ min: 1, max: 4 }), bias: fc.boolean() })
          .chain(({ lead, inp, out, bias }) => fc.tuple(
            arb.tensorOfShape([...lead, inp]), arb.tensorOfShape([out, inp]), bias ? arb.tensorOfShape([out]) : fc.constant(null),
          )),
        ([x, w, b]) => (b === null ? check((u, v) => linear(u, v), [x, w]) : check(linear, [x, w, b])),
      ),
      RUNS,
    );
  });
});

describe('shape ops match finite differences', () => {
  const any = arb.tensor({ shape: arb.shape({ minRank: 1, ...small }) });
  test('reshape, flatten, squeeze, unsqueeze, T, permute', () => {
    fc.assert(
      fc.property(any, (x) => {
        check((t) => t.reshape(-1).mul(t.reshape([...t.shape].reverse()).reshape(-1)), [x]);
        check((t) => t.flatten().unsqueeze(0).unsqueeze(-1).squeeze(), [x]);
        check((t) => t.T.contiguous().mul(t.T), [x]);
        check((t) => t.permute(...[...t.shape.keys()].reverse()).exp(), [x]);
      }),
      RUNS,
    );
  });
  test('expand', () => {
    fc.assert(fc.property(arb.broadcastableShapes(small).chain(([s]) => arb.tensorOfShape(s)), (x) => {
      check((t) => t.expand([2, ...t.shape.map((d) => (d === 1 ? 3 : d))]).mul(2), [x]);
    }), RUNS);
  });
  test('slice (with step), narrow', () => {
    fc.assert(
      fc.property(withDim(), fc.integer({ min: 1, max: 3 }), ([x, d], step) => {
        const size = x.shape[(d + x.ndim) % x.ndim];
        check((t) => t.slice(d, 1, undefined, step).mul(t.slice(d, 1, undefined, step)), [x]);
        check((t) => t.narrow(d, size - 1, 1).exp(), [x]);
      }),
      RUNS,
    );
  });
  test('indexSelect and gather (repeated indices accumulate)', () => {
    fc.assert(
      fc.property(withDim(), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), ([x, d], raw) => {
        const dim = (d + x.ndim) % x.ndim;
        const idx = raw.map((i) => i % x.shape[dim]);
        check((t) => t.indexSelect(d, idx).mul(t.indexSelect(d, idx)), [x]);
        const index = tensor(
          Array.from({ length: x.numel() }, (_, i) => raw[i % raw.length] % x.shape[dim]),
          { shape: x.shape, dtype: 'int32' },
        );
        check((t) => t.gather(d, index).pow(2), [x]);
      }),
      RUNS,
    );
  });
  test('cat and stack', () => {
    fc.assert(
      fc.property(withDim(), ([x, d]) => {
        check((a, b) => cat([a, b.exp(), a], d), [x, x]);
        check((a, b) => stack([a, b], d).mul(stack([b, a], d)), [x, x]);
      }),
      RUNS,
    );
  });
});

describe('second derivatives (backward with createGraph) match finite differences', () => {
  const cases: [string, (...xs: Tensor[]) => Tensor, number, arb.ValueConstraints][] = [
    ['exp·log', (x) => x.exp().mul(x.log()), 1, { min: 0.2, max: 2 }],
    ['sigmoid, tanh, softplus', (x) => x.sigmoid().mul(x.tanh()).add(x.softplus()), 1, {}],
    ['sqrt/div', (x) => x.sqrt().div(x.add(1)), 1, { min: 0.2, max: 3 }],
    ['pow with a tensor exponent', (x, y) => pow(x, y), 2, { min: 0.3, max: 2 }],
    ['logsumexp', (x) => x.logsumexp(-1), 1, {}],
    ['mean of squares', (x) => x.mul(x).mean(), 1, {}],
    ['bce of a probability against itself as target', (p, t) => bce(p, t.mul(0.5)), 2, { min: 0.1, max: 0.9 }],
    ['relu·x', (x) => x.relu().mul(x), 1, { avoid: [0] }],
  ];
  test.each(cases)('%s', (_, fn, arity, c) => {
    fc.assert(
      fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, ...small }), ...c }), (x) => {
        const r = gradgradcheck(fn, Array(arity).fill(x));
        expect(r.ok, r.message).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
  test('matmul', () => {
    fc.assert(fc.property(arb.matmulPair({ maxSide: 3 }), ([a, b]) => {
      const r = gradgradcheck((x, y) => matmul(x, y).pow(2), [a, b]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 15 });
  });
});

describe('gradcheck itself', () => {
  test('fails on a wrong gradient rule', () => {
    // |x| with a kink inside the finite-difference step: the one-sided rule disagrees with the
    // central difference, and gradcheck must say so.
    const r = gradcheck((x) => x.abs(), [tensor([1e-7], { dtype: 'float64' })]);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/FAILED/);
    expect(r.worst?.inputIndex).toEqual([0]);
  });
  test('rejects a float32 function', () => {
    expect(() => gradcheck((x) => x.float(), [tensor([1])])).toThrow(/float32/);
  });
});
