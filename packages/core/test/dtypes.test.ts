// int32 and bool beside the floats: creation, conversion, PyTorch's promotion table (against
// fixtures/pytorch_dtypes.json, written by fixtures/make_dtype_fixtures.py), result dtypes,
// printing, and the kernels of every dtype against a naive reference on the current backend
// (this suite runs on cpu, wasm and gpu).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  AutogradError, DTypeError, IndexError, ShapeError, ValueError, arange, argmax, argmin, cat, full, gather, indexSelect, maximum,
  ones, promoteTypes, randint, scatterAdd, tensor, where, zeros, zerosLike, type DType, type Tensor,
} from '../src/index.js';
import { thrownBy } from '../src/testing/index.js';

interface PromotionRow { a: DType; b: DType | 'int' | 'float' | 'true'; op: 'add' | 'sub' | 'mul' | 'div' | 'eq' | 'maximum'; result: string; result_type?: string }
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/pytorch_dtypes.json', import.meta.url), 'utf8')) as { promotion: PromotionRow[] };

const sample = (dtype: DType): Tensor => (dtype === 'bool' ? tensor([true, false, true]) : tensor([1, 2, 3], { dtype }));
const scalars = { int: 2, float: 2.5, true: true } as const;

describe('type promotion follows PyTorch (torch.result_type and the ops themselves)', () => {
  test('the fixture covers every pair of the four dtypes and the three kinds of JS scalar', () => {
    const pairs = new Set(fixtures.promotion.map((r) => `${r.a}|${r.b}`));
    expect(pairs.size).toBe(4 * 7);
  });
  test.each(fixtures.promotion.map((r) => [`${r.a} ${r.op} ${r.b} → ${r.result}`, r] as const))('%s', (_, r) => {
    const a = sample(r.a);
    const b = r.b in scalars ? scalars[r.b as keyof typeof scalars] : sample(r.b as DType);
    const run = (): Tensor => {
      if (r.op === 'maximum') return maximum(a, b as Tensor);
      return (a[r.op] as (o: unknown) => Tensor).call(a, b);
    };
    // The documented departure: float32 with float64 tensors stays an error (PyTorch: float64).
    const mixedFloats = b instanceof Object && 'dtype' in b && new Set([a.dtype, (b as Tensor).dtype]).size === 2
      && [a.dtype, (b as Tensor).dtype].every((d) => d === 'float32' || d === 'float64');
    if (mixedFloats) {
      expect(r.result).toBe(r.op === 'eq' ? 'bool' : 'float64');
      expect(thrownBy(run)).toBeInstanceOf(DTypeError);
      return;
    }
    if (r.result === 'error') {
      const e = thrownBy(run);
      expect(e).toBeInstanceOf(DTypeError);
      expect(e.message).toMatch(/^sub: subtraction with a bool tensor is not supported/);
      return;
    }
    // No int64 here: PyTorch's int64 (bool with a Python int) is int32, the integer dtype.
    const expected = r.result === 'int64' ? 'int32' : r.result;
    expect(run().dtype).toBe(expected);
    if (r.result_type !== undefined && typeof b !== 'number' && typeof b !== 'boolean') {
      expect(promoteTypes('add', r.a, (b as Tensor).dtype)).toBe(r.result_type === 'int64' ? 'int32' : r.result_type);
    }
  });
  const dtypes = fc.constantFrom<DType>('float32', 'int32', 'bool');
  test('promoteTypes is symmetric and never lowers a kind (property)', () => {
    const kind = { bool: 0, int32: 1, float32: 2, float64: 2 };
    fc.assert(fc.property(dtypes, dtypes, (a, b) => {
      const r = promoteTypes('op', a, b);
      expect(promoteTypes('op', b, a)).toBe(r);
      expect(kind[r]).toBe(Math.max(kind[a], kind[b]));
    }));
  });
});

