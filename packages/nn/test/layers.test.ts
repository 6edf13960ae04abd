// The layers PyTorch users expect: LayerNorm and Embedding against PyTorch's numbers
// (fixtures/pytorch.json), Dropout's training/eval behaviour and its statistics, gradchecks,
// Identity and ModuleList.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Generator, ValueError, gradcheck, randn, tensor, type Tensor } from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import { Dropout, Embedding, Identity, LayerNorm, Linear, Module, ModuleList, Parameter, ReLU, Sequential } from '../src/index.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/pytorch.json', import.meta.url), 'utf8'));

function expectClose(actual: Tensor, expected: number[], rtol = 1e-5, atol = 1e-6): void {
  const a = Array.from(actual.data);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    if (!(Math.abs(v - expected[i]) <= atol + rtol * Math.abs(expected[i]))) expect.fail(`element ${i}: got ${v}, PyTorch ${expected[i]}`);
  });
}

describe('LayerNorm', () => {
  test('output and gradients match PyTorch (normalizedShape [3, 4], affine)', () => {
    const r = ref.layer_norm;
    const ln = new LayerNorm([3, 4]);
    ln.weight!.mutableData().set(r.weight);
    ln.bias!.mutableData().set(r.bias);
    const x = tensor(r.x, { shape: [2, 3, 4], requiresGrad: true });
    const y = ln.forward(x);
    expectClose(y, r.y);
    y.backward(tensor(r.grad_output, { shape: [2, 3, 4] }));
    expectClose(ln.weight!.grad!, r.grad_weight);
    expectClose(ln.bias!.grad!, r.grad_bias);
    expectClose(x.grad!, r.grad_x, 1e-4, 1e-5);
    expect([...ln.stateDict().keys()]).toEqual(['weight', 'bias']);
  });
  test('gradcheck on random shapes (float64), affine or not', () => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 3, minSide: 2, maxSide: 4 }), dtype: 'float64' }), fc.boolean(), (x, affine) => {
      const n = x.shape[x.ndim - 1];
      const ln = new LayerNorm(n, { elementwiseAffine: affine });
      // float64 parameters, so that the check runs in float64 throughout.
      if (affine) [ln.weight, ln.bias] = [new Parameter(randn([n]).double()), new Parameter(randn([n]).double())];
      const r = gradcheck((t) => ln.forward(t).mul(t), [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 30 });
  });
  test('a shape that does not end in normalizedShape is a ShapeError; bad options are ValueErrors', () => {
    expect(() => new LayerNorm(4).forward(randn([2, 3]))).toThrow('LayerNorm: input [2,3] does not end in the normalized shape [4]');
    expect(() => new LayerNorm(4, { epsilon: 1 } as never)).toThrow(/did you mean eps\?/);
    expect(() => new LayerNorm(0)).toThrow(ValueError);
  });
});

describe('Embedding', () => {
  test('lookup and gradients match PyTorch, padding_idx included (its row gets no gradient)', () => {
    const r = ref.embedding;
    const emb = new Embedding(5, 3, { paddingIdx: 1 });
    emb.weight.mutableData().set(r.weight);
    const y = emb.forward(tensor(r.indices, { shape: [2, 3], dtype: 'int32' }));
    expect(y.shape).toEqual([2, 3, 3]);
    expectClose(y, r.y);
    y.backward(tensor(r.grad_output, { shape: [2, 3, 3] }));
    expectClose(emb.weight.grad!, r.grad_weight);
  });
  test('gradcheck (float64 weights): rows looked up several times accumulate', () => {
    // A looked-up padding row reads its value but gets no gradient on purpose (PyTorch's rule,
    // checked against PyTorch above), so finite differences only apply where it is not looked up.
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }), fc.option(fc.integer({ min: 0, max: 3 })), (idx, pad) => {
      fc.pre(pad === null || !idx.includes(pad));
      const emb = new Embedding(4, 3, pad === null ? {} : { paddingIdx: pad });
      const w = randn([4, 3]).double();
      const r = gradcheck((t) => {
        emb.weight = t as Parameter;
        return emb.forward(tensor(idx, { dtype: 'int32' })).square();
      }, [w]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 30 });
  });
  test('the padding row starts at zero; out-of-range indices are IndexErrors, float indices a DTypeError', () => {
    const emb = new Embedding(4, 2, { paddingIdx: -1, generator: new Generator(0) });
    expect(Array.from(emb.weight.data.slice(6))).toEqual([0, 0]);
    expect(() => emb.forward(tensor([4], { dtype: 'int32' }))).toThrow(/index 4 is out of range for dim 0 of size 4/);
    expect(() => emb.forward(tensor([0.5]))).toThrow('Embedding: indices must be an int32 tensor, got float32; convert them with .int()');
  });
});

