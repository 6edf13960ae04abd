// Numbers from PyTorch 1.13 (fixtures/make_fixtures.py → fixtures/pytorch.json): layers, losses,
// optimizers and schedules must reproduce them to ~1e-5 relative.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { grad, tensor, type Tensor } from '@tensorgrad/core';
import {
  Adam, AdamW, CosineAnnealingLR, Linear, SGD, StepLR, binaryCrossEntropy, binaryCrossEntropyWithLogits,
  clipGradNorm, crossEntropy, klDivNormal, mseLoss, type Optimizer, type Reduction,
} from '../src/index.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/pytorch.json', import.meta.url), 'utf8'));

function expectClose(actual: Tensor | ArrayLike<number>, expected: number[], rtol = 1e-5, atol = 1e-6): void {
  const a = 'data' in actual ? Array.from((actual as Tensor).data) : Array.from(actual as ArrayLike<number>);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    if (!(Math.abs(v - expected[i]) <= atol + rtol * Math.abs(expected[i]))) {
      expect.fail(`element ${i}: got ${v}, PyTorch ${expected[i]}`);
    }
  });
}

const t = (values: number[], shape: number[], requiresGrad = false) => tensor(values, { shape, requiresGrad });

test('Linear: output and gradients match PyTorch', () => {
  const r = ref.linear;
  const lin = new Linear(4, 3);
  lin.weight.mutableData().set(r.weight);
  lin.bias!.mutableData().set(r.bias);
  const x = t(r.x, [2, 4], true);
  const y = lin.forward(x);
  expectClose(y, r.y);
  y.backward(t(r.grad_output, [2, 3]));
  expectClose(lin.weight.grad!, r.grad_weight);
  expectClose(lin.bias!.grad!, r.grad_bias);
  expectClose(x.grad!, r.grad_x);
});

describe('losses: value and gradient match PyTorch for every reduction', () => {
  const L = ref.losses;
  const inputs = () => ({
    p: t(L.p, [3, 5], true), z: t(L.z, [3, 5], true), a: t(L.a, [3, 5], true), logits: t(L.logits, [4, 6], true),
    mu: t(L.mu, [3, 4], true), logvar: t(L.logvar, [3, 4], true),
  });
  const cases: Record<string, (i: ReturnType<typeof inputs>, reduction: Reduction) => [Tensor, Tensor[]]> = {
    binaryCrossEntropy: (i, reduction) => [binaryCrossEntropy(i.p, t(L.t_soft, [3, 5]), { reduction }), [i.p]],
    binaryCrossEntropy_hard: (i, reduction) => [binaryCrossEntropy(i.p, t(L.t_bin, [3, 5]), { reduction }), [i.p]],
    binaryCrossEntropyWithLogits: (i, reduction) => [binaryCrossEntropyWithLogits(i.z, t(L.t_soft, [3, 5]), { reduction }), [i.z]],
    mseLoss: (i, reduction) => [mseLoss(i.a, t(L.b, [3, 5]), { reduction }), [i.a]],
    crossEntropy: (i, reduction) => [crossEntropy(i.logits, tensor(L.classes, { dtype: 'int32' }), { reduction }), [i.logits]],
    klDivNormal: (i, reduction) => [klDivNormal(i.mu, i.logvar, { reduction }), [i.mu, i.logvar]],
  };
  for (const [name, fn] of Object.entries(cases)) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      test(`${name} (${reduction})`, () => {
        const c = L.cases[`${name}/${reduction}`];
        const [value, wrt] = fn(inputs(), reduction);
        expect(value.shape).toEqual(c.shape);
        expectClose(value, c.value);
        const gs = grad(value, wrt, { gradOutputs: t(c.grad_output, c.shape) });
        gs.forEach((g, k) => expectClose(g, c.grads[k]));
      });
    }
  }
  test('binaryCrossEntropy at p = 0 and 1 is PyTorch\'s clamped finite value, never Infinity', () => {
    const v = binaryCrossEntropy(tensor([0, 1, 0, 1]), tensor([1, 0, 0, 1]), { reduction: 'none' });
    expectClose(v, L.cases.bce_edges.value);
  });
});

describe('optimizers: five steps match PyTorch', () => {
  const O = ref.optim;
  const makers: Record<string, (ps: Tensor[]) => Optimizer> = {
    sgd: (ps) => new SGD(ps, { lr: 0.1 }),
    sgd_momentum: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
    sgd_nesterov: (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true }),
    adam: (ps) => new Adam(ps, { lr: 0.01 }),
    adam_amsgrad_wd: (ps) => new Adam(ps, { lr: 0.02, betas: [0.8, 0.99], weightDecay: 0.1, amsgrad: true }),
    adamw: (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.05 }),
    sgd_clipped: (ps) => new SGD(ps, { lr: 0.1 }),
  };
  for (const [name, make] of Object.entries(makers)) {
    test(name, () => {
      const lin = new Linear(3, 2);
      lin.weight.mutableData().set(O.W0);
      lin.bias!.mutableData().set(O.B0);
      const opt = make(lin.parameters());
      const X = t(O.X, [6, 3]);
      const Y = t(O.Y, [6, 2]);
      for (const step of O.runs[name]) {
        opt.zeroGrad();
        const loss = mseLoss(lin.forward(X), Y);
        expect(loss.item()).toBeCloseTo(step.loss, 5);
        loss.backward();
        if (step.norm !== null) expect(clipGradNorm(lin.parameters(), 0.5)).toBeCloseTo(step.norm, 5);
        opt.step();
        expectClose(lin.weight, step.w);
        expectClose(lin.bias!, step.b);
      }
    });
  }
});

test('StepLR and CosineAnnealingLR follow PyTorch\'s schedule', () => {
  const make = () => new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  const seq = (s: StepLR | CosineAnnealingLR) => Array.from({ length: 8 }, () => (s.step(), s.getLastLr()[0]));
  expectClose(seq(new StepLR(make(), 3, 0.5)), ref.schedules.step, 1e-12);
  expectClose(seq(new CosineAnnealingLR(make(), 6, 0.001)), ref.schedules.cosine, 1e-9);
});
