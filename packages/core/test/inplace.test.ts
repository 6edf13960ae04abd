// In-place ops and the version counter that guards the tape: what each op writes, what the tape
// refuses, and — scenario by scenario — that backward() raises exactly where PyTorch's does
// (fixtures/pytorch_dtypes.json, "inplace").
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AutogradError, DTypeError, ShapeError, ValueError, noGrad, ones, tensor, zeros, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';
import { thrownBy } from '../src/testing/index.js';

const fixed = (n: number, scale = 1, offset = 0, phase = 0.3): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + phase) * scale + offset);
const f64 = (values: number[], shape = [values.length]): Tensor => tensor(values, { shape, dtype: 'float64' });

describe('in-place ops write into the tensor, as the out-of-place op computes', () => {
  test('x.op_(y) equals x.op(y) for y broadcast to x (property), and returns x itself', () => {
    const ops = ['add', 'sub', 'mul', 'div'] as const;
    fc.assert(fc.property(arb.broadcastablePair(), fc.constantFrom(...ops), ([a, b], op) => {
      const x = a.expand(a.shape.map((d, i) => Math.max(d, b.shape[b.ndim - a.ndim + i] ?? d))).contiguous();
      if (x.ndim < b.ndim) return;
      const expected = x[op](b);
      const y = x.clone();
      expect(y[`${op}_`](b)).toBe(y);
      expect(Array.from(y.data)).toEqual(Array.from(expected.data));
    }));
  });
  test('fill_, zero_, clamp_, maskedFill_, copy_ (broadcast, converted to the tensor\'s dtype)', () => {
    const x = tensor([[1, -2], [3, -4]]);
    expect(x.clamp_(-1, 2).toArray()).toEqual([[1, -1], [2, -1]]);
    expect(x.maskedFill_(tensor([true, false]), 9).toArray()).toEqual([[9, -1], [9, -1]]);
    expect(x.copy_(tensor([0.5, 1.5], { dtype: 'float64' })).toArray()).toEqual([[0.5, 1.5], [0.5, 1.5]]);
    expect(x.fill_(7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(x.zero_().toArray()).toEqual([[0, 0], [0, 0]]);
    const i = zeros([3], { dtype: 'int32' });
    expect(i.copy_(tensor([1.9, -1.9, 3])).toArray()).toEqual([1, -1, 3]);
    expect(i.add_(2).toArray()).toEqual([3, 1, 5]);
  });
  test('writing through a view writes the base; a non-contiguous view is written in place', () => {
    const x = zeros([2, 3]);
    x.select(1, 2).fill_(5);
    x.T.index(0).add_(1); // column 0 through a transposed view
    expect(x.toArray()).toEqual([[1, 0, 5], [1, 0, 5]]);
  });
  test('a result that does not fit, a lossy cast and an expanded view are typed errors', () => {
    expect(thrownBy(() => zeros([3]).add_(zeros([2, 3])))).toBeInstanceOf(ShapeError);
    const e = thrownBy(() => ones([2], { dtype: 'int32' }).div_(2));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe("div_: the result type float32 can't be cast to the tensor's dtype int32; use the out-of-place op, or convert the tensor first");
    expect(thrownBy(() => ones([2], { dtype: 'int32' }).add_(0.5))).toBeInstanceOf(DTypeError);
    expect(thrownBy(() => tensor([1]).expand(3).add_(1))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => zeros([2]).fill_('1' as never))).toBeInstanceOf(ValueError);
  });
  test('every write bumps the version all views share; reads and out-of-place ops do not', () => {
    const x = zeros([4]);
    const v = x.index(tensor([0, 1], { dtype: 'int32' }).gt(-1).nonzero().reshape(-1)); // a copy, its own version
    const view = x.narrow(0, 1, 2);
    const before = x.buffer.version;
    x.add(1);
    expect(x.buffer.version).toBe(before);
    view.add_(1);
    x.mutableData();
    expect(x.buffer.version).toBe(before + 2);
    expect(view.buffer.version).toBe(x.buffer.version);
    expect(v.buffer.version).toBe(0);
  });
});

describe('the tape and in-place ops', () => {
  test('a leaf that requires grad is written only inside noGrad (as optimizers do)', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const e = thrownBy(() => w.add_(1));
    expect(e).toBeInstanceOf(AutogradError);
    expect(e.message).toMatch(/^add_: a leaf tensor that requires grad \(shape \[2\]\) is used in an in-place operation; update it inside noGrad/);
    noGrad(() => w.sub_(tensor([0.5, 0.5])));
    expect(w.toArray()).toEqual([0.5, 1.5]);
    expect(w.requiresGrad && w.isLeaf).toBe(true);
  });
  test('a tensor on the tape, or an operand that requires grad, is refused: in-place ops are not recorded', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(2);
    expect(thrownBy(() => y.mul_(3)).message).toMatch(/^mul_: the tensor \(shape \[2\]\) was made by MulBackward and is on the tape; .*use the out-of-place op \(mul\)/);
    expect(thrownBy(() => zeros([2]).add_(w))).toBeInstanceOf(AutogradError);
    noGrad(() => y.detach().mul_(3)); // allowed: MulBackward saved w and 2, not its output
    y.sum().backward();
    const z = w.exp();
    noGrad(() => z.detach().mul_(3)); // allowed, but ExpBackward reads its output: the version moved on
    expect(thrownBy(() => z.sum().backward())).toBeInstanceOf(AutogradError);
  });
  test('the issue\'s case: writing into exp\'s output (through mutableData) makes backward an error, not a wrong gradient', () => {
    const x = tensor([0.5, 1], { requiresGrad: true });
    const y = x.exp();
    y.detach().mutableData()[0] = 100;
    const e = thrownBy(() => y.sum().backward());
    expect(e).toBeInstanceOf(AutogradError);
    expect(e.message).toBe('ExpBackward: one of the tensors needed for the gradient has been modified by an inplace operation: output of ExpBackward, a float32 tensor of shape [2], is at version 1; expected version 0. Write into a clone() instead, or after backward()');
    expect(x.grad).toBe(null);
  });
});

