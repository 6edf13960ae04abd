// The WebAssembly SIMD backend against the reference cpu kernels: matmul in every layout on random
// shapes (odd sizes and edge tiles included), with and without threads; every SIMD elementwise op
// on contiguous, strided and broadcast views, special values included; sums over any dims; the
// fallbacks; and the committed module being what kernels.wat assembles to.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DECLINE, Generator, adamStep_, randint, backendInfo, bce, cpuBackend, wasmBackend, getBackend, getNumThreads, linear, matmul, randn, setBackend, setNumThreads, tensor,
  withBackend,
} from '../src/index.js';
import { WasmBlock } from '../src/backend/wasm/instance.js';
import { kernelChunksTakenByWorkers, readyKernelWorkers } from '../src/backend/wasm/threads.js';
import { Tensor, fromStorage } from '../src/tensor.js';
import * as arb from '../src/testing/index.js';
import { convGeometry, expectClose as compareClose, matmulLayoutTests, matmulLayouts, matmulTolerance, onCpu } from './compare.js';

afterEach(() => {
  setBackend('wasm');
});

const onWasm = <T>(fn: () => T): T => withBackend('wasm', fn);
const expectClose = (w: Tensor, c: Tensor, tol: (i: number) => number): void => compareClose(w, c, tol, 'wasm');
const exact = (): number => 0;
/** Within `n` float32 ulps of the reference value at element i. */
const ulps = (ref: Tensor, n: number) => {
  const r = ref.data;
  return (i: number): number => n * 2 ** (Math.floor(Math.log2(Math.max(Math.abs(r[i]), 2 ** -126))) - 23);
};
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

test('wasm is the default backend where WebAssembly SIMD runs', () => {
  expect(backendInfo()).toMatchObject({ name: 'wasm', simd: true, sharedMemory: true });
});

test('the committed module is what kernels.wat assembles to', async () => {
  const script = '../scripts/assemble-wasm.mjs'; // a build script (plain JS): imported by a non-literal path
  const { assemble } = (await import(script)) as { assemble: () => Promise<string> };
  const committed = readFileSync(new URL('../src/backend/wasm/module.generated.ts', import.meta.url), 'utf8');
  expect(committed === (await assemble()), 'run `node packages/core/scripts/assemble-wasm.mjs`').toBe(true);
});

