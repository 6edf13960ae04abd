import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Generator, randn, tensor, zeros, type Tensor } from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import {
  Flatten, LeakyReLU, Linear, Module, Parameter, ReLU, Sequential, Sigmoid, StateDictError, init,
} from '../src/index.js';

class TinyVae extends Module {
  encoder = new Sequential(new Linear(6, 4), new ReLU(), new Linear(4, 2));
  decoder = new Sequential(new Linear(1, 4), new ReLU(), new Linear(4, 6), new Sigmoid());
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.encoder.forward(x).narrow(1, 0, 1));
  }
}

describe('Module', () => {
  test('dotted parameter names follow PyTorch (Sequential children are 0, 1, 2 …)', () => {
    const m = new TinyVae();
    expect([...m.namedParameters()].map(([k]) => k)).toEqual([
      'encoder.0.weight', 'encoder.0.bias', 'encoder.2.weight', 'encoder.2.bias',
      'decoder.0.weight', 'decoder.0.bias', 'decoder.2.weight', 'decoder.2.bias',
    ]);
    expect(m.parameters()).toHaveLength(8);
    expect(m.stateDict().get('encoder.0.weight')!.shape).toEqual([4, 6]);
  });
  test('train() / eval() reach every sub-module', () => {
    const m = new TinyVae().eval();
    expect([...m.namedModules()].every(([, s]) => !s.training)).toBe(true);
    m.train();
    expect(m.encoder[0].training).toBe(true);
  });
  test('zeroGrad clears every parameter gradient', () => {
    const m = new TinyVae();
    m.forward(randn([3, 6])).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });
  test('loadStateDict(stateDict()) round-trips any parameter values (property)', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const g = new Generator(seed);
      const a = new TinyVae();
      for (const p of a.parameters()) init.normal(p, 0, 1, { generator: g });
      const b = new TinyVae();
      b.loadStateDict(a.stateDict());
      const x = randn([2, 6], { generator: g });
      expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
      for (const [k, v] of b.stateDict()) expect(v.toArray()).toEqual(a.stateDict().get(k)!.toArray());
    }), { numRuns: 20 });
  });
  test('strict loading names missing and unexpected keys; shapes always checked', () => {
    const m = new TinyVae();
    const sd = m.stateDict();
    sd.delete('decoder.2.bias');
    sd.set('decoder.9.weight', zeros([1]));
    expect(() => m.loadStateDict(sd)).toThrow(/missing keys: decoder\.2\.bias; unexpected keys: decoder\.9\.weight/);
    expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['decoder.2.bias'], unexpectedKeys: ['decoder.9.weight'] });
    const bad = m.stateDict();
    bad.set('encoder.0.weight', zeros([6, 4]));
    expect(() => m.loadStateDict(bad)).toThrow('loadStateDict: encoder.0.weight: checkpoint has shape [6,4], the module expects [4,6]');
    expect(() => m.loadStateDict(bad)).toThrow(StateDictError);
  });
  test('a failed load changes nothing', () => {
    const m = new TinyVae();
    const before = (m.encoder[0] as Linear).weight.toArray();
    const bad = new Map(m.stateDict());
    bad.set('encoder.0.weight', zeros([4, 6]));
    bad.set('decoder.0.weight', zeros([9, 9]));
    expect(() => m.loadStateDict(bad)).toThrow(StateDictError);
    expect((m.encoder[0] as Linear).weight.toArray()).toEqual(before);
  });
  test('toString prints the tree like PyTorch', () => {
    expect(new Sequential(new Linear(2, 3), new ReLU()).toString()).toBe(
      'Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=true)\n  (1): ReLU()\n)',
    );
  });
});

