// Bad arguments get typed errors, never a silently wrong tensor, a RangeError from deep inside or
// minutes of work; valid arguments behave as before. Property-based over random bad and good input.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DTypeError, Generator, IndexError, ShapeError, grad, maxThreads, setNumThreads, withBackend, TensorgradError, ValueError, arange, argmax, argmin, checkOptions, clamp, closest, expand, full, gather, linspace,
  max, min, narrow, ones, rand, randn, scatterAdd, slice, sum, tensor, zeros, type Tensor,
} from '../src/index.js';
import { tensor as anyTensor, thrownBy } from '../src/testing/index.js';
import * as T from '../src/index.js';
import { KINDS, parse, type Kind, type Param } from '../src/api/args.js';
import { SIGNATURES } from '../src/api/signatures.js';


/** `f` throws a TensorgradError of class `type` whose message starts with `op:`. */
function expectTyped(f: () => unknown, type: typeof TensorgradError, op: string): void {
  const e = thrownBy(f);
  expect(e).toBeInstanceOf(type);
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
}

const notInteger = fc.oneof(
  fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -1.5),
);

describe('indices and starts must be integers', () => {
  test('narrow and slice reject non-integer starts, lengths, ends and steps with a ValueError', () => {
    fc.assert(fc.property(notInteger, (bad) => {
      const x = tensor([10, 20, 30, 40]);
      expectTyped(() => narrow(x, 0, bad, 2), ValueError, 'narrow');
      expectTyped(() => narrow(x, 0, 1, bad), ValueError, 'narrow');
      expectTyped(() => slice(x, 0, bad), ValueError, 'slice');
      expectTyped(() => slice(x, 0, 0, bad), ValueError, 'slice');
      expectTyped(() => slice(x, 0, 0, 4, bad), ValueError, 'slice');
    }));
  });
  test('valid narrows and slices still read the same values on every path', () => {
    fc.assert(fc.property(fc.integer({ min: -4, max: 3 }), fc.integer({ min: 0, max: 4 }), (start, length) => {
      const s = start < 0 ? start + 4 : start;
      fc.pre(s + length <= 4);
      const x = tensor([10, 20, 30, 40]);
      const n = narrow(x, 0, start, length);
      expect(Array.from(n.data)).toEqual([10, 20, 30, 40].slice(s, s + length));
      expect(Array.from(n.add(0).data)).toEqual(Array.from(n.data));
    }));
  });
  test('the issue\'s case: narrow(0, 1.5, 2) used to print [20, 30] and compute [NaN, NaN]', () => {
    expect(() => tensor([10, 20, 30, 40]).narrow(0, 1.5, 2)).toThrow('narrow: start must be an integer, got 1.5');
  });
});

describe('scatterAdd checks its index, dim and shapes as gather does', () => {
  const idx = tensor([[0, 2], [1, 0]], { dtype: 'int32' });
  const src = tensor([[1, 2], [3, 4]]);
  test('indices out of range or negative are IndexErrors (ValueErrors) naming the index; a float index is a DTypeError', () => {
    for (const bad of [3, 5, -1]) {
      const e = thrownBy(() => scatterAdd([2, 3], 1, tensor([[0, bad], [1, 0]], { dtype: 'int32' }), src));
      expect(e).toBeInstanceOf(IndexError);
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toContain(`index ${bad} is out of range for dim 1 of size 3`);
    }
    expectTyped(() => scatterAdd([2, 3], 1, tensor([[0, 1.5], [1, 0]]), src), DTypeError, 'scatterAdd');
  });
  test('a dim outside the output rank is a ShapeError; a negative dim counts from the end', () => {
    expectTyped(() => scatterAdd([2, 3], 5, idx, src), ShapeError, 'scatterAdd');
    expectTyped(() => scatterAdd([2, 3], -3, idx, src), ShapeError, 'scatterAdd');
    expect(scatterAdd([2, 3], -1, idx, src).toArray()).toEqual(scatterAdd([2, 3], 1, idx, src).toArray());
  });
  test('index and src of different shapes, or not matching the output off dim, are ShapeErrors', () => {
    expectTyped(() => scatterAdd([2, 3], 1, idx, tensor([1, 2, 3, 4])), ShapeError, 'scatterAdd');
    expectTyped(() => scatterAdd([3, 3], 1, idx, src), ShapeError, 'scatterAdd');
    expectTyped(() => scatterAdd([2, -3], 1, idx, src), ShapeError, 'scatterAdd');
  });
  test('valid input: scatterAdd is the adjoint of gather, ⟨scatterAdd(i, s), y⟩ = ⟨s, gather(y, i)⟩', () => {
    const arb = fc.record({ rows: fc.integer({ min: 1, max: 4 }), size: fc.integer({ min: 1, max: 5 }), picks: fc.integer({ min: 1, max: 6 }), seed: fc.integer() })
      .chain(({ rows, size, picks, seed }) => fc.tuple(
        fc.array(fc.integer({ min: 0, max: size - 1 }), { minLength: rows * picks, maxLength: rows * picks }),
        anyTensor({ shape: [rows, picks] }), anyTensor({ shape: [rows, size] }), fc.constant({ rows, size, picks, seed })));
    fc.assert(fc.property(arb, ([ix, s, y, { rows, size, picks }]) => {
      const index = tensor(ix, { shape: [rows, picks], dtype: 'int32' });
      const lhs = sum(scatterAdd([rows, size], 1, index, s).mul(y)).item();
      const rhs = sum(s.mul(gather(y, 1, index))).item();
      expect(lhs).toBeCloseTo(rhs, 3);
    }));
  });
});

