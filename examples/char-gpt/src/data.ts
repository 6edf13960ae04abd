// The text, its characters as tokens, random training windows, and the bigram baseline.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Generator, type Tensor } from '@tensorgrad/core';

/** The corpus that ships with the example: Ambrose Bierce's The Devil's Dictionary (1911, public domain). */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../data/devils-dictionary.txt', import.meta.url));

/**
 * A character-level tokenizer: every distinct character of the text is one token, numbered in
 * code-point order (as nanoGPT's shakespeare_char), so the vocabulary is small (84 here) and
 * nothing is ever out of vocabulary for the text it was built from.
 */
export class CharTokenizer {
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(text: string) {
    this.chars = [...new Set(text)].sort();
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const id = this.ids.get(text[i]);
      if (id === undefined) throw new Error(`char-gpt: character ${JSON.stringify(text[i])} is not in the vocabulary`);
      out[i] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i]).join('');
  }
}

export interface Corpus {
  tokenizer: CharTokenizer;
  train: Int32Array;
  val: Int32Array;
}

/**
 * Reads the text and splits it: the first `1 − valFraction` for training, the rest for
 * validation. A contiguous split (not random windows) so no validation text is ever seen in
 * training; the Devil's Dictionary is alphabetical, so validation is its last entries.
 */
export function loadCorpus(path = DEFAULT_CORPUS, valFraction = 0.1): Corpus {
  const text = readFileSync(path, 'utf8');
  const tokenizer = new CharTokenizer(text);
  const ids = tokenizer.encode(text);
  const cut = Math.floor(ids.length * (1 - valFraction));
  return { tokenizer, train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/**
 * A batch of `batch` random windows of `block` tokens: x[b, t] = data[o_b + t] and the target
 * y[b, t] = data[o_b + t + 1], the next character — so one window trains all `block` positions
 * at once, position t predicting from the t + 1 characters it may see.
 */
export function getBatch(data: Int32Array, batch: number, block: number, generator: Generator): { x: Tensor; y: Tensor } {
  const x = new Int32Array(batch * block), y = new Int32Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const o = generator.integer(0, data.length - block); // o + block ≤ data.length − 1: y's last index exists
    x.set(data.subarray(o, o + block), b * block);
    y.set(data.subarray(o + 1, o + block + 1), b * block);
  }
  return { x: tensor(x, { shape: [batch, block] }), y: tensor(y, { shape: [batch, block] }) };
}

/**
 * The validation text cut into consecutive, non-overlapping windows (the last partial one
 * dropped), so an evaluation is deterministic and covers every target once. `limit` keeps that
 * many, evenly spaced, for cheap evaluations during training.
 */
export function evalWindows(data: Int32Array, block: number, limit = Infinity): { x: Int32Array; y: Int32Array }[] {
  const n = Math.floor((data.length - 1) / block);
  const keep = Math.min(n, limit);
  const out: { x: Int32Array; y: Int32Array }[] = [];
  for (let i = 0; i < keep; i++) {
    const o = Math.floor((i * n) / keep) * block;
    out.push({ x: data.subarray(o, o + block), y: data.subarray(o + 1, o + block + 1) });
  }
  return out;
}

/**
 * The n-gram baselines: P(next | the n − 1 characters before it) from counts in the training text,
 * with add-α smoothing (α = 1 is Laplace's add-one),
 *   P(b | a) = (c(a, b) + α) / (c(a) + α·V)          (a: the context, V: the vocabulary size)
 * and its cross-entropy on the validation text, −(1/N) Σ log P(next | context), in nats — the
 * same quantity as the transformer's loss. The bigram (n = 2) sees one character back; a model
 * that sees up to `block` characters back has to beat it to have learned anything beyond letter
 * pairs. (The best α barely matters for the bigram here: 2.5392 with α = 1, 2.5353 with α = 0.1.)
 */
export function ngramLoss(train: Int32Array, val: Int32Array, vocabSize: number, n: number, alpha: number): number {
  const V = vocabSize;
  // A context of n − 1 tokens as one number in base V (V^(n−1) ≤ 2^53 for the orders used here).
  const context = (data: Int32Array, end: number): number => {
    let c = 0;
    for (let i = end - (n - 1); i < end; i++) c = c * V + data[i];
    return c;
  };
  const pairs = new Map<number, number>(), rows = new Map<number, number>();
  for (let i = n - 1; i < train.length; i++) {
    const c = context(train, i);
    pairs.set(c * V + train[i], (pairs.get(c * V + train[i]) ?? 0) + 1);
    rows.set(c, (rows.get(c) ?? 0) + 1);
  }
  let nll = 0;
  for (let i = n - 1; i < val.length; i++) {
    const c = context(val, i);
    nll -= Math.log(((pairs.get(c * V + val[i]) ?? 0) + alpha) / ((rows.get(c) ?? 0) + alpha * V));
  }
  return nll / (val.length - (n - 1));
}

/** The bigram baseline with add-one smoothing: P(b | a) = (c(a, b) + 1) / (c(a) + V). */
export function bigramLoss(train: Int32Array, val: Int32Array, vocabSize: number): number {
  return ngramLoss(train, val, vocabSize, 2, 1);
}