describe('creation', () => {
  test('a dtype option everywhere one is accepted; typed arrays and booleans infer theirs', () => {
    expect(tensor([1, 2]).dtype).toBe('float32');
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(true).dtype).toBe('bool');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([0, 2])).dtype).toBe('float32');
    expect(tensor(new Uint8Array([0, 2]), { dtype: 'bool' }).toArray()).toEqual([false, true]);
    expect(tensor([1.9, -1.9, 0.5], { dtype: 'int32' }).toArray()).toEqual([1, -1, 0]);
    expect(tensor([0, 0.5, NaN], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
    for (const [t, dtype] of [
      [zeros([2], { dtype: 'int32' }), 'int32'], [ones(2, 2, { dtype: 'bool' }), 'bool'], [full([2], 7, { dtype: 'int32' }), 'int32'],
      [full([2], true), 'bool'], [arange(5, { dtype: 'int32' }), 'int32'], [arange(1, 7, 2, { dtype: 'int32' }), 'int32'],
      [randint(0, 10, [3]), 'int32'], [zerosLike(tensor([true])), 'bool'],
    ] as const) expect(t.dtype).toBe(dtype);
    expect(arange(1, 7, 2, { dtype: 'int32' }).toArray()).toEqual([1, 3, 5]);
    expect(full([2], 0.5, { dtype: 'bool' }).toArray()).toEqual([true, true]);
  });
  test('what is not a number or a boolean is a typed error that says what it found', () => {
    expect(thrownBy(() => tensor([1, '2' as never])).message).toBe('tensor: expected a number or a boolean at [1], got "2"');
    expect(thrownBy(() => tensor([[1], [null as never]])).message).toBe('tensor: expected a number or a boolean at [1,0], got null');
    expect(thrownBy(() => tensor([[1], null as never])).message).toBe('tensor: ragged nested array: expected length 1 at [1], got null');
    expect(thrownBy(() => tensor([1, undefined as never]))).toBeInstanceOf(ValueError);
    // eslint-disable-next-line no-sparse-arrays
    expect(thrownBy(() => tensor([1, , 3] as never)).message).toMatch(/has a hole/);
    expect(thrownBy(() => tensor(new BigInt64Array([1n]) as never))).toBeInstanceOf(DTypeError);
    let deep: unknown = [1];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(thrownBy(() => tensor(deep as never))).toBeInstanceOf(ShapeError);
    expect(thrownBy(() => zeros([2], { dtype: 'int64' as never })).message).toMatch(/unknown dtype "int64"; expected one of 'float32', 'float64', 'int32', 'bool'/);
    expect(thrownBy(() => tensor([1.5]).requiresGrad_().int().requiresGrad_())).toBeInstanceOf(AutogradError);
    expect(thrownBy(() => tensor([1], { dtype: 'int32', requiresGrad: true })).message).toMatch(/only float tensors can require gradients, got int32/);
  });
});

describe('conversion', () => {
  const floats = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 });
  test('int() truncates toward zero, bool() is "not zero", float() and double() are exact for int32 (property)', () => {
    fc.assert(fc.property(floats, (vs) => {
      const x = tensor(vs, { dtype: 'float64' });
      expect(x.int().toArray()).toEqual(vs.map((v) => Math.trunc(v) + 0));
      expect(x.bool().toArray()).toEqual(vs.map((v) => v !== 0));
      expect(x.int().double().toArray()).toEqual(vs.map((v) => Math.trunc(v) + 0));
      expect(x.to('int32').dtype).toBe('int32');
      expect(x.bool().float().toArray()).toEqual(vs.map((v) => (v !== 0 ? 1 : 0)));
    }));
  });
  test('int32 round-trips through float64 exactly over its whole range', () => {
    const v = [-(2 ** 31), 2 ** 31 - 1, 16777217, -16777217];
    expect(tensor(new Int32Array(v)).double().int().toArray()).toEqual(v);
  });
});