describe('reductions over zero elements without an identity raise, as in PyTorch', () => {
  test.each([['max', max], ['min', min], ['argmax', argmax], ['argmin', argmin]] as const)('%s', (name, f) => {
    expectTyped(() => (f as (x: Tensor) => Tensor)(zeros([0, 3])), ShapeError, name);
    expectTyped(() => (f as (x: Tensor, d: number) => Tensor)(zeros([2, 0]), 1), ShapeError, name);
    // Reducing a non-empty dim of an empty tensor is fine: an empty result.
    expect((f as (x: Tensor, d: number) => Tensor)(zeros([0, 3]), 1).shape).toEqual([0]);
  });
  test('sum has an identity: 0', () => {
    expect(zeros([0, 3]).sum().item()).toBe(0);
  });
});

describe('shapes are finite, non-negative integers within the element limit', () => {
  const badSize = fc.oneof(fc.integer({ max: -1 }), notInteger);
  test('creation functions reject any bad size with a ShapeError naming the op', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), badSize, fc.nat(3), (good, bad, at) => {
      const shape = [...good];
      shape.splice(Math.min(at, shape.length), 0, bad);
      for (const [name, f] of [['zeros', () => zeros(shape)], ['ones', () => ones(shape)], ['full', () => full(shape, 1)], ['rand', () => rand(shape)], ['randn', () => randn(shape)]] as const) {
        expectTyped(f, ShapeError, name);
      }
    }));
  });
  test('a shape beyond 2^31 − 1 elements is a ShapeError up front, never a RangeError or minutes of work', () => {
    expect(() => zeros([1e6, 1e6])).toThrow('zeros: shape [1000000,1000000] has 1000000000000 elements, more than the limit of 2147483647 (2^31 − 1) per tensor');
    expectTyped(() => expand(zeros([1, 1]), [1e6, 1e6]), ShapeError, 'expand');
    expectTyped(() => ones(2 ** 16, 2 ** 16), ShapeError, 'ones');
  });
  test('valid shapes make tensors of those shapes', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }), (shape) => {
      expect(zeros(shape).shape).toEqual(shape);
      expect(randn(shape).shape).toEqual(shape);
    }));
  });
  test('arange and linspace: non-finite bounds are ValueErrors, too many steps a ShapeError', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      expectTyped(() => arange(0, bad), ValueError, 'arange');
      expectTyped(() => arange(bad), ValueError, 'arange');
      expectTyped(() => arange(0, 1, bad), ValueError, 'arange');
    }
    expectTyped(() => arange(0, 1e12), ShapeError, 'arange');
    expectTyped(() => linspace(0, 1, 1e12), ShapeError, 'linspace');
    expect(arange(0, 3).toArray()).toEqual([0, 1, 2]);
  });
});