interface Scenario { name: string; raises: boolean; code: string }
const { inplace } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_dtypes.json', import.meta.url), 'utf8')) as { inplace: Scenario[] };

/** The fixture's programs, written with tensorgrad (`y.detach()` shares the version counter here as in PyTorch). */
const programs: Record<string, () => void> = {
  'exp output modified': () => {
    const w = f64(fixed(3, 0.5, 1.5)).requiresGrad_();
    const y = w.exp();
    y.detach().mul_(2);
    y.sum().backward();
  },
  'mul input modified': () => {
    const w = f64(fixed(3)).requiresGrad_(), x = f64(fixed(3, 1, 0, 1.1));
    const y = w.mul(x);
    x.add_(1);
    y.sum().backward();
  },
  'add input modified': () => {
    const w = f64(fixed(3)).requiresGrad_(), x = f64(fixed(3, 1, 0, 1.1));
    const y = w.add(x);
    x.add_(1);
    y.sum().backward();
  },
  'sigmoid output modified': () => {
    const w = f64(fixed(3)).requiresGrad_();
    const y = w.sigmoid();
    y.detach().zero_();
    y.sum().backward();
  },
  'view of saved input modified': () => {
    const w = f64(fixed(6), [2, 3]).requiresGrad_(), x = f64(fixed(6, 1, 0, 1.1), [2, 3]);
    const y = w.mul(x);
    noGrad(() => x.index(0).fill_(5));
    y.sum().backward();
  },
  'modified after backward': () => {
    const w = f64(fixed(3)).requiresGrad_();
    const y = w.exp();
    y.sum().backward();
    y.detach().mul_(2);
  },
  'pow input modified': () => {
    const w = f64(fixed(3, 0.5, 1.5)).requiresGrad_(), x = f64(fixed(3, 1, 2, 1.1));
    const y = w.pow(x);
    x.mul_(2);
    y.sum().backward();
  },
  'matmul input modified': () => {
    const w = f64(fixed(3)).requiresGrad_(), x = f64(fixed(6, 1, 0, 1.1), [3, 2]);
    const y = w.reshape(1, 3).matmul(x);
    x.zero_();
    y.sum().backward();
  },
  'relu output modified': () => {
    const w = f64(fixed(3)).requiresGrad_();
    const y = w.relu();
    y.detach().add_(1);
    y.sum().backward();
  },
  'sum input modified': () => {
    const w = f64(fixed(3)).requiresGrad_(), x = f64(fixed(3, 1, 0, 1.1));
    const y = w.mul(1).sum().add(x.sum());
    x.add_(1);
    y.backward();
  },
};

describe('backward() raises for a modified saved tensor exactly where PyTorch does', () => {
  test('every scenario of the fixture has a program here', () => {
    expect(inplace.map((s) => s.name).sort()).toEqual(Object.keys(programs).sort());
  });
  test.each(inplace.map((s) => [s.name, s] as const))('%s', (name, s) => {
    let error: unknown = null;
    try {
      programs[name]();
    } catch (e) {
      error = e;
    }
    if (s.raises) {
      expect(error).toBeInstanceOf(AutogradError);
      expect((error as Error).message).toContain('has been modified by an inplace operation');
    } else {
      expect(error).toBe(null);
    }
  });
});