describe('wasm matmul equals the reference within the float32 summation bound', () => {
  const side = fc.integer({ min: 1, max: 150 });
  matmulLayoutTests('wasm', 150, 30);
  test('every matmulPair shape (vectors, broadcast batch dims) and linear with a bias', () => {
    fc.assert(
      fc.property(arb.matmulPair({ maxSide: 12, dtype: 'float32' }), ([a, b]) => {
        expectClose(onWasm(() => matmul(a, b)), onCpu(() => matmul(a, b)), matmulTolerance(a, b));
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(side, side, side, seed, (m, k, n, s) => {
        const g = new Generator(s);
        const x = randn([m, k], { generator: g }), w = randn([n, k], { generator: g }), b = randn([n], { generator: g });
        // The bias is added to the rounded product, exactly as matmul then add on the same backend.
        expect(onWasm(() => linear(x, w, b)).data).toEqual(onWasm(() => matmul(x, w.T).add(b)).data);
        const tol = matmulTolerance(x, w.T);
        expectClose(onWasm(() => linear(x, w, b)), onCpu(() => linear(x, w, b)), (i) => tol(i) + 2 ** -23 * 8);
      }),
      { numRuns: 20 },
    );
  });

  test('threads give bit-identical results to one thread (large, odd shapes, all layouts)', async () => {
    const before = getNumThreads();
    const cases = fc.sample(
      // large enough (m·k·n ≥ 2²²) that the product is split over the threads
      fc.tuple(fc.integer({ min: 129, max: 200 }), fc.integer({ min: 201, max: 300 }), fc.integer({ min: 161, max: 200 }), fc.boolean(), fc.boolean(), seed),
      { seed: 7, numRuns: 8 },
    ).map(([m, k, n, ta, tb, s]) => {
      const g = new Generator(s);
      return [ta ? randn([k, m], { generator: g }).T : randn([m, k], { generator: g }), tb ? randn([n, k], { generator: g }).T : randn([k, n], { generator: g })];
    });
    try {
      setNumThreads(1);
      const single = cases.map(([a, b]) => onWasm(() => matmul(a, b)).data);
      setNumThreads(3);
      onWasm(() => matmul(randn([128, 256]), randn([256, 128]))); // large enough to start the pool
      for (let i = 0; i < 1000 && readyKernelWorkers() < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(readyKernelWorkers()).toBe(2);
      // Which thread takes which chunk varies from call to call: repeat until workers have taken
      // chunks of every case (each call compared), so the comparison is never vacuous.
      for (const [i, [a, b]] of cases.entries()) {
        for (let attempt = 0; attempt < 50; attempt++) {
          const taken = kernelChunksTakenByWorkers();
          expect(onWasm(() => matmul(a, b)).data).toEqual(single[i]);
          if (kernelChunksTakenByWorkers() > taken) break;
        }
      }
      expect(kernelChunksTakenByWorkers()).toBeGreaterThanOrEqual(cases.length);
    } finally {
      setNumThreads(before);
    }
  });
});

/** Values that exercise every branch: signed zeros, subnormals, huge, infinite, NaN. */
const special = [0, -0, 1e-45, -1e-45, 1e-39, 1e-30, -1e-30, 0.5, 1, -1, 2, 88, 89, -87, -104, -110, 1e30, -1e30, 3e38, Infinity, -Infinity, NaN];
const valuesWithSpecials = (size: number) =>
  fc.array(fc.oneof(fc.float({ noDefaultInfinity: false }), fc.constantFrom(...special), fc.double({ min: -30, max: 30, noNaN: true })), { minLength: size, maxLength: size });

/** A random float32 tensor, sometimes a strided view (transposed or sliced) of a larger one. */
const anyLayout = fc.tuple(arb.shape({ minRank: 1, maxRank: 3, maxSide: 9 }), fc.constantFrom('plain', 'transposed', 'sliced')).chain(([shape, layout]) => {
  const base = layout === 'sliced' ? [...shape.slice(0, -1), shape[shape.length - 1] * 2] : layout === 'transposed' ? [...shape].reverse() : shape;
  return valuesWithSpecials(base.reduce((a, b) => a * b, 1)).map((v) => {
    const t = tensor(v, { shape: base });
    return layout === 'sliced' ? t.slice(-1, 0, undefined, 2) : layout === 'transposed' ? t.T : t;
  });
});

describe('wasm elementwise kernels equal the reference', () => {
  test.each(['neg', 'abs', 'sqrt', 'relu', 'sign'] as const)('%s: bit for bit, on any layout and special values', (op) => {
    // `sign` has no method (abs's gradient uses it): call the kernel.
    const f = (x: Tensor): Tensor => fromStorage(getBackend().unary(op, x), x.shape);
    fc.assert(fc.property(anyLayout, (x) => expectClose(onWasm(() => f(x)), onCpu(() => f(x)), exact)));
  });
  test.each(['exp', 'log', 'sigmoid'] as const)('%s: within 2 ulps (0 and ±∞ and NaN exact), on any layout and special values', (op) => {
    fc.assert(
      fc.property(anyLayout, (x) => {
        const ref = onCpu(() => x[op]());
        expectClose(onWasm(() => x[op]()), ref, ulps(ref, 2));
      }),
      { numRuns: 200 },
    );
  });
  test('exp and log over every binade of float32 (dense sweeps), within 2 ulps', () => {
    const xs = Array.from({ length: 20001 }, (_, i) => -104 + (i * (89 + 104)) / 20000);
    const ys = Array.from({ length: 20001 }, (_, i) => 2 ** (-149 + (i * 277) / 20000));
    for (const [op, v] of [['exp', xs], ['log', ys], ['sigmoid', xs]] as const) {
      const x = tensor(v);
      const ref = onCpu(() => x[op]());
      expectClose(onWasm(() => x[op]()), ref, ulps(ref, 2));
    }
  });
  test('clamp: bit for bit, one- and two-sided, signed zeros and NaN kept as the reference does', () => {
    fc.assert(
      fc.property(anyLayout, fc.option(fc.double({ min: -5, max: 5, noNaN: true })), fc.option(fc.double({ min: -5, max: 5, noNaN: true })), (x, lo, h) => {
        fc.pre(lo !== null || h !== null);
        const hi = lo !== null && h !== null && h < lo ? lo : h;
        expectClose(onWasm(() => x.clamp(lo, hi)), onCpu(() => x.clamp(lo, hi)), exact);
      }),
    );
  });
  test.each(['add', 'sub', 'mul', 'div', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const)('%s: bit for bit with broadcasting on strided views', (op) => {
    fc.assert(
      fc.property(arb.broadcastablePair({ dtype: 'float32', maxRank: 4, maxSide: 6 }), fc.boolean(), ([a, b], transpose) => {
        const x = transpose && a.ndim >= 2 ? a.transpose(0, -1).contiguous().transpose(0, -1) : a;
        expectClose(onWasm(() => x[op](b)), onCpu(() => x[op](b)), exact);
      }),
    );
  });
  test('bce and its derivative: within a few ulps of the reference, broadcast, at 0, 1 and NaN too', () => {
    const prob = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 1e-30, 1 - 2 ** -24, NaN));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), seed, (n, rows, rowTarget, s) => {
        const g = new Generator(s);
        const p = tensor(fc.sample(prob, { seed: s, numRuns: rows * n }), { shape: [rows, n] });
        // Targets: hard 0/1 or soft, full or one row broadcast over p's rows.
        const t = randn([rowTarget ? 1 : rows, n], { generator: g }).sigmoid().mul(randn([1], { generator: g }).gt(0)).add(randn([1], { generator: g }).gt(0.5)).clamp(0, 1);
        const loss = (): Tensor => bce(p, t);
        // The derivative in p, through the backward kernel (the sum's gradient is exactly 1).
        const slope = (): Tensor => {
          const q = p.detach().requiresGrad_();
          bce(q, t).sum().backward();
          return q.grad!;
        };
        for (const f of [loss, slope]) {
          const ref = onCpu(f);
          // float32 steps (two logs, products, a sum) against one rounding of the double formula
          expectClose(onWasm(f), ref, (i) => 2 ** -19 * (Math.abs(ref.data[i]) + 1));
        }
      }),
      { numRuns: 100 },
    );
  });
  test('sigmoidGrad and reluGrad (the backward kernels of sigmoid and relu) on any layout and special values', () => {
    fc.assert(
      fc.property(anyLayout, (g) => {
        const y = onCpu(() => g.mul(0.37).sigmoid()), x = onCpu(() => g.mul(-1.5).add(0.25));
        const f = (op: 'sigmoidBackward' | 'thresholdBackward', b: Tensor) => (): Tensor => fromStorage(getBackend().binary(op, g, b, g.shape), g.shape);
        // reluGrad selects, bit for bit; sigmoidGrad rounds each of its 3 float32 steps where the reference rounds once
        expectClose(onWasm(f('thresholdBackward', x)), onCpu(f('thresholdBackward', x)), exact);
        const ref = onCpu(f('sigmoidBackward', y));
        expectClose(onWasm(f('sigmoidBackward', y)), ref, ulps(ref, 3));
      }),
    );
  });
  test('comparisons on ties, signed zeros, infinities and NaN give the reference 0/1', () => {
    const few = fc.constantFrom(-1, -0, 0, 1, 2, Infinity, -Infinity, NaN);
    fc.assert(
      fc.property(fc.array(few, { minLength: 1, maxLength: 40 }), fc.array(few, { minLength: 1, maxLength: 40 }), (u, w) => {
        const n = Math.min(u.length, w.length);
        const a = tensor(u.slice(0, n)), b = tensor(w.slice(0, n));
        for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) expectClose(onWasm(() => a[op](b)), onCpu(() => a[op](b)), exact);
      }),
    );
  });
  test('a bias row and a column broadcast over a large matrix, and a scalar on either side', () => {
    const g = new Generator(3);
    const x = randn([130, 77], { generator: g }), row = randn([77], { generator: g }), col = randn([130, 1], { generator: g });
    for (const f of [(t: Tensor) => t.add(row), (t: Tensor) => t.mul(col), (t: Tensor) => t.div(3), (t: Tensor) => tensor(2).sub(t)]) {
      expectClose(onWasm(() => f(x)), onCpu(() => f(x)), exact);
    }
  });
});

