// The API a PyTorch user reaches for first: the same call shapes as PyTorch, and what Node's
// console.log prints.
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { Generator, ShapeError, ValueError, enableGrad, isGradEnabled, noGrad, ones, permute, rand, randn, tensor, zeros } from '../src/index.js';

describe('shapes are passed the same way everywhere', () => {
  test('creation functions take sizes as arguments or as one list, options after the list', () => {
    for (const f of [zeros, ones, rand, randn]) {
      expect(f(8, 20).shape).toEqual([8, 20]);
      expect(f([8, 20]).shape).toEqual([8, 20]);
      expect(f().shape).toEqual([]);
    }
    expect(randn([2, 3], { generator: new Generator(1) }).toArray()).toEqual(randn([2, 3], { generator: new Generator(1) }).toArray());
    expect(rand([2], { dtype: 'float64' }).dtype).toBe('float64');
  });
  test('permute takes dims as arguments or as one list', () => {
    const x = zeros(2, 3, 4);
    expect(x.permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(x.permute([2, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(permute(x, [1, 0, 2]).shape).toEqual([3, 2, 4]);
    expect(() => x.permute([0, 0, 1])).toThrow(ShapeError);
  });
});

describe('size() is the shape and numel() the count, as in PyTorch', () => {
  test('size(), size(dim) with negative dims, numel()', () => {
    const x = zeros(2, 3, 4);
    expect(x.size()).toEqual([2, 3, 4]);
    expect(x.size(1)).toBe(3);
    expect(x.size(-1)).toBe(4);
    expect(x.numel()).toBe(24);
    expect(zeros(0, 3).numel()).toBe(0);
    expect(tensor(5).size()).toEqual([]);
    expect(() => x.size(3)).toThrow(ShapeError);
  });
});

describe('noGrad and enableGrad take synchronous functions', () => {
  test('an async function is a ValueError, and the mode is restored', async () => {
    expect(() => noGrad(async () => 1)).toThrow('noGrad: takes a synchronous function, got one returning a promise');
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => enableGrad(async () => 1))).toThrow(/^enableGrad: takes a synchronous function/);
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(5 as never)).toThrow(ValueError);
  });
  test('synchronous functions still return their value without recording', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.toArray()).toEqual([2, 4]);
  });
});

describe('console.log prints tensors as PyTorch does', () => {
  test('util.inspect (what console.log uses) gives toString()', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(inspect(x)).toBe('tensor([1., 2., 3.], requires_grad=True)');
    expect(inspect(x.mul(2))).toBe('tensor([2., 4., 6.], grad_fn=<MulBackward>)');
    expect(inspect({ w: tensor([[1, 2]]) })).toBe('{ w: tensor([[1., 2.]]) }');
    expect(inspect(x)).not.toContain('DataBuffer');
  });
});
