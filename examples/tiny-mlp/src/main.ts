// A two-layer MLP learns to separate two interleaved spirals, using only @tensorgrad/core:
// the forward pass builds a tape, backward() fills .grad, and a hand-written SGD step updates
// the weights inside noGrad. Run from the repository root, after `npx --yes pnpm@10 run build`:
//   node examples/tiny-mlp/dist/main.js
import { Generator, noGrad, randn, tensor, type Tensor } from '@tensorgrad/core';

const g = new Generator(0);

/** n points per class on two spirals, labels 0 and 1. */
function spirals(n: number): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const r = (i / n) * 4 + 0.3;
      const t = (i / n) * 3 * Math.PI + c * Math.PI + g.normal() * 0.1;
      xs.push((r * Math.cos(t)) / 4, (r * Math.sin(t)) / 4);
      ys.push(c);
    }
  }
  return { x: tensor(xs, { shape: [2 * n, 2] }), y: tensor(ys, { shape: [2 * n, 1] }) };
}

const { x, y } = spirals(100);
const hidden = 32;
// Weights ~ N(0, 1/fan_in) (LeCun normal), biases ~ N(0, 0.1²). This is not PyTorch's default
// init, which nn.Linear follows: there weight and bias are both U(−1/√fan_in, 1/√fan_in)
// (kaiming_uniform with a = √5 for the weight), a variance of 1/(3·fan_in).
const w1 = randn([hidden, 2], { generator: g }).mul(Math.SQRT1_2).requiresGrad_();
const b1 = randn([hidden], { generator: g }).mul(0.1).requiresGrad_();
const w2 = randn([hidden, hidden], { generator: g }).mul(1 / Math.sqrt(hidden)).requiresGrad_();
const b2 = randn([hidden], { generator: g }).mul(0.1).requiresGrad_();
const w3 = randn([1, hidden], { generator: g }).mul(1 / Math.sqrt(hidden)).requiresGrad_();
const b3 = randn([1], { generator: g }).mul(0.1).requiresGrad_();
const params = [w1, b1, w2, b2, w3, b3];

function forward(input: Tensor): Tensor {
  const h1 = input.matmul(w1.T).add(b1).tanh();
  const h2 = h1.matmul(w2.T).add(b2).tanh();
  return h2.matmul(w3.T).add(b3); // logits
}

/** Binary cross-entropy on logits, the stable form: softplus(z) − y·z. */
function loss(logits: Tensor, target: Tensor): Tensor {
  return logits.softplus().sub(logits.mul(target)).mean();
}

const lr = 0.5;
const steps = 1500;
console.log(`tiny-mlp: 2 → ${hidden} → ${hidden} → 1, ${x.shape[0]} points on two spirals, full-batch SGD (lr ${lr})`);
for (let step = 0; step <= steps; step++) {
  const l = loss(forward(x), y);
  for (const p of params) p.zeroGrad();
  l.backward();
  noGrad(() => {
    for (const p of params) p.sub_(p.grad!.mul(lr));
  });
  if (step % 250 === 0) {
    const accuracy = noGrad(() => forward(x).gt(0).eq(y).float().mean().item());
    console.log(`step ${String(step).padStart(4)}  loss ${l.item().toFixed(4)}  accuracy ${(accuracy * 100).toFixed(1)}%`);
  }
}
console.log('gradient of the loss w.r.t. the output bias after the last step:', b3.grad?.toString());
