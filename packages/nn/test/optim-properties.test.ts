// Properties of the optimizers and schedules that hold for any data, checked exactly (bit for bit)
// on random parameters, gradients and options: plain SGD is θ − lr·g; splitting parameters into
// groups with the same options changes nothing; negating parameters and gradients negates the
// trajectory; the adaptive methods ignore a power-of-two scale of the gradients when ε = 0; a
// state dict saved at any step resumes exactly. Schedules stay in their range.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@tensorgrad/core';
import { OneCycleLR, ReduceLROnPlateau, SGD, StepLR, type Optimizer, type ParamGroupInput } from '../src/index.js';
import { OPTIMIZERS, type Options } from './optim-helpers.js';

const value = fc.double({ min: -2, max: 2, noNaN: true });
/** Gradients kept away from 0, so that ε = 0 never divides 0 by 0. */
const gradValue = fc.tuple(fc.double({ min: 1e-3, max: 2, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v));
const rate = fc.double({ min: 1e-4, max: 0.5, noNaN: true });
// No subnormal betas: products with them lose bits, which breaks the exact scaling property.
const beta = fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 0.999, noNaN: true }));

/** A problem: two parameters (sizes 3 and 2) and 4 steps of gradients for each. */
const problem = fc.record({
  p: fc.tuple(fc.array(value, { minLength: 3, maxLength: 3 }), fc.array(value, { minLength: 2, maxLength: 2 })),
  g: fc.array(fc.tuple(fc.array(gradValue, { minLength: 3, maxLength: 3 }), fc.array(gradValue, { minLength: 2, maxLength: 2 })), { minLength: 4, maxLength: 4 }),
});
type Problem = { p: number[][]; g: number[][][] };

/** Valid random options for each optimizer (every flag and rate exercised). */
const OPTIONS: Record<string, fc.Arbitrary<Options>> = {
  SGD: fc.record({ lr: rate, momentum: fc.constantFrom(0, 0.5, 0.9), dampening: fc.constantFrom(0, 0.3), weightDecay: fc.constantFrom(0, 0.1), nesterov: fc.boolean() })
    .map((o) => (o.nesterov ? { ...o, momentum: o.momentum || 0.9, dampening: 0 } : o)),
  Adam: fc.record({ lr: rate, betas: fc.tuple(beta, beta), eps: fc.constantFrom(1e-8, 1e-3), weightDecay: fc.constantFrom(0, 0.1), amsgrad: fc.boolean() }),
  AdamW: fc.record({ lr: rate, betas: fc.tuple(beta, beta), weightDecay: fc.constantFrom(0, 0.1), amsgrad: fc.boolean() }),
  RMSprop: fc.record({ lr: rate, alpha: beta, eps: fc.constantFrom(1e-8, 1e-3), weightDecay: fc.constantFrom(0, 0.1), momentum: fc.constantFrom(0, 0.9), centered: fc.boolean() }),
  Adagrad: fc.record({ lr: rate, lrDecay: fc.constantFrom(0, 0.1), weightDecay: fc.constantFrom(0, 0.1), initialAccumulatorValue: fc.constantFrom(0, 0.5), eps: fc.constantFrom(1e-10, 1e-3) }),
  Adadelta: fc.record({ lr: fc.constantFrom(1, 0.5), rho: beta, eps: fc.constantFrom(1e-6, 1e-3), weightDecay: fc.constantFrom(0, 0.1) }),
  Adamax: fc.record({ lr: rate, betas: fc.tuple(beta, beta), eps: fc.constantFrom(1e-8, 1e-3), weightDecay: fc.constantFrom(0, 0.1) }),
  NAdam: fc.record({ lr: rate, betas: fc.tuple(beta, beta), eps: fc.constantFrom(1e-8, 1e-3), weightDecay: fc.constantFrom(0, 0.1), momentumDecay: fc.constantFrom(0, 4e-3, 0.1) }),
  RAdam: fc.record({ lr: rate, betas: fc.tuple(beta, beta), eps: fc.constantFrom(1e-8, 1e-3), weightDecay: fc.constantFrom(0, 0.1) }),
};
/** Each optimizer in turn (so none is left to chance), with random valid options. */
const eachOptimizer = Object.keys(OPTIONS).map((name) => fc.tuple(fc.constant(name), OPTIONS[name]));
const RUNS = 12;

