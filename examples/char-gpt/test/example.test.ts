import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Generator, manualSeed, randn, scaledDotProductAttention, softmax, tensor, type Tensor } from '@tensorgrad/core';
import { expect, test } from 'vitest';
import { CharTokenizer, bigramLoss, ngramLoss } from '../src/data.js';
import { GPT, manualCausalAttention } from '../src/model.js';
import { nextTokenProbs, sampleNext } from '../src/sample.js';

function maxDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item();
}

test('the hand-written causal attention agrees with scaledDotProductAttention, values and gradients', () => {
  manualSeed(0);
  const [q, k, v] = [0, 1, 2].map(() => randn([2, 3, 7, 4]).requiresGrad_()); // [B, heads, T, d_head]
  const probe = randn([2, 3, 7, 4]); // a random cotangent, so every output element's gradient counts
  const grads = (attend: (q: Tensor, k: Tensor, v: Tensor) => Tensor): Tensor[] => {
    for (const t of [q, k, v]) t.grad = null;
    const out = attend(q, k, v);
    out.mul(probe).sum().backward();
    return [out.detach(), q.grad!, k.grad!, v.grad!];
  };
  const fused = grads((a, b, c) => scaledDotProductAttention(a, b, c, { isCausal: true }));
  const manual = grads(manualCausalAttention);
  fused.forEach((t, i) => expect(maxDiff(t, manual[i]), ['out', 'dq', 'dk', 'dv'][i]).toBeLessThan(1e-5));
  // Causality: the first query sees only the first key, so its output is exactly v's first row.
  expect(maxDiff(manual[0].narrow(2, 0, 1), v.detach().narrow(2, 0, 1))).toBeLessThan(1e-6);
});

test('the whole model gives the same logits with either attention, and no position sees the future', () => {
  manualSeed(1);
  const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, attention: 'sdpa' });
  const idx = tensor(Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]), { shape: [2, 8] });
  const a = model.forward(idx);
  expect(a.shape).toEqual([2, 8, 11]);
  model.setAttention('manual');
  expect(maxDiff(a, model.forward(idx))).toBeLessThan(1e-5);
  // Change the last token of each sequence: positions 0…6 must not notice.
  const changed = tensor(Int32Array.from([3, 1, 4, 1, 5, 9, 2, 0, 5, 3, 5, 8, 9, 7, 9, 0]), { shape: [2, 8] });
  const b = model.forward(changed);
  expect(maxDiff(a.narrow(1, 0, 7), b.narrow(1, 0, 7))).toBeLessThan(1e-6);
  expect(maxDiff(a.narrow(1, 7, 1), b.narrow(1, 7, 1))).toBeGreaterThan(1e-4);
  // Weight tying: the output projection is the token embedding, not a parameter of its own.
  expect(model.namedParameters().next().value?.[0]).toBe('wte.weight');
  expect([...model.namedParameters()].map(([n]) => n).filter((n) => n.includes('head'))).toEqual([]);
});

test('AdamW groups: only the 2-D matmul weights and the tied embedding decay', () => {
  const model = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8, dropout: 0, attention: 'sdpa' });
  const [decay, noDecay] = model.paramGroups(0.1);
  const names = new Map([...model.namedParameters()].map(([n, p]) => [p, n]));
  expect(decay.params.map((p) => names.get(p)).sort()).toEqual(['blocks.0.attn.proj.weight', 'blocks.0.attn.qkv.weight', 'blocks.0.mlp.0.weight', 'blocks.0.mlp.2.weight', 'wte.weight']);
  expect(noDecay.weightDecay).toBe(0);
  expect(noDecay.params.map((p) => names.get(p))).toContain('wpe.weight');
  expect(noDecay.params.every((p) => p.ndim === 1 || names.get(p) === 'wpe.weight')).toBe(true);
});

test('sampling never draws a token outside the top k, and draws each of the top k', () => {
  const logits = tensor([[0.3, 2.0, -1.0, 1.5, 0.9, -0.2, 1.7, 0.0]]); // top 3: indices 1, 6, 3
  const probs = nextTokenProbs(logits, { topK: 3 });
  const z = [2.0, 1.7, 1.5], norm = z.reduce((s, x) => s + Math.exp(x), 0);
  const expected = [0, Math.exp(2.0) / norm, 0, Math.exp(1.5) / norm, 0, 0, Math.exp(1.7) / norm, 0];
  expect(maxDiff(probs, tensor([expected]))).toBeLessThan(1e-6);
  const generator = new Generator(7), seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(sampleNext(logits, { topK: 3, generator }).item());
  expect([...seen].sort()).toEqual([1, 3, 6]);
  // topK 1 is greedy, whatever the temperature.
  for (let i = 0; i < 20; i++) expect(sampleNext(logits, { topK: 1, temperature: 5, generator }).item()).toBe(1);
});