describe('layers', () => {
  test('Linear stores weight [out, in]; default init is U(−1/√in, 1/√in) and seeded', () => {
    const l = new Linear(100, 50, { generator: new Generator(1) });
    expect(l.weight.shape).toEqual([50, 100]);
    expect(l.bias!.shape).toEqual([50]);
    const w = l.weight.data;
    expect(Math.max(...w)).toBeLessThanOrEqual(0.1);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-0.1);
    expect(Math.max(...w)).toBeGreaterThan(0.09); // fills the range
    expect(new Linear(100, 50, { generator: new Generator(1) }).weight.toArray()).toEqual(l.weight.toArray());
    expect(new Linear(3, 2, { bias: false }).parameters()).toHaveLength(1);
  });
  test('Linear on a batch and on a single vector', () => {
    const l = new Linear(3, 2);
    expect(l.forward(zeros([5, 3])).shape).toEqual([5, 2]);
    expect(l.forward(zeros([3])).shape).toEqual([2]);
    expect(() => l.forward(zeros([5, 4]))).toThrow('linear: x [5,4], weight [2,3], bias [2]: x has 4 features, the weight [out, in] expects 3');
  });
  test('activations and Flatten', () => {
    const x = tensor([[-2, 0.5], [3, -0.1]]);
    const f = Math.fround;
    expect(new LeakyReLU(0.1).forward(x).toArray()).toEqual([[f(-2 * f(0.1)), 0.5], [3, f(f(-0.1) * f(0.1))]]);
    expect(new Flatten().forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
  });
  test('Parameter owns a copy of its data', () => {
    const t = tensor([1, 2, 3]);
    const p = new Parameter(t.narrow(0, 1, 2));
    p.mutableData()[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(p.requiresGrad).toBe(true);
  });
});

describe('initialisers', () => {
  test('kaimingUniform and xavierUniform stay inside their bounds; fans follow PyTorch', () => {
    fc.assert(fc.property(arb.shape({ minRank: 2, maxRank: 4, maxSide: 6 }), fc.integer(), (s, seed) => {
      const t = zeros(s);
      const { fanIn, fanOut } = init.fans(t);
      expect(fanIn).toBe(s.slice(1).reduce((a, b) => a * b, 1));
      expect(fanOut).toBe(s[0] * s.slice(2).reduce((a, b) => a * b, 1));
      init.kaimingUniform(t, { generator: new Generator(seed) });
      const kb = Math.sqrt(2) * Math.sqrt(3 / fanIn);
      expect(t.abs().max().item()).toBeLessThanOrEqual(kb + 1e-6);
      init.xavierUniform(t, { generator: new Generator(seed) });
      expect(t.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / (fanIn + fanOut)) + 1e-6);
    }));
  });
});

describe('forward may take and return anything (Module is generic)', () => {
  /** PyTorch's examples/vae shape: forward returns (recon, mu, logvar). */
  class TupleVae extends Module<[Tensor], [Tensor, Tensor, Tensor]> {
    enc = new Linear(6, 4);
    dec = new Linear(2, 6);
    forward(x: Tensor): [Tensor, Tensor, Tensor] {
      const [mu, logvar] = [this.enc.forward(x).narrow(1, 0, 2), this.enc.forward(x).narrow(1, 2, 2)];
      return [this.dec.forward(mu).sigmoid(), mu, logvar];
    }
  }
  test('a tuple-returning model trains and lists its parameters like any other', () => {
    const m = new TupleVae();
    const [recon, mu, logvar] = m.forward(randn([3, 6]));
    expect([recon.shape, mu.shape, logvar.shape]).toEqual([[3, 6], [3, 2], [3, 2]]);
    recon.sum().add(logvar.sum()).backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    expect([...m.stateDict().keys()]).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    // A container of it: children of any signature are walked alike.
    const outer = new (class extends Module<[Tensor], Tensor> {
      inner = new TupleVae();
      forward(x: Tensor): Tensor {
        return this.inner.forward(x)[0];
      }
    })();
    expect([...outer.namedChildren()].map(([k]) => k)).toEqual(['inner']);
    expect(outer.parameters()).toHaveLength(4);
  });
  test('console.log(model) prints the module tree', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(new Sequential(new Linear(2, 3), new ReLU()))).toBe('Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=true)\n  (1): ReLU()\n)');
  });
});