test('exp, log, sigmoid, division and binary cross-entropy (both ways) shared out over threads give bit-identical results to one thread', async () => {
  const before = getNumThreads();
  // Long enough (≥ 2¹⁶) to be split, an odd length (a short last chunk), special values throughout.
  const n = (1 << 17) + 3, g = new Generator(11);
  const values = randn([n], { generator: g }).mul(30).mutableData();
  for (let i = 0; i < values.length; i += 97) values[i] = special[(i / 97) % special.length];
  const x = tensor(values), y = randn([n], { generator: g });
  // Probabilities and targets for the cross-entropy kernels (as the sigmoid then bce of a VAE's decoder).
  const p = randn([n], { generator: g }).sigmoid(), t = randn([n], { generator: g }).sigmoid();
  const view = (a: Tensor) => ({ buffer: a.buffer, shape: a.shape, strides: a.strides, offset: a.offset });
  const ops: [string, () => ArrayLike<number>][] = [
    ...(['exp', 'log', 'sigmoid'] as const).map((op): [string, () => ArrayLike<number>] => [op, () => onWasm(() => x[op]()).data]),
    ['div', () => onWasm(() => x.div(y)).data],
    ['div by a scalar', () => onWasm(() => tensor(3).div(x)).data],
    ['binaryCrossEntropy', () => wasmBackend.binary('binaryCrossEntropy', view(p), view(t), [n]) as Float32Array],
    ['binaryCrossEntropyBackward', () => wasmBackend.binary('binaryCrossEntropyBackward', view(p), view(t), [n]) as Float32Array],
  ];
  try {
    setNumThreads(1);
    const single = ops.map(([, run]) => run());
    setNumThreads(3);
    onWasm(() => x.exp()); // starts the pool
    for (let i = 0; i < 1000 && readyKernelWorkers() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(readyKernelWorkers()).toBe(2);
    for (const [i, [op, run]] of ops.entries()) {
      const start = kernelChunksTakenByWorkers();
      for (let attempt = 0; attempt < 50 && kernelChunksTakenByWorkers() === start; attempt++) {
        expect(firstDifference([run()], [single[i]]), op).toBeNull();
      }
      expect(kernelChunksTakenByWorkers(), `workers took no chunk of ${op}`).toBeGreaterThan(start);
    }
  } finally {
    setNumThreads(before);
  }
});

describe('wasm Adam equals the reference', () => {
  test('Adam, AdamW and AMSGrad steps on random parameters, gradients and moments, within float32 rounding', () => {
    const hyper = fc.record({
      lr: fc.double({ min: 1e-5, max: 0.5, noNaN: true }), beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
      beta2: fc.double({ min: 0.5, max: 0.9999, noNaN: true }), eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
      weightDecay: fc.constantFrom(0, 0.01, 0.5), decoupled: fc.boolean(), step: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), hyper, fc.boolean(), seed, (n, h, amsgrad, s) => {
        const g = new Generator(s);
        const make = () => [randn([n], { generator: g }), randn([n], { generator: g }), randn([n], { generator: g }), randn([n], { generator: g }).abs(), randn([n], { generator: g }).abs()];
        const init = make();
        const run = (backend: string) => {
          const [p, gr, m, v, vmax] = init.map((t) => t.clone());
          withBackend(backend, () => adamStep_(p, gr, m, v, amsgrad ? vmax : null, h));
          return [p, m, v, vmax];
        };
        const [wasm, cpu] = [run('wasm'), run('cpu')];
        // The kernel rounds each of its ~8 operations to float32 where the reference keeps
        // doubles: each result within a few ulps of its largest term.
        const scale = (i: number) => Math.abs(init[0].data[i]) + Math.abs(cpu[0].data[i] - init[0].data[i]) + Math.abs(init[1].data[i]);
        expectClose(wasm[0], cpu[0], (i) => 2 ** -20 * scale(i));
        for (const k of [1, 2, 3]) expectClose(wasm[k], cpu[k], (i) => 2 ** -21 * (Math.abs(cpu[k].data[i]) + init[1].data[i] ** 2 + Math.abs(init[1].data[i])));
      }),
      { numRuns: 200 },
    );
  });
});

