// The Tensor object: creation, conversion, printing, views and the errors bad input gets.
import { describe, expect, test } from 'vitest';
import {
  DTypeError, Generator, ShapeError, ValueError, arange, cat, eye, full, linear, linspace, manualSeed, matmul, ones, rand,
  randint, randn, stack, tensor, zeros,
} from '../src/index.js';
import { thrownBy } from '../src/testing/index.js';

describe('creation', () => {
  test('from nested arrays, numbers and typed arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.strides).toEqual([3, 1]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(2.5).shape).toEqual([]);
    expect(tensor(2.5).item()).toBe(2.5);
    expect(tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype).toBe('float64');
    expect(tensor([[1, 2], [3, 4]], { shape: [4] }).toArray()).toEqual([1, 2, 3, 4]);
    expect(tensor([]).shape).toEqual([0]);
  });
  test('ragged arrays and wrong shapes are ShapeErrors that say where', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: expected length 2 at \[1\], got 1/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(ShapeError);
    expect(() => zeros([2, -1])).toThrow(/invalid shape/);
  });
  test('zeros, ones, full, eye, arange, linspace', () => {
    expect(zeros(2, 3).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: 'float64' }).dtype).toBe('float64');
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => arange(0, 1, 0)).toThrow(ValueError);
  });
  test('item() needs one element', () => {
    expect(() => zeros([2]).item()).toThrow(/only one-element tensors/);
  });
});

describe('random numbers', () => {
  test('same seed, same numbers; different seeds differ', () => {
    manualSeed(42);
    const a = randn([5]).toArray();
    manualSeed(42);
    expect(randn([5]).toArray()).toEqual(a);
    manualSeed(43);
    expect(randn([5]).toArray()).not.toEqual(a);
  });
  test('the stream is fixed across machines (golden values)', () => {
    const g = new Generator(2024);
    // xoshiro128** uses only 32-bit integer ops: these numbers are the same on every engine.
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual(GOLDEN_UINT32);
    expect(rand([3], { generator: new Generator(1), dtype: 'float64' }).toArray()).toEqual(GOLDEN_RAND);
  });
  test('uniform and normal samples have the right moments', () => {
    const g = new Generator(7);
    const u = rand([100_000], { generator: g, dtype: 'float64' });
    const n = randn([100_000], { generator: g, dtype: 'float64' });
    expect(u.mean().item()).toBeCloseTo(0.5, 2);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(n.mean().item()).toBeCloseTo(0, 1);
    expect(n.pow(2).mean().item()).toBeCloseTo(1, 1);
    const r = randint(3, 6, [1000], { generator: g });
    expect(new Set(r.toArray() as number[])).toEqual(new Set([3, 4, 5]));
  });
  test('getState / setState resume the stream exactly', () => {
    const g = new Generator(5);
    g.normal();
    const state = g.getState();
    const next = [g.normal(), g.normal(), g.random()];
    expect([g.setState(state).normal(), g.normal(), g.random()]).toEqual(next);
  });
});

describe('printing like PyTorch', () => {
  test('floats with 4 decimals, integers with a trailing dot, aligned', () => {
    expect(tensor([[1, -2.5], [3.25, 4]]).toString()).toBe('tensor([[ 1.0000, -2.5000],\n        [ 3.2500,  4.0000]])');
    expect(tensor([1, 2, 30]).toString()).toBe('tensor([ 1.,  2., 30.])');
    expect(tensor(3).toString()).toBe('tensor(3.)');
  });
  test('scientific notation when magnitudes span decades', () => {
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
  });
  test('dtype, requires_grad and grad_fn suffixes', () => {
    expect(tensor([1], { dtype: 'float64' }).toString()).toBe('tensor([1.], dtype=float64)');
    const x = tensor([1], { requiresGrad: true });
    expect(x.toString()).toBe('tensor([1.], requires_grad=True)');
    expect(x.mul(2).toString()).toBe('tensor([2.], grad_fn=<MulBackward>)');
  });
  test('large tensors are summarized, non-finite values named', () => {
    expect(arange(1000, 3000).toString()).toBe('tensor([1000., 1001., 1002., ..., 2997., 2998., 2999.])');
    expect(arange(2000).toString()).toBe(
      'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])',
    );
    expect(tensor([NaN, Infinity, -1]).toString()).toBe('tensor([nan, inf, -1.])');
  });
  test('3-D tensors separate blocks with a blank line', () => {
    expect(arange(4).reshape(2, 1, 2).toString()).toBe('tensor([[[0., 1.]],\n\n        [[2., 3.]]])');
  });
});