describe('result dtypes', () => {
  test('comparisons are bool, arg-reductions and randint int32, sums of bool and int32 int32', () => {
    const x = tensor([[3, 1], [2, 5]]);
    for (const t of [x.eq(1), x.ne(1), x.lt(2), x.le(2), x.gt(2), x.ge(2), x.eq(tensor([1], { dtype: 'int32' }))]) expect(t.dtype).toBe('bool');
    expect(argmax(x, 1).dtype).toBe('int32');
    expect(argmax(x, 1).toArray()).toEqual([0, 1]);
    expect(argmin(x).toArray()).toEqual(1);
    expect(x.gt(1).sum().dtype).toBe('int32');
    expect(x.gt(1).sum().item()).toBe(3);
    expect(x.gt(1).sum(0).toArray()).toEqual([2, 1]);
    expect(tensor([2 ** 30, 2 ** 30], { dtype: 'int32' }).sum().item()).toBe(-(2 ** 31)); // wraps as int32 does
    expect(x.gt(1).cumsum(1).toArray()).toEqual([[1, 1], [1, 2]]);
    expect(tensor([1, 2], { dtype: 'int32' }).exp().dtype).toBe('float32');
    expect(tensor([-1, 2], { dtype: 'int32' }).abs().dtype).toBe('int32');
    expect(tensor([3, 4], { dtype: 'int32' }).div(2).toArray()).toEqual([1.5, 2]);
    expect(tensor([3, 4], { dtype: 'int32' }).clamp(0, 3).dtype).toBe('int32');
    expect(tensor([3, 4], { dtype: 'int32' }).clamp(0.5, 3).dtype).toBe('float32');
    expect(cat([tensor([1], { dtype: 'int32' }), tensor([true])]).dtype).toBe('int32');
    expect(cat([tensor([1.5]), tensor([true])]).toArray()).toEqual([1.5, 1]);
  });
  test('mean of an integer tensor is a DTypeError naming .float(), as in PyTorch', () => {
    const e = thrownBy(() => tensor([1, 2], { dtype: 'int32' }).mean());
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toMatch(/^mean: .*\.float\(\)/);
    expect(tensor([true, false]).float().mean().item()).toBe(0.5);
  });
  test('gradients flow only through float tensors: an int32 operand is a constant', () => {
    const w = tensor([1.5, 2], { requiresGrad: true });
    const k = tensor([3, 4], { dtype: 'int32' });
    w.mul(k).sum().backward();
    expect(w.grad!.toArray()).toEqual([3, 4]);
    const mask = w.gt(1.6);
    expect(mask.requiresGrad).toBe(false);
    expect(argmax(w).requiresGrad).toBe(false);
    expect(w.int().requiresGrad).toBe(false);
  });
  test('bool arithmetic is logic: + is or, * is and, − is refused; logical ops take any dtype', () => {
    const a = tensor([true, true, false, false]), b = tensor([true, false, true, false]);
    expect(a.add(b).toArray()).toEqual([true, true, true, false]);
    expect(a.mul(b).toArray()).toEqual([true, false, false, false]);
    expect(a.logicalXor(b).toArray()).toEqual([false, true, true, false]);
    expect(tensor([0, 2]).logicalNot().toArray()).toEqual([true, false]);
    expect(tensor([0, 2]).logicalAnd(tensor([1, 1])).toArray()).toEqual([false, true]);
    expect(tensor([0, 2]).logicalOr(0).toArray()).toEqual([false, true]);
    expect(thrownBy(() => a.sub(b))).toBeInstanceOf(DTypeError);
    expect(thrownBy(() => a.neg())).toBeInstanceOf(DTypeError);
  });
  test('masks must be bool and indices int32, with errors that say how to convert', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const e = thrownBy(() => where(tensor([1, 0]), x, 0));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toMatch(/^where: condition must be a bool tensor, got float32; .*\.bool\(\)/);
    expect(thrownBy(() => x.maskedFill(tensor([1, 0]), 0)).message).toMatch(/^maskedFill: mask must be a bool tensor/);
    expect(thrownBy(() => gather(x, 1, tensor([[0], [1]]))).message).toBe('gather: index must be an int32 tensor, got float32; convert it with .int()');
    expect(thrownBy(() => indexSelect(x, 0, tensor([0])))).toBeInstanceOf(DTypeError);
    expect(thrownBy(() => scatterAdd([2, 2], 0, tensor([[0, 1]]), tensor([[1, 1]])))).toBeInstanceOf(DTypeError);
    expect(thrownBy(() => indexSelect(x, 0, [2]))).toBeInstanceOf(IndexError);
    expect(x.maskedFill(tensor([[true, false], [false, true]]), 0).toArray()).toEqual([[0, 2], [3, 0]]);
    expect(tensor([1, 2], { dtype: 'int32' }).maskedFill(tensor([true, false]), 7.9).toArray()).toEqual([7, 2]);
  });
});