describe('wasm Adam keeps the parameter and its moments resident', () => {
  test('after the first step they live in the module\'s memory only, are updated there, and read back right', () => {
    const n = 1000, g = new Generator(3);
    const [p, m, v] = [randn([n], { generator: g }), randn([n], { generator: g }).mul(0), randn([n], { generator: g }).mul(0)];
    const [cp, cm, cv] = [p.clone(), m.clone(), v.clone()];
    const grads = [0, 1, 2].map(() => randn([n], { generator: g }));
    grads.forEach((gr, i) => {
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: i + 1 };
      withBackend('wasm', () => adamStep_(p, gr, m, v, null, h));
      withBackend('cpu', () => adamStep_(cp, gr, cm, cv, null, h));
      // No copy back to the CPU between steps: the host copy is dropped, the block updated in place.
      for (const t of [p, m, v]) expect([t.buffer.onHost, t.buffer.device instanceof WasmBlock]).toEqual([false, true]);
    });
    expectClose(p, cp, (i) => 2 ** -18 * (1 + Math.abs(cp.data[i])));
    // m sums gradients of either sign: its float32 rounding is relative to the gradients (~1), not to m.
    expectClose(m, cm, () => 1e-6);
    // Writing from the CPU drops the resident copy (no stale device data).
    p.mutableData()[0] = 42;
    expect([p.buffer.device, p.data[0]]).toEqual([null, 42]);
  });
});