describe('views share storage', () => {
  test('transpose, expand, slice and reshape are views; data is compact', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.T.storage).toBe(x.storage);
    expect(x.T.strides).toEqual([1, 3]);
    expect(x.T.isContiguous()).toBe(false);
    expect(x.T.data).toEqual(new Float32Array([0, 3, 1, 4, 2, 5]));
    expect(x.slice(1, 1).toArray()).toEqual([[1, 2], [4, 5]]);
    expect(x.slice(1, 0, undefined, 2).toArray()).toEqual([[0, 2], [3, 5]]);
    expect(x.slice(0, -1).toArray()).toEqual([[3, 4, 5]]);
    expect(x.narrow(1, 2, 1).toArray()).toEqual([[2], [5]]);
    expect(tensor([1, 2]).expand(3, 2).strides).toEqual([0, 1]);
    expect(x.reshape(-1).storage).toBe(x.storage);
    expect(x.T.reshape(-1).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  test('mutableData writes through to every view of a contiguous tensor and refuses a strided one', () => {
    const x = arange(6).reshape(2, 3);
    const row = x.narrow(0, 1, 1);
    row.mutableData()[2] = 50;
    expect(x.toArray()).toEqual([[0, 1, 2], [3, 4, 50]]);
    expect(row.mutableData().length).toBe(3);
    expect(() => x.T.mutableData()).toThrow(ValueError);
    expect(() => x.T.mutableData()).toThrow(/mutableData: the tensor of shape \[3,2\] is a non-contiguous view/);
  });
  test('view() refuses a non-contiguous tensor, reshape() copies', () => {
    const x = arange(6).reshape(2, 3);
    expect(() => x.T.view(6)).toThrow(/^view: shape \[6\] cannot be a view of a tensor of shape \[3,2\] with strides \[1,3\]/);
    expect(() => x.reshape(4, 2)).toThrow(/cannot reshape \[2,3\] \(6 elements\) into \[4,2\] \(8 elements\)/);
  });
  test('squeeze, unsqueeze, flatten, permute', () => {
    const x = zeros([2, 1, 3]);
    expect(x.squeeze().shape).toEqual([2, 3]);
    expect(x.squeeze(0).shape).toEqual([2, 1, 3]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 1, 3, 1]);
    expect(x.flatten().shape).toEqual([6]);
    expect(x.flatten(1).shape).toEqual([2, 3]);
    expect(x.permute(2, 0, 1).shape).toEqual([3, 2, 1]);
    expect(() => x.permute(0, 0, 1)).toThrow(/not a permutation/);
  });
  test('cat, stack, indexSelect, gather', () => {
    const a = tensor([[1, 2], [3, 4]]);
    expect(cat([a, a], 1).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(stack([a, a], 2).shape).toEqual([2, 2, 2]);
    expect(a.indexSelect(0, [1, 1, 0]).toArray()).toEqual([[3, 4], [3, 4], [1, 2]]);
    expect(a.gather(1, tensor([[1, 0], [0, 0]], { dtype: 'int32' })).toArray()).toEqual([[2, 1], [3, 3]]);
    expect(() => a.indexSelect(0, [2])).toThrow(/index 2 is out of range for dim 0 of size 2/);
    expect(() => cat([a, zeros([3, 3])], 0)).toThrow(/differ outside dim 0/);
  });
});

describe('errors name the op and the shapes', () => {
  test('linear', () => {
    expect(() => linear(zeros([2, 3]), zeros([4, 5]))).toThrow('linear: x [2,3], weight [4,5]: x has 3 features, the weight [out, in] expects 5');
    expect(() => linear(zeros([2, 3]), zeros([4, 3]), zeros([5]))).toThrow('linear: x [2,3], weight [4,3], bias [5]: expected bias [out] = [4]');
    expect(() => linear(zeros([2, 3]), zeros([3]))).toThrow(ShapeError);
  });
  test('matmul inner dimensions', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ');
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 1]))).toThrow(/batch dimensions do not broadcast/);
  });
  test('broadcasting', () => {
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast: size 3 vs 4 at dim -1');
  });
  test('mixed dtypes are a DTypeError, never a silent promotion', () => {
    expect(() => zeros([2]).add(zeros([2], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(zeros([2]).add(1).dtype).toBe('float32');
    expect(zeros([2], { dtype: 'float64' }).mul(2).dtype).toBe('float64');
  });
  test('to() takes a dtype or a backend, and names both when given neither', () => {
    const x = zeros([2]);
    expect([x.device, x.to('cpu'), x.to('float32')]).toEqual(['cpu', x, x]);
    expect(x.to('int32').dtype).toBe('int32');
    const e = thrownBy(() => x.to('int64'));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^to: expected a dtype \('float32', 'float64', 'int32', 'bool'\) or a backend, got "int64"; backends: cpu/);
  });
  test('dims out of range', () => {
    expect(() => zeros([2, 3]).sum(2)).toThrow('sum: dim 2 is out of range for a tensor of rank 2 (expected -2..1)');
    expect(() => zeros([2, 3]).transpose(0, 5)).toThrow(ShapeError);
  });
});

// Printed by the independent Python implementation in fixtures/xoshiro_reference.py.
const GOLDEN_UINT32 = [2419916859, 2996235947, 1249288266];
const GOLDEN_RAND = [0.5686059948349658, 0.8893939367683266, 0.4705824180198359];
