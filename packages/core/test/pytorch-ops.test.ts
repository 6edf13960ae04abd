// The newer ops against PyTorch's values and gradients (fixtures/pytorch_ops.json, written by
// fixtures/make_op_fixtures.py in float64): each op in float64, tightly, and in float32.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  chunk, cos, cumsum, erf, expm1, flip, gelu, log1p, logSoftmax, maskedFill, norm, silu, sin, softmax, split, square, std, tensor,
  unbind, variance, type DType, type Tensor,
} from '../src/index.js';

interface Case {
  name: string;
  x: { shape: number[]; values: number[] };
  out: { shape: number[]; values: number[] }[];
  g: number[][];
  grad: number[];
}
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_ops.json', import.meta.url), 'utf8')) as { cases: Case[] };

// The script's mask: fixed(4) > 0, i.e. sin(1.7·i + 0.3) > 0.
const mask = tensor([0, 1, 2, 3].map((i) => Math.sin(i * 1.7 + 0.3) > 0));
const ops: Record<string, (x: Tensor) => Tensor | Tensor[]> = {
  square, log1p, 'log1p tiny': log1p, expm1, 'expm1 tiny': expm1, sin, cos, erf, gelu,
  'gelu tanh': (x) => gelu(x, { approximate: 'tanh' }), silu,
  'softmax dim 1': (x) => softmax(x, 1), 'softmax large logits': (x) => softmax(x, 1),
  'logSoftmax dim 0': (x) => logSoftmax(x, 0), 'logSoftmax large logits': (x) => logSoftmax(x, -1),
  'var dim 1': (x) => variance(x, 1), 'var all correction 0': (x) => variance(x, undefined, { correction: 0 }),
  'std dim 0 keepdim': (x) => std(x, 0, { keepdim: true }), 'std all': (x) => std(x),
  'norm 2': (x) => norm(x), 'norm 1 dim 1': (x) => norm(x, 1, 1), 'norm inf dim 0': (x) => norm(x, Infinity, 0), 'norm 3 dim 1': (x) => norm(x, 3, 1),
  'cumsum dim 1': (x) => cumsum(x, 1), 'cumsum dim 0': (x) => cumsum(x, 0), 'flip 0 1': (x) => flip(x, [0, 1]),
  'chunk 3 dim 1': (x) => chunk(x, 3, 1), 'split 2 5 dim 1': (x) => split(x, [2, 5], 1), 'unbind 0': (x) => unbind(x, 0),
  maskedFill: (x) => maskedFill(x, mask, -2),
};

/** |ours − theirs| ≤ atol + rtol·|theirs|, element by element, naming the first miss. */
function close(ours: ArrayLike<number>, theirs: number[], rtol: number, atol: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const ok = Math.abs(ours[i] - theirs[i]) <= atol + rtol * Math.abs(theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i]));
    if (!ok) expect.fail(`${what}[${i}]: ${ours[i]} vs PyTorch ${theirs[i]}`);
  }
}

// erf is a Chebyshev fit good to 1.2e-7 relative (float32's rounding), so erf and gelu get that in float64 too.
const approximate = new Set(['erf', 'gelu']);

describe.each(['float64', 'float32'] as DType[])('%s: values and gradients equal PyTorch\'s', (dtype) => {
  test('every case of the fixture has an op here', () => {
    expect(cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
    expect(Object.keys(ops).filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });
  test.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const [rtol, atol] = dtype === 'float64' ? (approximate.has(name) ? [3e-7, 1e-9] : [1e-12, 1e-14]) : [2e-6, 1e-6];
    const x = tensor(c.x.values, { shape: c.x.shape, dtype, requiresGrad: true });
    const result = ops[name](x);
    const outs = Array.isArray(result) ? result : [result];
    expect(outs.length, name).toBe(c.out.length);
    outs.forEach((o, i) => {
      expect(o.shape, name).toEqual(c.out[i].shape);
      close(o.data, c.out[i].values, rtol, atol, `${name} output ${i}`);
    });
    outs.map((o, i) => o.mul(tensor(c.g[i], { shape: o.shape, dtype })).sum()).reduce((a, b) => a.add(b)).backward();
    close(x.grad!.data, c.grad, rtol * 4, atol * 4, `${name} gradient`);
  });
});