describe("tensors moved with to('wasm') are read where they are", () => {
  /**
   * `t` (any view) over a resident copy of its whole storage behind 3 other values: same shape and
   * strides, the offset 3 further (so every view has one).
   */
  const resident = (t: Tensor): Tensor => {
    const whole = fromStorage(Float32Array.of(NaN, 7, -7, ...t.buffer.host), [t.buffer.length + 3]).to('wasm');
    expect([whole.device, whole.buffer.onHost]).toEqual(['wasm', false]);
    return new Tensor(whole.buffer, t.shape, t.strides, t.offset + 3);
  };
  test('elementwise ops, broadcasts and sums of resident views give what host operands give, bit for bit', () => {
    const ops: ((x: Tensor, y: Tensor) => Tensor)[] = [
      (x) => x.exp(), (x) => x.relu(), (x) => x.clamp(-1, 1), (x, y) => x.add(y), (x, y) => y.mul(x.sum(-1, true)), (x, y) => x.sub(y.narrow(-1, 0, 1)), (x) => x.sum(),
    ];
    fc.assert(
      fc.property(anyLayout, anyLayout, fc.integer({ min: 0, max: ops.length - 1 }), (x, y0, op) => {
        const y = fromStorage(y0.contiguous().data.slice(0, 1), []).expand(x.shape);
        const f = ops[op];
        expectClose(onWasm(() => f(resident(x), resident(y))), onWasm(() => f(x, y)), exact);
      }),
      { numRuns: 200 },
    );
  });
  test('matmul in every layout autodiff produces, and linear with a resident bias', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), seed, (m, k, n, s) => {
        for (const make of Object.values(matmulLayouts)) {
          const [a, b] = make(m, k, n, new Generator(s));
          expect(onWasm(() => matmul(resident(a), resident(b))).data).toEqual(onWasm(() => matmul(a, b)).data);
        }
        const g = new Generator(s);
        const x = randn([m, k], { generator: g }), w = randn([n, k], { generator: g }), bias = randn([n], { generator: g });
        expect(onWasm(() => linear(resident(x), resident(w), resident(bias))).data).toEqual(onWasm(() => linear(x, w, bias)).data);
      }),
      { numRuns: 25 },
    );
  });
  test('a strided view is placed compacted; back on the host with to(\'cpu\'); the gradient passes through', () => {
    const x = randn([5, 7], { generator: new Generator(4) }).requiresGrad_();
    const view = x.T.slice(0, 1, undefined, 2);
    const placed = view.to('wasm');
    expect([placed.device, placed.isContiguous(), placed.to('wasm')]).toEqual(['wasm', true, placed]);
    expect(placed.data).toEqual(view.contiguous().data);
    const back = placed.to('cpu');
    expect([back.device, back.buffer.device]).toEqual(['cpu', null]);
    expect(back.data).toEqual(view.contiguous().data);
    onWasm(() => back.mul(3).sum().backward());
    // view = columns 1, 3, 5 of x: each of those elements gets 3, the others 0
    expect(Array.from(x.grad?.data ?? [])).toEqual(Array.from({ length: 35 }, (_, i) => ((i % 7) % 2 === 1 ? 3 : 0)));
  });
  test('what wasm memory does not hold (float64) stays on the host, where its kernels read it', () => {
    const x = randn([3, 4], { dtype: 'float64' });
    const placed = x.to('wasm');
    expect([placed.device, placed.dtype]).toEqual(['cpu', 'float64']);
    expect(placed.data).toEqual(x.data);
  });
});

