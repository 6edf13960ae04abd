// The expressions the page offers, as the code its editor shows: the page runs them, and the
// browser test runs the same strings in Node (through evaluateExpression) to check the page's
// gradients. Leaves are made with param(name, value), so they have names to show and to nudge;
// data(value) is a constant; random numbers are seeded per evaluation (see expression.ts).

export interface Preset {
  /** Stable id, used in the page's URL hash and by the tests. */
  readonly id: string;
  readonly title: string;
  /** One line on what to watch for. */
  readonly lesson: string;
  readonly code: string;
}

/** An 8×8 "0": the VAE preset's one image (pixel intensities in [0, 1]). */
const RING = [
  '..####..',
  '.#....#.',
  '#......#',
  '#......#',
  '#......#',
  '#......#',
  '.#....#.',
  '..####..',
].map((row) => `[${[...row].map((c) => (c === '#' ? '1' : '0')).join(', ')}]`);

export const PRESETS: readonly Preset[] = [
  {
    id: 'neuron',
    title: "micrograd's neuron",
    lesson: 'tanh′ = 1 − tanh²: the gradient that reaches the sum is (1 − o²)·1, and each product splits it by the other factor.',
    code: `// micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b)
const x1 = param('x1', 2.0), x2 = param('x2', 0.0);
const w1 = param('w1', -3.0), w2 = param('w2', 1.0);
const b = param('b', 6.8813735870195432);
const n = x1.mul(w1).add(x2.mul(w2)).add(b);
return n.tanh();`,
  },
  {
    id: 'twice',
    title: 'a variable used twice',
    lesson: 'Contributions to a tensor read twice are summed, never overwritten (micrograd’s a + a bug): watch a’s gradient grow.',
    code: `// A leaf read twice gets both contributions, summed.
const a = param('a', -2.0);
const b = param('b', 3.0);
const d = a.mul(b);        // a and b are read here…
const e = a.add(b);        // …and here
const f = d.mul(e);
return f.add(a.add(a));    // and a + a: ∂/∂a gets 1 + 1 more`,
  },
  {
    id: 'softmax-ce',
    title: 'softmax + cross-entropy',
    lesson: 'The gradient on the logits comes out as (softmax − one-hot)/N, assembled from exp, sum, log and gather rules.',
    code: `// Softmax and cross-entropy on 2 examples of 4 classes: −mean log p(target).
const logits = param('logits', [[2.0, 1.0, 0.1, -1.0], [0.5, -0.5, 1.5, 0.0]]);
const target = tensor([[0], [2]], { dtype: 'int32' });
const logp = logSoftmax(logits, 1);     // (z − max) − log Σ e^(z − max)
return logp.gather(1, target).mean().neg();`,
  },
  {
    id: 'mlp',
    title: '2-layer MLP, batch of 4',
    lesson: 'linear’s rule: ∂W = gᵀ·x sums over the batch; relu passes the gradient only where it was active.',
    code: `// A 2-layer MLP on a batch of 4: linear → relu → linear, mean squared error.
const x = data([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-1.2, 0.8, 0.1], [0.0, -0.4, 1.1]]);
const y = data([[1.0], [0.0], [0.0], [1.0]]);
const w1 = param('w1', randn(5, 3).mul(0.6)), b1 = param('b1', zeros(5).add(0.1));
const w2 = param('w2', randn(1, 5).mul(0.6)), b2 = param('b2', zeros(1));
const h = linear(x, w1, b1).relu();     // [4, 5]; weights are stored [out, in]
const out = linear(h, w2, b2);          // [4, 1]
return out.sub(y).pow(2).mean();`,
  },
  {
    id: 'attention',
    title: 'one layer of attention',
    lesson: 'Q, K and V all come from the same x·W products; the softmax rule couples every score in a row.',
    code: `// One head of self-attention over 3 tokens of width 4: softmax(QKᵀ/√d)·V, squared error.
const x = data(randn(3, 4));
const target = data(randn(3, 4));
const wq = param('wq', randn(4, 4).mul(0.5));
const wk = param('wk', randn(4, 4).mul(0.5));
const wv = param('wv', randn(4, 4).mul(0.5));
const q = x.matmul(wq), k = x.matmul(wk), v = x.matmul(wv);
const scores = q.matmul(k.T).div(Math.sqrt(4));   // [3, 3]
const out = softmax(scores, 1).matmul(v);          // [3, 4]
return out.sub(target).pow(2).mean();`,
  },
  {
    id: 'vae',
    title: "the VAE's loss on one image",
    lesson: 'Two losses meet at the end: BCE’s gradient flows through the decoder, KL’s straight into μ and log σ², and they add up there.',
    code: `// A tiny VAE on one 8×8 image: encoder 64→8→(μ, log σ²) of size 2, z = μ + σ·ε,
// decoder 2→8→64, loss = BCE(reconstruction, image) + KL(q(z|x) ‖ N(0, I)).
const img = data([
  ${RING.join(',\n  ')},
]).reshape(1, 64);
const eps = data(randn(1, 2));                       // the noise, drawn once
const We = param('We', randn(8, 64).mul(0.2)), be = param('be', zeros(8));
const Wmu = param('Wmu', randn(2, 8).mul(0.4)), Wlv = param('Wlv', randn(2, 8).mul(0.4));
const Wd = param('Wd', randn(8, 2).mul(0.4)), bd = param('bd', zeros(8));
const Wo = param('Wo', randn(64, 8).mul(0.4)), bo = param('bo', zeros(64));
const h = linear(img, We, be).relu();
const mu = linear(h, Wmu), logvar = linear(h, Wlv);
const z = mu.add(logvar.mul(0.5).exp().mul(eps));   // reparameterisation
const p = linear(linear(z, Wd, bd).relu(), Wo, bo).sigmoid();
const rec = bce(p, img).sum();
const kl = logvar.add(1).sub(mu.pow(2)).sub(logvar.exp()).sum().mul(-0.5);
return rec.add(kl);`,
  },
];

/** The preset with this id. */
export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