describe('printing follows PyTorch', () => {
  test('int32 with its dtype, bool as True/False', () => {
    expect(String(tensor([7, 2, 1], { dtype: 'int32' }))).toBe('tensor([7, 2, 1], dtype=int32)');
    expect(String(tensor([true, false]))).toBe('tensor([ True, False])');
    expect(String(tensor([[-10, 2], [3, 4]], { dtype: 'int32' }))).toBe('tensor([[-10,   2],\n        [  3,   4]], dtype=int32)');
    expect(String(tensor(3, { dtype: 'int32' }))).toBe('tensor(3, dtype=int32)');
    expect(String(tensor([1, 2]))).toBe('tensor([1., 2.])');
  });
});

describe('int32 and bool kernels equal a naive reference on this backend (property)', () => {
  const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const pair = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.array(int32, { minLength: n, maxLength: n }), fc.array(int32, { minLength: n, maxLength: n })));
  test('add, sub, mul wrap modulo 2³², maximum, minimum and comparisons are exact', () => {
    fc.assert(fc.property(pair, ([a, b]) => {
      const x = tensor(Int32Array.from(a)), y = tensor(Int32Array.from(b));
      expect(Array.from(x.add(y).data)).toEqual(a.map((v, i) => (v + b[i]) | 0));
      expect(Array.from(x.sub(y).data)).toEqual(a.map((v, i) => (v - b[i]) | 0));
      expect(Array.from(x.mul(y).data)).toEqual(a.map((v, i) => Math.imul(v, b[i])));
      expect(Array.from(x.maximum(y).data)).toEqual(a.map((v, i) => Math.max(v, b[i])));
      expect(Array.from(x.minimum(y).data)).toEqual(a.map((v, i) => Math.min(v, b[i])));
      expect(x.lt(y).toArray()).toEqual(a.map((v, i) => v < b[i]));
      expect(x.eq(y).toArray()).toEqual(a.map((v, i) => v === b[i]));
      expect(Array.from(where(x.gt(y), x, y).data)).toEqual(a.map((v, i) => Math.max(v, b[i])));
      expect(x.max().item()).toBe(Math.max(...a));
      expect(argmax(x).item()).toBe(a.indexOf(Math.max(...a)));
    }));
  });
  test('float32 comparisons give the same bool on every backend as the exact comparison', () => {
    const f = fc.array(fc.float({ noNaN: true, min: -4, max: 4 }), { minLength: 1, maxLength: 40 });
    fc.assert(fc.property(f, f, (a, b) => {
      const n = Math.min(a.length, b.length);
      const x = tensor(Float32Array.from(a.slice(0, n))), y = tensor(Float32Array.from(b.slice(0, n)));
      const xa = Array.from(x.data), ya = Array.from(y.data);
      expect(x.le(y).toArray()).toEqual(xa.map((v, i) => v <= ya[i]));
      expect(x.gt(0).sum().item()).toBe(xa.filter((v) => v > 0).length);
    }));
  });
  test('bool tensors: sums count, any element non-zero converts to true', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), (bs) => {
      const m = tensor(bs);
      expect(m.sum().item()).toBe(bs.filter(Boolean).length);
      expect(m.int().toArray()).toEqual(bs.map(Number));
      expect(m.logicalNot().toArray()).toEqual(bs.map((b) => !b));
    }));
  });
});