describe('wasm sums equal the reference', () => {
  test('over any set of dims of any layout, within the float64 rounding of the result', () => {
    fc.assert(
      fc.property(
        arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 4, maxSide: 7 }), dtype: 'float32' }).chain((x) => fc.tuple(fc.constant(x), fc.subarray([...x.shape.keys()]), fc.boolean())),
        ([x0, dims, transpose]) => {
          const x = transpose && x0.ndim >= 2 ? x0.transpose(0, -1) : x0;
          const ref = onCpu(() => x.sum(dims, true));
          // Both accumulate in float64 and differ only in summation order: at most n·2⁻⁵³·Σ|x|
          // apart before the result's own rounding to float32 (one ulp).
          const mass = onCpu(() => x.abs().sum(dims, true)).data, oneUlp = ulps(ref, 1);
          expectClose(onWasm(() => x.sum(dims, true)), ref, (i) => oneUlp(i) + x.numel() * 2 ** -53 * mass[i]);
        },
      ),
      { numRuns: 200 },
    );
  });
  test('a million 0.1s keep their digits (float64 accumulation)', () => {
    const x = tensor(new Float32Array(1_000_001).fill(0.1));
    expect(onWasm(() => x.sum()).item()).toBe(onCpu(() => x.sum()).item());
    expect(onWasm(() => x.narrow(0, 0, 1_000_000).reshape(1000, 1000).sum(0).sum()).item()).toBeCloseTo(Math.fround(0.1) * 1_000_000, 1);
  });
});

describe('what the wasm backend leaves to the reference kernels', () => {
  test('float64 tensors and the ops without SIMD kernels give the reference results bit for bit', () => {
    const g = new Generator(5);
    const a = randn([9, 7], { generator: g, dtype: 'float64' }), b = randn([7, 5], { generator: g, dtype: 'float64' });
    expect(onWasm(() => matmul(a, b).exp().sum(0)).data).toEqual(onCpu(() => matmul(a, b).exp().sum(0)).data);
    const x = randn([6, 5], { generator: g });
    for (const f of [(t: Tensor) => t.tanh(), (t: Tensor) => t.softplus(), (t: Tensor) => t.pow(2), (t: Tensor) => t.max(1), (t: Tensor) => t.argmax(0), (t: Tensor) => t.maximum(0), (t: Tensor) => t.gt(0)]) {
      expect(onWasm(() => f(x)).data).toEqual(onCpu(() => f(x)).data);
    }
  });
});

/**
 * Where two lists of arrays first differ — [array, index, ours, theirs] — or null when they are
 * equal element for element (NaNs equal, −0 ≠ 0): a failure message of one line, where a deep
 * equality of hundreds of thousands of numbers would spend minutes printing its diff.
 */
const firstDifference = (a: ArrayLike<number>[], b: ArrayLike<number>[]): [number, number, number, number] | null => {
  for (let t = 0; t < Math.max(a.length, b.length); t++) {
    if (a[t]?.length !== b[t]?.length) return [t, -1, a[t]?.length ?? -1, b[t]?.length ?? -1];
    for (let i = 0; i < a[t].length; i++) if (!Object.is(a[t][i], b[t][i])) return [t, i, a[t][i], b[t][i]];
  }
  return null;
};

