// The tape's semantics, as a PyTorch user expects them.
import { describe, expect, test } from 'vitest';
import {
  AutogradError, ShapeError, enableGrad, grad, isGradEnabled, noGrad, ones, randn, tensor, zeros, Generator,
} from '../src/index.js';

describe('backward', () => {
  test('a tiny MLP: gradients of every parameter match the hand-derived chain rule', () => {
    const g = new Generator(3);
    const x = randn([4, 3], { generator: g });
    const w = randn([2, 3], { generator: g, requiresGrad: true });
    const b = randn([2], { generator: g, requiresGrad: true });
    const h = x.matmul(w.T).add(b); // [4, 2]
    const loss = h.tanh().sum();
    loss.backward();
    // ∂loss/∂h = 1 − tanh²(h);  ∂loss/∂W = (∂loss/∂h)ᵀ·x;  ∂loss/∂b = Σ_rows ∂loss/∂h
    const dh = h.detach().tanh().pow(2).neg().add(1);
    expect(w.grad!.data).toEqual(dh.T.matmul(x).data);
    expect(b.grad!.data).toEqual(dh.sum(0).data);
  });

  test('.grad accumulates over backward calls until zeroGrad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 7, 9]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 1]);
  });

  test('a tensor used twice gets both contributions (fan-out)', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x).add(x.exp()).add(x);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(2 * 3 + Math.exp(3) + 1, 4);
  });

  test('non-scalar backward needs a gradient of the output shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward(ones([3]))).toThrow(/gradient of shape \[3\] does not match output of shape \[2\]/);
    y.backward(tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([2, 20]);
  });
});

describe('freeing and retaining the graph', () => {
  test('second backward through a freed graph is a clear error', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time.*retainGraph/);
  });
  test('retainGraph allows a second pass', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });
});

describe('detach, noGrad, requiresGrad', () => {
  test('detach stops gradient flow and shares data', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.storage).toBe(x.storage);
    x.mul(d).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 2]); // d treated as a constant
  });
  test('noGrad records nothing; enableGrad turns it back on', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(enableGrad(() => x.mul(2)).requiresGrad).toBe(true);
    });
    expect(isGradEnabled()).toBe(true);
  });
  test('noGrad restores the mode even when fn throws', () => {
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });
  test('requiresGrad can only be turned off on leaves', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.mul(2);
    expect(y.isLeaf).toBe(false);
    expect(() => (y.requiresGrad = false)).toThrow(AutogradError);
    expect(() => zeros([1]).backward()).toThrow(/does not require grad/);
  });
  test('retainGrad keeps the gradient of an intermediate', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    h.pow(2).sum().backward();
    expect(h.grad!.toArray()).toEqual([6, 12]);
  });
});

describe('grad()', () => {
  test('returns gradients without touching .grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [gx] = grad(x.pow(3).sum(), x);
    expect(gx.toArray()).toEqual([3, 12]);
    expect(x.grad).toBeNull();
  });
  test('second derivative through createGraph: d²/dx² x³ = 6x', () => {
    const x = tensor([1, 2, -3], { dtype: 'float64', requiresGrad: true });
    const [dx] = grad(x.pow(3).sum(), x, { createGraph: true });
    expect(dx.requiresGrad).toBe(true);
    const [ddx] = grad(dx.sum(), x);
    expect(ddx.toArray()).toEqual([6, 12, -18]);
  });
  test('third derivative: d³/dx³ e^(x²) at 0.5', () => {
    const x = tensor(0.5, { dtype: 'float64', requiresGrad: true });
    const f = x.mul(x).exp();
    const [d1] = grad(f, x, { createGraph: true });
    const [d2] = grad(d1, x, { createGraph: true });
    const [d3] = grad(d2, x);
    // f''' = (12x + 8x³)·e^{x²}
    expect(d3.item()).toBeCloseTo((12 * 0.5 + 8 * 0.125) * Math.exp(0.25), 10);
  });
  test('unused inputs: an error, or zeros with allowUnused', () => {
    const x = tensor([1], { requiresGrad: true });
    const z = tensor([5], { requiresGrad: true });
    expect(() => grad(x.mul(2).sum(), [x, z])).toThrow(/input 1.*not used/);
    const [, gz] = grad(x.mul(2).sum(), [x, z], { allowUnused: true });
    expect(gz.toArray()).toEqual([0]);
  });
  test('gradOutputs for a non-scalar output', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [gx] = grad(x.mul(x), x, { gradOutputs: tensor([1, -1]) });
    expect(gx.toArray()).toEqual([2, -4]);
    expect(() => grad(x.mul(x), x, { gradOutputs: ones([2, 2]) })).toThrow(ShapeError);
  });
});

test('a deep chain (10 000 ops) backpropagates without overflowing the stack', () => {
  const x = tensor(1, { dtype: 'float64', requiresGrad: true });
  let y = x;
  for (let i = 0; i < 10_000; i++) y = y.mul(1.0001);
  y.backward();
  expect(x.grad!.item()).toBeCloseTo(1.0001 ** 10_000, 6);
});