test('temperature: p ∝ exp(z / τ); the draws follow it; τ → 0 sharpens to the argmax, large τ flattens to uniform', () => {
  const z = [1.0, 0.0, -1.0, 0.5];
  const logits = tensor([z]);
  for (const temperature of [0.5, 1, 2]) {
    const p = nextTokenProbs(logits, { temperature });
    expect(maxDiff(p, softmax(tensor([z.map((v) => v / temperature)]), -1))).toBeLessThan(1e-6);
    // 4000 draws in one call (the logits repeated as rows): each frequency within 5 standard errors.
    const n = 4000, generator = new Generator(3);
    const draws = sampleNext(logits.expand(n, 4).contiguous(), { temperature, generator }).reshape(-1).toArray() as number[];
    const freq = [0, 1, 2, 3].map((c) => draws.filter((d) => d === c).length / n);
    (p.reshape(-1).toArray() as number[]).forEach((pc, c) => expect(Math.abs(freq[c] - pc)).toBeLessThan(5 * Math.sqrt((pc * (1 - pc)) / n)));
  }
  const top = (temperature: number): number => (nextTokenProbs(logits, { temperature }).reshape(-1).toArray() as number[])[0];
  expect(top(0.1)).toBeGreaterThan(top(1));
  expect(top(0.1)).toBeGreaterThan(0.99);
  expect(top(100)).toBeLessThan(0.26); // uniform would be 0.25
  expect(sampleNext(logits, { temperature: 0 }).item()).toBe(0); // τ = 0: greedy
});

test('the bigram (and trigram) baseline is the add-one smoothed cross-entropy of the next character', () => {
  const tok = new CharTokenizer('abab');
  const ids = tok.encode('abab'); // pairs ab, ba, ab: c(a→b) = 2, c(b→a) = 1, V = 2
  // On 'ab': P(b | a) = (2 + 1) / (2 + 2) = 3/4, so the loss is −ln(3/4).
  expect(bigramLoss(ids, tok.encode('ab'), 2)).toBeCloseTo(-Math.log(3 / 4), 12);
  // On 'bb': P(b | b) = (0 + 1) / (1 + 2) = 1/3.
  expect(bigramLoss(ids, tok.encode('bb'), 2)).toBeCloseTo(Math.log(3), 12);
  // Trigram on 'aba': the context 'ab' was followed by 'a' once and by nothing else, so P(a | ab) = (1 + 1) / (1 + 2).
  expect(ngramLoss(ids, tok.encode('aba'), 2, 3, 1)).toBeCloseTo(-Math.log(2 / 3), 12);
});

test('a shortened run learns: the validation loss falls far below uniform guessing, and it writes samples', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const out = execFileSync(process.execPath, [main, '--steps', '40', '--eval-every', '20', '--batch', '8', '--warmup', '10', '--sample-chars', '40'], { encoding: 'utf8' });
  const first = /^step 0: val loss (\d+\.\d+) \(uniform guessing: (\d+\.\d+)\)$/m.exec(out);
  const trainLosses = [...out.matchAll(/^step \d+: train loss (\d+\.\d+), val loss (\d+\.\d+)/gm)].map((m) => Number(m[1]));
  const last = /^validation loss (\d+\.\d+) vs bigram (\d+\.\d+)/m.exec(out);
  expect(first, out).not.toBe(null);
  expect(last, out).not.toBe(null);
  expect(Math.abs(Number(first![1]) - Number(first![2]))).toBeLessThan(0.1); // starts near ln(vocab): the small init
  expect(trainLosses).toHaveLength(2);
  expect(trainLosses[1]).toBeLessThan(trainLosses[0]);
  expect(Number(last![1])).toBeLessThan(Number(first![1]) - 1);
  expect(Number(last![2])).toBeGreaterThan(2); // the bigram baseline of this text, ≈ 2.54
  expect(out).toMatch(/--- sample \(temperature 0\.8, top-k 10\), prompt "GRADIENT, n\.  " ---\nGRADIENT, n\. {2}\S/);
});