/**
 * Runs `check` (a kernel call and its comparison) on two threads: once to start the pool, then
 * again until a worker has taken a chunk, so the comparison is never of one thread alone.
 */
const onWorkers = async (check: () => void): Promise<void> => {
  const before = getNumThreads();
  try {
    setNumThreads(2);
    check(); // starts the pool
    for (let i = 0; i < 1000 && readyKernelWorkers() < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const taken = kernelChunksTakenByWorkers();
    for (let attempt = 0; attempt < 50 && kernelChunksTakenByWorkers() === taken; attempt++) check();
    expect(kernelChunksTakenByWorkers()).toBeGreaterThan(taken);
  } finally {
    setNumThreads(before);
  }
};

describe('wasm convolution kernels equal the reference (random shapes, strides, paddings, dilations, groups, odd sizes)', () => {
  // Batches up to 19: whole and partial groups of 8 images (the forward's implicit gemm packs 8 images a panel).
  const geometry = convGeometry({ n: 19, groups: 3, perGroup: 3, side: 11, kernel: 4, stride: 3, padding: 2 });
  test('conv2d, its input gradient and its weight gradient, computed by the wasm kernels themselves', () => {
    fc.assert(fc.property(geometry, (g) => {
      const gen = new Generator(g.seed);
      const c = g.groups * g.cpg, cout = g.groups * g.opg;
      const oh = Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1, ow = Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
      const win = { h: g.h, w: g.w, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, dh: g.dh, dw: g.dw, oh, ow };
      const x = randn([g.n, c, g.h, g.w], { generator: gen }), w = randn([cout, g.cpg * g.kh * g.kw], { generator: gen });
      const b = randn([cout], { generator: gen }), grad = randn([g.n, cout, oh * ow], { generator: gen });
      const kernels = [
        ['conv2d', (k: typeof cpuBackend) => k.conv2d(x, w, b, win, g.groups), [g.n, cout, oh * ow], g.cpg * g.kh * g.kw + 1],
        ['input grad', (k: typeof cpuBackend) => k.conv2dInputGrad(grad, w, win, g.groups, c), [g.n, c, g.h, g.w], g.opg * g.kh * g.kw],
        ['weight grad', (k: typeof cpuBackend) => k.conv2dWeightGrad(grad, x, win, g.groups), [cout, g.cpg * g.kh * g.kw], g.n * oh * ow],
      ] as const;
      for (const [name, run, shape, terms] of kernels) {
        const ours = run(wasmBackend), ref = fromStorage(run(cpuBackend), shape);
        expect(ours, `${name}: the wasm kernel took the call`).not.toBe(DECLINE);
        const got = fromStorage(ours as Float32Array, shape);
        // Float32 sums of `terms` products of N(0, 1) values, against the reference's float64 sums.
        expectClose(got, ref, () => 1e-5 * terms + 1e-5);
      }
    }), { numRuns: 60 });
  });

  test('conv2d and both its gradients shared out over the threads equal one thread, bit for bit (groups, a partial group of 8 images)', async () => {
    const gen = new Generator(5);
    const x = randn([21, 8, 26, 26], { generator: gen }), w = randn([24, 4 * 9], { generator: gen }), b = randn([24], { generator: gen });
    const grad = randn([21, 24, 26 * 26], { generator: gen });
    const win = { h: 26, w: 26, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, oh: 26, ow: 26 };
    const both = (): Float32Array[] => [
      wasmBackend.conv2d(x, w, b, win, 2) as Float32Array, wasmBackend.conv2dInputGrad(grad, w, win, 2, 8) as Float32Array,
      wasmBackend.conv2dWeightGrad(grad, x, win, 2) as Float32Array,
    ];
    const one = both();
    await onWorkers(() => {
      expect(firstDifference(both(), one)).toBeNull();
    });
  });
});

describe('wasm pooling and index kernels equal the reference bit for bit', () => {
  // Sides up to 23 so rows hold runs of four inside windows (the vector path) and edge windows
  // (the scalar one); strides 1, 2 and 3 take the three ways the vector path loads a tap.
  const geometry = convGeometry({ n: 3, groups: 1, perGroup: 4, side: 23, kernel: 4, stride: 3, padding: 2 })
    .filter((g) => g.ph <= Math.floor(g.kh / 2) && g.pw <= Math.floor(g.kw / 2));
  /** Small integers (ties), with NaN and −∞ sprinkled in: the cases the first-maximum rule decides. */
  const values = (n: number, gen: Generator): Float32Array => {
    const u = randn([n], { generator: gen }).data as Float32Array;
    return Float32Array.from(u, (v) => (v > 2.2 ? NaN : v < -2.2 ? -Infinity : Math.round(v * 2)));
  };
  const planes = (g: { n: number; cpg: number; h: number; w: number; seed: number }, gen: Generator) =>
    fromStorage(values(g.n * g.cpg * g.h * g.w, gen), [g.n, g.cpg, g.h, g.w]);
  const windowsOf = (g: { h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }) => {
    const oh = Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1, ow = Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
    return { h: g.h, w: g.w, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, dh: g.dh, dw: g.dw, oh, ow };
  };
  const same = (a: unknown, b: unknown, what: string): void => {
    expect(a, `${what}: the wasm kernel took the call`).not.toBe(DECLINE);
    expect(firstDifference([a as ArrayLike<number>], [b as ArrayLike<number>]), what).toBeNull();
  };

  test('maxPool: the same maxima and positions (ties, NaN, −∞, padding, dilation)', () => {
    fc.assert(fc.property(geometry, (g) => {
      const x = planes(g, new Generator(g.seed)), win = windowsOf(g);
      const ours = wasmBackend.maxPool(x, win), ref = cpuBackend.maxPool(x, win);
      expect(ours).not.toBe(DECLINE);
      const { values: v, indices: i } = ours as { values: Float32Array; indices: Int32Array };
      same(i, ref.indices, 'indices');
      same(v, ref.values, 'values');
    }), { numRuns: 150 });
  });

  test('maxPool: windows two columns wide and two apart (the paired-load path), with ties, NaN and −∞', () => {
    fc.assert(fc.property(geometry, (g) => {
      const x = planes(g, new Generator(g.seed)), win = { ...windowsOf({ ...g, kw: 2, sw: 2, dw: 1, pw: Math.min(g.pw, 1) }) };
      const ours = wasmBackend.maxPool(x, win), ref = cpuBackend.maxPool(x, win);
      const { values: v, indices: i } = ours as { values: Float32Array; indices: Int32Array };
      same(i, ref.indices, 'indices');
      same(v, ref.values, 'values');
    }), { numRuns: 60 });
  });

  test('maxPool shared out over the threads equals one thread', async () => {
    const x = fromStorage(values(64 * 16 * 26 * 26, new Generator(3)), [64, 16, 26, 26]);
    const win = windowsOf({ h: 26, w: 26, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 });
    const ref = cpuBackend.maxPool(x, win);
    await onWorkers(() => {
      const ours = wasmBackend.maxPool(x, win) as { values: Float32Array; indices: Int32Array };
      same(ours.indices, ref.indices, 'indices');
      same(ours.values, ref.values, 'values');
    });
  });

  test('scatterAdd shared out over the threads by rows equals the reference', async () => {
    const g = new Generator(11);
    const rows = 2048, size = 676, len = 169;
    const index = randint(0, size, [rows, len], { generator: g }), src = randn([rows, len], { generator: g });
    const ref = cpuBackend.scatterAdd([rows, size], 'float32', 1, index, src);
    await onWorkers(() => same(wasmBackend.scatterAdd([rows, size], 'float32', 1, index, src), ref, 'scatterAdd'));
  });

  test('gather and scatterAdd along the last dim (repeated positions add in order)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), seed, (rows, size, len, s) => {
      const gen = new Generator(s);
      const x = randn([rows, size], { generator: gen });
      const index = randint(0, size, [rows, len], { generator: gen });
      const src = randn([rows, len], { generator: gen });
      same(wasmBackend.gather(x, 1, index), cpuBackend.gather(x, 1, index), 'gather');
      same(wasmBackend.scatterAdd([rows, size], 'float32', 1, index, src), cpuBackend.scatterAdd([rows, size], 'float32', 1, index, src), 'scatterAdd');
    }), { numRuns: 100 });
  });
});

