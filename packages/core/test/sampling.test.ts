// Random sampling: the same numbers for a seed (and on every machine: xoshiro128** in integer
// arithmetic), the right distributions (checked on many draws from fixed seeds, so never flaky),
// and typed errors for bad parameters.
import { describe, expect, test } from 'vitest';
import * as tg from '../src/index.js';
import { Generator, tensor } from '../src/index.js';

const gen = (seed: number) => new Generator(seed);

describe('multinomial', () => {
  test('with replacement: frequencies follow the weights (unnormalised), zero weights never drawn', () => {
    const w = tensor([1, 0, 3, 6]);
    const draws = Array.from(tg.multinomial(w, 20000, { replacement: true, generator: gen(1) }).data);
    const freq = [0, 1, 2, 3].map((c) => draws.filter((d) => d === c).length / draws.length);
    expect(freq[1]).toBe(0);
    [0.1, 0, 0.3, 0.6].forEach((p, c) => expect(Math.abs(freq[c] - p)).toBeLessThan(0.015));
  });
  test('without replacement: distinct categories per row, every positive one when asked for all', () => {
    const probs = tensor([[0.1, 0.2, 0, 0.7], [5, 1, 1, 1]]);
    for (let seed = 0; seed < 50; seed++) {
      const rows = tg.multinomial(probs, 3, { generator: gen(seed) }).toArray() as number[][];
      expect(new Set(rows[0]).size).toBe(3);
      expect(rows[0]).not.toContain(2);
      expect(new Set(rows[1]).size).toBe(3);
    }
    // The heaviest category comes first most often.
    const firsts = Array.from({ length: 400 }, (_, s) => tg.multinomial(probs, 1, { generator: gen(s) }).data[1]);
    expect(firsts.filter((c) => c === 0).length / 400).toBeGreaterThan(0.5);
  });
  test('the same seed gives the same draws; the global generator follows manualSeed', () => {
    const p = tensor([0.2, 0.3, 0.5]);
    expect(Array.from(tg.multinomial(p, 8, { replacement: true, generator: gen(7) }).data)).toEqual(Array.from(tg.multinomial(p, 8, { replacement: true, generator: gen(7) }).data));
    tg.manualSeed(3);
    const a = Array.from(tg.multinomial(p, 8, { replacement: true }).data);
    tg.manualSeed(3);
    expect(Array.from(tg.multinomial(p, 8, { replacement: true }).data)).toEqual(a);
    // Pinned: the sampler's draws for seed 7 (a change here changes every seeded program's samples).
    expect(Array.from(tg.multinomial(p, 8, { replacement: true, generator: gen(7) }).data)).toEqual([1, 1, 2, 2, 2, 2, 1, 1]);
  });
  test('bad weights and counts are typed errors naming multinomial', () => {
    expect(() => tg.multinomial(tensor([0.5, -0.1]), 1)).toThrow('multinomial: weights must be finite and ≥ 0, got -0.10000000149011612 in row 0, category 1');
    expect(() => tg.multinomial(tensor([0, 0]), 1)).toThrow('multinomial: row 0 has no positive weight');
    expect(() => tg.multinomial(tensor([1, 0, 1]), 3)).toThrow('multinomial: row 0 has 2 categories of positive weight, fewer than the 3 samples to draw without replacement');
    expect(() => tg.multinomial(tensor([1, 1]), 3)).toThrow('multinomial: cannot draw 3 samples without replacement from 2 categories');
    expect(() => tg.multinomial(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(tg.DTypeError);
    expect(() => tg.multinomial(tensor([1, 2]), 1, { replace: true } as never)).toThrow(/did you mean replacement/);
  });
});

describe('bernoulli, normal, randperm, uniform_ and normal_', () => {
  test('bernoulli: 0 and 1 exactly at the ends, the rate in between', () => {
    const p = tg.full([10000], 0.3);
    const mean = tg.bernoulli(p, { generator: gen(2) }).mean().item();
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.015);
    expect(Array.from(tg.bernoulli(tensor([0, 1, 0, 1]), { generator: gen(5) }).data)).toEqual([0, 1, 0, 1]);
    expect(() => tg.bernoulli(tensor([0.5, 1.5]))).toThrow('bernoulli: probabilities must be in [0, 1], got 1.5 at flat index 1');
  });
  test('normal: tensor mean and std broadcast; numbers take { size }; moments match', () => {
    const z = tg.normal(tensor([[10], [-10]]), tensor([0.5, 2, 0]), { generator: gen(3) });
    expect(z.shape).toEqual([2, 3]);
    expect((z.toArray() as number[][])[0][2]).toBe(10);
    const many = tg.normal(1, 2, { size: [20000], generator: gen(4), dtype: 'float64' });
    expect(Math.abs(many.mean().item() - 1)).toBeLessThan(0.05);
    expect(Math.abs(many.std().item() - 2)).toBeLessThan(0.05);
    expect(() => tg.normal(0, 1)).toThrow('normal: with a number mean and std, pass { size }');
    expect(() => tg.normal(tensor([0]), tensor([-1]))).toThrow('normal: std must be ≥ 0, got -1');
  });
  test('randperm: a permutation, reproducible per seed, and every order reachable', () => {
    const p = Array.from(tg.randperm(50, { generator: gen(9) }).data);
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(Array.from(tg.randperm(50, { generator: gen(9) }).data)).toEqual(p);
    expect(tg.randperm(5).dtype).toBe('int32');
    const orders = new Set(Array.from({ length: 300 }, (_, s) => Array.from(tg.randperm(3, { generator: gen(s) }).data).join('')));
    expect(orders.size).toBe(6);
    expect(() => tg.randperm(-1)).toThrow('randperm: n must be a non-negative integer, got -1');
  });
  test('uniform_ and normal_ write in place (same buffer, new version) and respect bounds', () => {
    const t = tg.zeros([1000], { dtype: 'float64' });
    const before = t.buffer.version;
    t.uniform_(-2, 3, { generator: gen(11) });
    const v = Array.from(t.data);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(3);
    expect(t.buffer.version).toBeGreaterThan(before);
    t.normal_(5, 0.1, { generator: gen(12) });
    expect(Math.abs(t.mean().item() - 5)).toBeLessThan(0.02);
    const leaf = tg.zeros([2], { requiresGrad: true });
    expect(() => leaf.uniform_()).toThrow(/uniform_/);
  });
});