const makeParams = (values: number[][], scale = 1): Tensor[] => values.map((v) => tensor(v.map((x) => x * scale), { dtype: 'float64', requiresGrad: true }));

/** Runs steps [from, to) of the problem's gradients (times `scale`) and returns the parameters after each. */
function run(opt: Optimizer, ps: Tensor[], g: number[][][], scale = 1, from = 0, to = g.length): number[][][] {
  const out: number[][][] = [];
  for (let s = from; s < to; s++) {
    ps.forEach((p, i) => (p.grad = tensor(g[s][i].map((x) => x * scale), { dtype: 'float64' })));
    opt.step();
    out.push(ps.map((p) => Array.from(p.data)));
  }
  return out;
}

const make = (name: string, ps: Tensor[] | ParamGroupInput[], options: Options) => new OPTIMIZERS[name](ps, options);

describe('optimizer properties (exact, float64)', () => {
  test('SGD with momentum 0 and dampening 0 is θ ← θ − lr·g; with momentum μ it is the heavy-ball recursion b ← μb + g', () => {
    fc.assert(fc.property(problem, rate, fc.constantFrom(0, 0.5, 0.9), ({ p, g }: Problem, lr, mu) => {
      const ps = makeParams(p);
      const traj = run(new SGD(ps, { lr, momentum: mu, dampening: 0 }), ps, g);
      const theta = p.map((v) => [...v]);
      const buf: number[][] = [];
      g.forEach((step, s) => {
        step.forEach((gi, i) => {
          if (mu === 0) theta[i] = theta[i].map((t, j) => t - lr * gi[j]);
          else {
            buf[i] = s === 0 ? [...gi] : buf[i].map((b, j) => b * mu + gi[j]);
            theta[i] = theta[i].map((t, j) => t - lr * buf[i][j]);
          }
        });
        expect(traj[s]).toEqual(theta);
      });
    }));
  });

  test('every optimizer: two groups with identical options step exactly as one group', () => {
    for (const optimizer of eachOptimizer) fc.assert(fc.property(optimizer, problem, ([name, options], { p, g }: Problem) => {
      const one = makeParams(p);
      const two = makeParams(p);
      const a = run(make(name, one, options), one, g);
      const b = run(make(name, [{ params: [two[1]] }, { params: [two[0]] }], options), two, g);
      expect(b).toEqual(a);
    }), { numRuns: RUNS });
  });

  test('every optimizer: negating the parameters and gradients negates the trajectory', () => {
    for (const optimizer of eachOptimizer) fc.assert(fc.property(optimizer, problem, ([name, options], { p, g }: Problem) => {
      const pos = makeParams(p);
      const neg = makeParams(p, -1);
      const a = run(make(name, pos, options), pos, g);
      const b = run(make(name, neg, options), neg, g, -1);
      // `+ 0` makes −0 and +0 one value: a zero's sign is not part of the property.
      const plain = (t: number[][][]) => t.map((step) => step.map((v) => v.map((x) => x + 0)));
      expect(plain(b)).toEqual(plain(a.map((step) => step.map((v) => v.map((x) => -x)))));
    }), { numRuns: RUNS });
  });

  test('with ε = 0 and no weight decay, the adaptive methods ignore a power-of-two scale of the gradients', () => {
    // (Adagrad's accumulator must start at 0: a starting value does not scale with the gradients.)
    for (const name of ['Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adamax', 'NAdam']) {
      const scaleFree = OPTIONS[name].map(({ initialAccumulatorValue: _, ...o }) => ({ ...o, eps: 0, weightDecay: 0 }));
      fc.assert(fc.property(scaleFree, problem, fc.integer({ min: -20, max: 20 }), (options, { p, g }: Problem, k) => {
        const a = makeParams(p);
        const b = makeParams(p);
        expect(run(make(name, b, options), b, g, 2 ** k)).toEqual(run(make(name, a, options), a, g));
      }), { numRuns: RUNS });
    }
  });

  test('every optimizer: a step reads the gradients and never writes them (a gradient kept for logging stays as it was)', () => {
    for (const optimizer of eachOptimizer) fc.assert(fc.property(optimizer, problem, ([name, options], { p, g }: Problem) => {
      const ps = makeParams(p);
      const opt = make(name, ps, options);
      const kept: Tensor[] = [];
      for (const step of g) {
        ps.forEach((t, i) => kept.push((t.grad = tensor(step[i], { dtype: 'float64' }))));
        opt.step();
      }
      expect(kept.map((t) => Array.from(t.data))).toEqual(g.flat());
    }), { numRuns: RUNS });
  });

  test('every optimizer: a state dict taken after any step resumes bit for bit', () => {
    for (const optimizer of eachOptimizer) fc.assert(fc.property(optimizer, problem, fc.integer({ min: 0, max: 4 }), ([name, options], { p, g }: Problem, k) => {
      const whole = makeParams(p);
      const expected = run(make(name, whole, options), whole, g);
      const first = makeParams(p);
      const optA = make(name, first, options);
      run(optA, first, g, 1, 0, k);
      const second = makeParams(first.map((t) => Array.from(t.data)));
      const optB = make(name, second, { ...options, lr: 0.25 });
      optB.loadStateDict(optA.stateDict());
      expect(run(optB, second, g, 1, k)).toEqual(expected.slice(k));
    }), { numRuns: RUNS });
  });
});