describe('options objects are checked at run time (for plain-JavaScript callers)', () => {
  test('an unknown key names the closest valid one', () => {
    expect(closest('batch_size', ['batchSize', 'shuffle'])).toBe('batchSize');
    expect(closest('requires_grad', ['dtype', 'requiresGrad'])).toBe('requiresGrad');
    expect(closest('dtyp', ['dtype', 'requiresGrad'])).toBe('dtype');
    expect(closest('zebra', ['dtype', 'requiresGrad'])).toBeUndefined();
    expect(() => zeros([2], { requires_grad: true } as never)).toThrow('zeros: unknown option "requires_grad"; did you mean requiresGrad? (valid options: dtype, requiresGrad)');
    expectTyped(() => tensor([1], { dtyp: 'float64' } as never), ValueError, 'tensor');
    expectTyped(() => randn([2], { seed: 1 } as never), ValueError, 'randn');
  });
  test('backward() and grad() check their options too (retain_graph is not silently ignored)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(x).sum().backward(undefined, { retain_graph: true } as never))
      .toThrow('backward: unknown option "retain_graph"; did you mean retainGraph? (valid options: retainGraph, createGraph)');
    expect(() => x.mul(x).sum().backward({ retainGraph: true } as never)).toThrow(/pass options second: backward\(undefined, \{ retainGraph: true \}\)/);
    expectTyped(() => grad(x.mul(x).sum(), [x], { create_graph: true } as never), ValueError, 'grad');
    expect(x.grad).toBeNull();
  });
  test('a number where the options object belongs is an error showing the object form', () => {
    expect(() => checkOptions('Adam', 0.1 as never, ['lr'], '{ lr: 0.1 }')).toThrow('Adam: expected an options object such as { lr: 0.1 }, got 0.1');
    expectTyped(() => full([2], 1, 'float64' as never), ValueError, 'full');
  });
  test('random keys: every unknown key is rejected, every known key accepted', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (key) => {
      const opts = { [key]: 'float32' } as never;
      if (key === 'dtype') expect(zeros([1], opts).dtype).toBe('float32');
      else if (key !== 'requiresGrad' && key !== '__proto__') expectTyped(() => zeros([1], opts), ValueError, 'zeros');
    }));
  });
  test('clamp takes PyTorch\'s keyword form as an object, and rejects bounds that are not numbers', () => {
    const x = tensor([-2, 0.5, 3]);
    expect(clamp(x, { min: 0 }).toArray()).toEqual([0, 0.5, 3]);
    expect(x.clamp({ max: 1 }).toArray()).toEqual([-2, 0.5, 1]);
    expect(clamp(x, { min: 0, max: 1 }).toArray()).toEqual(clamp(x, 0, 1).toArray());
    expectTyped(() => clamp(x, { lo: 0 } as never), ValueError, 'clamp');
    expectTyped(() => clamp(x, '0' as never), ValueError, 'clamp');
    expectTyped(() => clamp(x, NaN), ValueError, 'clamp');
  });
});

describe('hostile input gets typed errors, never a TypeError from inside or an unbounded run', () => {
  const run = (script: string, env: Record<string, string>) => spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    // The package imports itself by name from its built dist/ (the test script builds first).
    env: { ...process.env, ...env }, cwd: new URL('.', import.meta.url).pathname, encoding: 'utf8', timeout: 60_000,
  });
  test('setNumThreads takes whole numbers from 1 to maxThreads() (4 per core, at most a job\'s chunks)', () => {
    for (const bad of [0, -1, 1.5, NaN, 1e9, maxThreads() + 1, '2']) {
      const e = thrownBy(() => setNumThreads(bad as number));
      expect(e, String(bad)).toBeInstanceOf(ValueError);
      expect(e.message).toMatch(/^setNumThreads: expected a whole number of threads from 1 to \d+ \(4 per core/);
    }
    expect(maxThreads()).toBeLessThanOrEqual(256);
  });
  test('a bad TENSORGRAD_NUM_THREADS or TENSORGRAD_BACKEND does not break the import: the first op reports it, typed', () => {
    const script = [
      "import { zeros, setBackend, setNumThreads, TensorgradError } from '@tensorgrad/core';",
      "try { zeros([2]).add(1); console.log('no error'); } catch (e) { console.log(e instanceof TensorgradError, e.message); }",
      "setBackend('cpu'); setNumThreads(1); console.log(zeros([2]).add(1).toArray().join(','));",
    ].join('\n');
    const backend = run(script, { TENSORGRAD_BACKEND: 'nope' });
    expect(backend.stderr).toBe('');
    expect(backend.stdout).toBe('true TENSORGRAD_BACKEND: unknown backend "nope"; available at start-up: cpu, wasm\n1,1\n');
    const threads = run(script.replace("setBackend('cpu'); ", ''), { TENSORGRAD_NUM_THREADS: '100000' });
    expect(threads.stderr).toBe('');
    expect(threads.stdout).toMatch(/^true TENSORGRAD_NUM_THREADS: expected a whole number of threads from 1 to \d+ .*got 100000\n1,1\n$/);
  });
  test('the issue\'s cases: each a typed error naming the op and the argument', () => {
    const y = tensor([1, 2, 3], { requiresGrad: true }).mul(2);
    expect(thrownBy(() => tensor([[1, 2]]).gather(1, [[0], [0]] as never))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => y.backward([1, 1, 1] as never)).message).toBe("backward: the gradient must be a tensor of the output's shape [3], got an array; wrap it with tensor()");
    expect(thrownBy(() => grad(y, [5 as never])).message).toBe('grad: input 0 must be a tensor, got 5');
    expect(thrownBy(() => withBackend('cpu', 5 as never)).message).toBe('withBackend: expected a function to run, got 5');
    expect(thrownBy(() => zeros([0, 2 ** 60]).sum(0))).toBeInstanceOf(ShapeError);
    expect(thrownBy(() => tensor([1, 2]).add([1, 2, 3, 4] as never)).message).toBe('add: the second operand must be a tensor or a number, got an array [1,2,3,4]; wrap it with tensor()');
    expect(thrownBy(() => tensor([1, 2]).mul('2' as never))).toBeInstanceOf(ValueError);
    expect(thrownBy(() => tensor([1, 2]).mul(null as never))).toBeInstanceOf(ValueError);
  });
  test('Generator.setState takes only what getState gives: four words in [0, 2^32), not all zero, and a finite or NaN spare', () => {
    const g = new Generator(3);
    const state = g.getState();
    for (const bad of [[NaN, 1, 2, 3, NaN], [1e20, 1, 2, 3, NaN], [0, 0, 0, 0, NaN], [1.5, 1, 2, 3, NaN], [-(2 ** 31) - 1, 1, 2, 3, NaN], [1, 2, 3, 4, Infinity], [1, 2, 3], 'x']) {
      expect(thrownBy(() => new Generator().setState(bad as never)), JSON.stringify(bad)).toBeInstanceOf(ValueError);
    }
    const a = new Generator().setState(state), b = new Generator(3);
    expect([a.nextUint32(), a.nextUint32()]).toEqual([b.nextUint32(), b.nextUint32()]);
  });
});

