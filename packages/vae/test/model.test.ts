import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Generator, gradcheck, randn, tensor, zeros } from '@tensorgrad/core';
import { StateDictError, load } from '@tensorgrad/nn';
import { Sampler, VAE, detectLayout, loadVae, vaeFromStateDict, vaeLoss } from '../src/index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const ref = JSON.parse(readFileSync(new URL('pytorch_vae.json', fixtures), 'utf8'));

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * (1 + Math.abs(expected[i]))) expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('the three units', () => {
  test("parameter names and shapes are the write-up's PyTorch module's", () => {
    const m = new VAE();
    expect([...m.namedParameters()].map(([k, p]) => [k, p.shape])).toEqual([
      ['encoder.0.weight', [400, 784]], ['encoder.0.bias', [400]],
      ['encoder.2.weight', [40, 400]], ['encoder.2.bias', [40]],
      ['decoder.0.weight', [400, 20]], ['decoder.0.bias', [400]],
      ['decoder.2.weight', [784, 400]], ['decoder.2.bias', [784]],
    ]);
    const small = new VAE({ latent: 2, hidden: 50 });
    expect(small.encoder[2] !== undefined && small.stateDict().get('encoder.2.weight')!.shape).toEqual([4, 50]);
  });
  test('the sampler splits means from log-variances and reparameterises: z = mu + exp(½·logvar)·ε', () => {
    const s = new Sampler(2, new Generator(5));
    const h = tensor([[1, 2, Math.log(4), 0], [0, 0, 0, 0]]);
    const { mu, logvar } = s.split(h);
    expect(mu.toArray()).toEqual([[1, 2], [0, 0]]);
    expect(logvar.toArray()).toEqual([[Math.fround(Math.log(4)), 0], [0, 0]]);
    const eps = randn([2, 2], { generator: new Generator(5) }).data;
    const z = s.forward(h).data;
    expect(z[0]).toBeCloseTo(1 + 2 * eps[0], 5);
    expect(z[1]).toBeCloseTo(2 + 1 * eps[1], 5);
    expect(z[2]).toBeCloseTo(eps[2], 5);
    s.eval();
    expect(s.forward(h).toArray()).toEqual(mu.toArray());
    expect(() => s.split(zeros([2, 3]))).toThrow(/expected \[batch, 4\] \(means then log-variances\), got \[2,3\]/);
  });
  test('gradients flow through the sampler to mu and logvar (gradcheck with fixed noise)', () => {
    const h = randn([3, 4], { dtype: 'float64', generator: new Generator(1) });
    const r = gradcheck((x) => new Sampler(2, new Generator(9)).forward(x), [h]);
    expect(r.ok, r.message).toBe(true);
  });
  test('the loss: BCE summed over pixels + ½·Σ(exp(logvar) − logvar − 1 + mu²)', () => {
    const recon = tensor([[0.5, 0.25]]);
    const x = tensor([[1, 0]]);
    const mu = tensor([[1, 0]]);
    const logvar = tensor([[0, Math.log(2)]]);
    const { total, bce, kl } = vaeLoss(recon, x, mu, logvar);
    expect(bce.item()).toBeCloseTo(-Math.log(0.5) - Math.log(0.75), 5);
    expect(kl.item()).toBeCloseTo(0.5 * (1 + 2 - Math.log(2) - 2 + 1), 5);
    expect(total.item()).toBeCloseTo(bce.item() + kl.item(), 5);
    expect(vaeLoss(recon, x, zeros([1, 2]), zeros([1, 2])).kl.item()).toBe(0);
  });
});

describe('checkpoints move both ways with PyTorch', () => {
  const x = () => tensor(ref.x, { shape: [4, 784] });
  test("a checkpoint in the write-up's layout, saved from PyTorch, gives PyTorch's outputs", () => {
    const m = loadVae(new URL('writeup_vae.safetensors', fixtures).pathname).eval();
    expect(m).toBeInstanceOf(VAE);
    expect([m.latent, (m as VAE).hidden]).toEqual([ref.latent, ref.hidden]);
    const { mu, logvar } = m.encode(x());
    expectClose(mu.data, ref.mu);
    expectClose(logvar.data, ref.logvar);
    expectClose(m.forward(x()).data, ref.recon); // eval mode: z = mu
  });
  test("PyTorch examples/vae's layout (fc1, fc21, fc22, fc3, fc4) is recognised and converted", () => {
    const sd = load(new URL('examples_vae.safetensors', fixtures).pathname);
    expect(detectLayout(sd)).toBe('pytorch-examples-vae');
    const m = vaeFromStateDict(sd).eval();
    expectClose(m.forward(x()).data, ref.recon);
  });
  test('our checkpoint of those weights is what PyTorch loaded back (make_fixtures.py checks it with strict=True)', () => {
    const m = loadVae(new URL('writeup_vae.safetensors', fixtures).pathname);
    const ours = load(new URL('tensorgrad_vae.safetensors', fixtures).pathname);
    for (const [k, v] of m.stateDict()) expect(Array.from(ours.get(k)!.data)).toEqual(Array.from(v.data));
    expect([...ours.keys()].sort()).toEqual([...m.stateDict().keys()].sort());
  });
  test('a checkpoint of another shape is a clear error', () => {
    expect(() => vaeFromStateDict(new Map([['fc.weight', zeros([2, 2])]]))).toThrow(/not a VAE checkpoint/);
    expect(() => vaeFromStateDict(new Map([['encoder.0.weight', zeros([10, 783])], ['encoder.2.weight', zeros([4, 10])]]))).toThrow(StateDictError);
  });
});