describe('schedule properties', () => {
  const sgd = (lr = 0.1) => new SGD([tensor([0], { requiresGrad: true })], { lr });

  test('StepLR: lr = base·γ^⌊epoch/stepSize⌋ at every epoch', () => {
    fc.assert(fc.property(rate, fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.01, max: 2, noNaN: true }), (lr, stepSize, gamma) => {
      const opt = sgd(lr);
      const s = new StepLR(opt, { stepSize, gamma });
      for (let e = 1; e <= 50; e++) {
        s.step();
        expect(opt.lr).toBe(lr * gamma ** Math.floor(e / stepSize));
      }
    }));
  });

  test('OneCycleLR: every rate of the cycle lies between the final rate and maxLr, from maxLr/divFactor to maxLr/(divFactor·finalDivFactor)', () => {
    fc.assert(fc.property(
      rate, fc.integer({ min: 2, max: 200 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.constantFrom('cos', 'linear'), fc.boolean(),
      (maxLr, totalSteps, pctStart, annealStrategy, threePhase) => {
        fc.pre(!threePhase || pctStart < 0.5);
        const opt = sgd();
        const s = new OneCycleLR(opt, { maxLr, totalSteps, pctStart, annealStrategy: annealStrategy as 'cos' | 'linear', threePhase, divFactor: 10, finalDivFactor: 100 });
        const lrs = [opt.lr];
        for (let i = 1; i < totalSteps; i++) {
          s.step();
          lrs.push(opt.lr);
        }
        const slack = 1e-12 * maxLr;
        // The rise ends at step pctStart·totalSteps − 1, which may be step 0 or before it.
        if (pctStart * totalSteps > 1) expect(Math.abs(lrs[0] - maxLr / 10)).toBeLessThanOrEqual(slack);
        for (const lr of lrs) {
          expect(lr).toBeGreaterThanOrEqual(maxLr / 1000 - slack);
          expect(lr).toBeLessThanOrEqual(maxLr + slack);
        }
        expect(lrs[totalSteps - 1]).toBeCloseTo(maxLr / 1000, 12);
      },
    ));
  });

  test('ReduceLROnPlateau: after more than `patience` epochs without improvement the rate becomes max(lr·factor, minLr), and only then', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), fc.integer({ min: 0, max: 4 }), fc.double({ min: 0.05, max: 0.9, noNaN: true }), fc.constantFrom(0, 0.01),
      (metrics, patience, factor, minLr) => {
        const opt = sgd();
        const s = new ReduceLROnPlateau(opt, { patience, factor, minLr });
        let bad = 0;
        let best = Infinity;
        for (const m of metrics) {
          const before = opt.lr;
          s.step(m);
          const better = m < best * (1 - 1e-4);
          if (better) best = m;
          bad = better ? 0 : bad + 1;
          let expected = before;
          if (bad > patience) {
            const reduced = Math.max(before * factor, minLr);
            if (before - reduced > 1e-8) expected = reduced;
            bad = 0;
          }
          expect(opt.lr).toBe(expected);
          expect(opt.lr).toBeGreaterThanOrEqual(minLr);
        }
      },
    ));
  });
});
