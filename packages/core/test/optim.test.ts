// The fused optimizer step (adamStep_) on whichever backend the project selects: the update of
// the formula, computed by hand in doubles; AdamW and AMSGrad; and the errors for bad input.
import { describe, expect, test } from 'vitest';
import { DTypeError, ShapeError, adamStep_, tensor, zeros, type AdamHyper } from '../src/index.js';

const h: AdamHyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };

/** The Adam step of one element in doubles: [θ, m, v]. */
function byHand(theta: number, g: number, m: number, v: number, o: AdamHyper): [number, number, number] {
  if (o.decoupled) theta *= 1 - o.lr * o.weightDecay;
  else g += o.weightDecay * theta;
  m = o.beta1 * m + (1 - o.beta1) * g;
  v = o.beta2 * v + (1 - o.beta2) * g * g;
  const step = o.lr / (1 - o.beta1 ** o.step);
  return [theta - (step * m) / (Math.sqrt(v) / Math.sqrt(1 - o.beta2 ** o.step) + o.eps), m, v];
}

describe('adamStep_', () => {
  test.each([
    ['Adam', h],
    ['Adam with L2 weight decay, step 3', { ...h, weightDecay: 0.1, step: 3 }],
    ['AdamW', { ...h, weightDecay: 0.1, decoupled: true, step: 2 }],
  ] as const)('%s updates the parameter and both moments in place as the formula says', (_, o) => {
    const p0 = [1, -2, 0.5, 3, 0, -0.25, 7];
    const g0 = [0.5, 0.25, -1, 2, 0, 4, -0.125];
    const m0 = [0.1, 0, -0.2, 0.3, 0, 0.05, 1];
    const v0 = [0.01, 0, 0.04, 0.09, 0, 0.5, 2];
    const [p, g, m, v] = [p0, g0, m0, v0].map((a) => tensor(a));
    adamStep_(p, g, m, v, null, o);
    p0.forEach((_, i) => {
      const [t, mi, vi] = byHand(p0[i], g0[i], m0[i], v0[i], o);
      // float32 storage (and a float32 kernel on the wasm backend): a few ulps
      expect(p.data[i]).toBeCloseTo(t, 5);
      expect(m.data[i]).toBeCloseTo(mi, 6);
      expect(v.data[i]).toBeCloseTo(vi, 6);
    });
    expect(g.toArray()).toEqual(g0); // read only
  });
  test('AMSGrad keeps the running maximum of v and steps with it', () => {
    const p = tensor([1, 1]), g = tensor([0.001, 0.001]), m = zeros([2]), v = tensor([0.5, 0]), vmax = tensor([1, 0]);
    adamStep_(p, g, m, v, vmax, h);
    expect(vmax.data[0]).toBeCloseTo(1, 6); // max(1, 0.999·0.5 + …)
    expect(vmax.data[1]).toBeCloseTo(1e-9, 12);
    expect(v.data[0]).toBeCloseTo(0.4995, 6);
  });
  test('mismatched sizes, strided tensors and mixed dtypes are typed errors naming the op', () => {
    const p = zeros([2, 3]);
    expect(() => adamStep_(p, zeros([3]), zeros([2, 3]), zeros([2, 3]), null, h)).toThrow(ShapeError);
    expect(() => adamStep_(p, zeros([3]), zeros([2, 3]), zeros([2, 3]), null, h)).toThrow(/adamStep_: parameter \[2,3\] and a state or gradient tensor \[3\] differ in size/);
    expect(() => adamStep_(p, zeros([3, 2]).T, zeros([2, 3]), zeros([2, 3]), null, h)).toThrow(/adamStep_: every tensor must be contiguous/);
    expect(() => adamStep_(p, zeros([2, 3], { dtype: 'float64' }), zeros([2, 3]), zeros([2, 3]), null, h)).toThrow(DTypeError);
  });
});