describe('the argument-checking layer every public op goes through (api/)', () => {
  const x = T.tensor([[1, 2], [3, 4]]);
  // A value of each kind that passes its check, for the positions before the one under test.
  const passing: Record<Kind, unknown> = {
    tensor: x, tensorLike: x, tensorOrNull: null, tensors: [x], number: 1, int: 0, ints: [2, 2], dims: 0, pair: 2, boolean: false,
    string: 'ij', options: {}, indexLike: [0], array: [], function: () => x, any: undefined,
  };
  const wrong: unknown[] = ['a', null, true, {}, [1, 2], () => 1, 1.5, Symbol('s')];
  test('every op, every parameter: a value of the wrong kind is a ValueError naming the op and the parameter', () => {
    const ops = T as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [op, params] of Object.entries(SIGNATURES) as [string, readonly string[]][]) {
      params.forEach((p, i) => {
        const { rest, kind, optional, name } = parse(p as Param);
        if (kind === 'any') return;
        const before = params.slice(0, i).map((q) => passing[parse(q as Param).kind]);
        for (const v of wrong) {
          if (KINDS[kind].ok(v)) continue;
          const e = thrownBy(() => ops[op === 'variance' ? 'var' : op](...before, v));
          expect(e, `${op}(…, ${String(v)}) at ${name}`).toBeInstanceOf(ValueError);
          expect(e.message.startsWith(`${op === 'variance' ? 'variance' : op}: `), `${op}: ${e.message}`).toBe(true);
          expect(e.message, `${op}: ${e.message}`).toContain(rest ? `${name}[0]` : name);
        }
        if (!optional && !rest) expect(thrownBy(() => ops[op](...before)).message, `${op} without ${name}`).toContain(`missing argument ${name}`);
      });
    }
  });
  test('the methods go through it too, and errors from inside an op carry the name the user called', () => {
    expect(thrownBy(() => x.add([1, 2, 3, 4] as never)).message).toBe('add: the second operand must be a tensor or a number, got an array [1,2,3,4]; wrap it with tensor()');
    expect(thrownBy(() => x.mul('2' as never)).message).toBe('mul: the second operand must be a tensor or a number, got "2"');
    expect(thrownBy(() => T.ones(3).softmax(undefined as never)).message).toBe('softmax: missing argument dim (an integer)');
    expect(thrownBy(() => T.softmax(T.ones(3), 2)).message).toMatch(/^softmax: dim 2 is out of range/); // thrown by logSoftmax inside
    expect(thrownBy(() => T.linear(T.ones(2, 3), T.ones(4, 5))).message).toMatch(/^linear: /);
    expect(thrownBy(() => T.gelu(T.ones(2), { approximate: 'x' } as never)).message).toMatch(/^gelu: /);
    expect(thrownBy(() => T.arange(12).reshape(5, -1)).message).toBe('reshape: shape [5,-1] is invalid for input of size 12: the other dims hold 5 elements, which does not divide 12');
    const inner = thrownBy(() => T.softmax(T.ones(3), 2));
    expect((inner as Error & { cause?: Error }).cause?.message).toMatch(/^logSoftmax: /);
  });
});