describe('Dropout', () => {
  test('eval mode is the identity; p = 0 too; p = 1 zeroes everything', () => {
    const x = randn([50]);
    expect(new Dropout(0.3).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
    expect(new Dropout(1).forward(x).data.every((v) => v === 0)).toBe(true);
  });
  test('training: every element is 0 or x/(1 − p), about p of them 0, and the gradient uses the same mask', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer(), (p, seed) => {
      const n = 4000;
      const x = randn([n]).add(5).requiresGrad_();
      const y = new Dropout(p, { generator: new Generator(seed) }).forward(x);
      y.sum().backward();
      let zeros = 0;
      for (let i = 0; i < n; i++) {
        const kept = y.data[i] !== 0;
        if (!kept) zeros++;
        expect(y.data[i]).toBeCloseTo(kept ? x.data[i] / (1 - p) : 0, 4);
        expect(x.grad!.data[i]).toBeCloseTo(kept ? 1 / (1 - p) : 0, 4);
      }
      // Binomial(n, p): 5 standard deviations.
      expect(Math.abs(zeros - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }), { numRuns: 20 });
  });
  test('gradcheck with a fixed mask (the same generator state for every evaluation)', () => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 3 }), dtype: 'float64' }), fc.integer(), (x, seed) => {
      const r = gradcheck((t) => new Dropout(0.4, { generator: new Generator(seed) }).forward(t).mul(t), [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 30 });
  });
  test('a p outside [0, 1] is a ValueError', () => {
    expect(() => new Dropout(1.5)).toThrow('Dropout: p must be a probability in [0, 1], got 1.5');
  });
});

describe('Identity and ModuleList', () => {
  test('Identity returns its input', () => {
    const x = randn([2]);
    expect(new Identity().forward(x)).toBe(x);
  });
  test('ModuleList registers its modules as 0, 1, … (PyTorch\'s names), indexes, iterates and appends', () => {
    class Net extends Module<[Tensor], Tensor> {
      layers = new ModuleList<Linear>([new Linear(3, 4), new Linear(4, 2)]);
      act = new ReLU();
      forward(x: Tensor): Tensor {
        let y = x;
        for (const l of this.layers) y = this.act.forward(l.forward(y));
        return y;
      }
    }
    const net = new Net();
    expect([...net.stateDict().keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    expect(net.layers.length).toBe(2);
    expect(net.layers[1].outFeatures).toBe(2);
    expect(net.forward(randn([5, 3])).shape).toEqual([5, 2]);
    net.layers.append(new Linear(2, 2));
    expect(net.parameters()).toHaveLength(6);
    expect(() => net.layers.forward()).toThrow(/a ModuleList has no forward/);
    expect(() => net.layers.append(5 as never)).toThrow(ValueError);
    expect(String(new Sequential(new Identity(), new Dropout(0.2)))).toBe('Sequential(\n  (0): Identity()\n  (1): Dropout(p=0.2)\n)');
  });
});

describe('activation modules are their core functions', () => {
  test('each module of torch.nn\'s name computes the function of the same name', async () => {
    const nn = await import('../src/index.js');
    const core = await import('@tensorgrad/core');
    const x = core.randn([3, 4], { generator: new Generator(4) });
    const pairs: [Module, Tensor][] = [
      [new nn.ELU(0.5), core.elu(x, 0.5)], [new nn.SELU(), core.selu(x)], [new nn.CELU(1.3), core.celu(x, 1.3)],
      [new nn.Hardtanh(-0.5, 0.5), core.hardtanh(x, -0.5, 0.5)], [new nn.ReLU6(), core.relu6(x)], [new nn.Hardsigmoid(), core.hardsigmoid(x)],
      [new nn.Hardswish(), core.hardswish(x)], [new nn.Mish(), core.mish(x)], [new nn.LogSigmoid(), core.logsigmoid(x)],
      [new nn.GELU({ approximate: 'tanh' }), core.gelu(x, { approximate: 'tanh' })], [new nn.SiLU(), core.silu(x)],
      [new nn.Softmax(1), core.softmax(x, 1)], [new nn.LogSoftmax(0), core.logSoftmax(x, 0)], [new nn.Softmin(1), core.softmin(x, 1)],
      [new nn.GLU(1), core.glu(x, 1)], [new nn.Softplus({ beta: 2 }), core.softplus(x, { beta: 2 })], [new nn.LeakyReLU(0.2), core.leakyRelu(x, 0.2)],
    ];
    for (const [m, expected] of pairs) expect(Array.from(m.forward(x).data), m.constructor.name).toEqual(Array.from(expected.data));
  });
});
