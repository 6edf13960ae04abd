// Kernels against naive references written the obvious way, on random shapes that include
// size-1, odd and large sizes, and on strided (transposed, expanded, sliced) inputs. The `gpu`
// test project runs this file again on the gpu.js backend; where the two differ in precision
// (the GPU sums matmuls in float32), the tolerance says so.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { add, broadcastShapes, getBackend, getNumThreads, linear, matmul, mul, setBackend, setNumThreads, tensor, type Tensor } from '../src/index.js';
import { readyWorkers } from '../src/backend/cpu/threads.js';
import * as arb from '../src/testing/index.js';

/** Element at a multi-index, read through shape/strides/offset (the definition of a view). */
function at(t: Tensor, idx: readonly number[]): number {
  return t.storage[t.offset + idx.reduce((o, v, i) => o + v * t.strides[i], 0)];
}

function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx: number[] = [];
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    yield idx;
  }
}

/** Triple-loop matmul of two 2-D tensors, read element by element (of |a|·|b| with `abs`). */
function naiveMatmul(a: Tensor, b: Tensor, abs = false): number[][] {
  const [m, k] = a.shape, n = b.shape[1];
  const f = abs ? Math.abs : (v: number) => v;
  return Array.from({ length: m }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let p = 0; p < k; p++) s += f(at(a, [i, p])) * f(at(b, [p, j]));
      return s;
    }),
  );
}

/**
 * The CPU backend accumulates in float64, so only the output's rounding shows; the GPU sums in
 * float32, whose error is bounded by k·u·Σ|a·b| (u = 2⁻²⁴) — that bound is added for it.
 */
function expectMatmulClose(a: Tensor, b: Tensor): void {
  const out = matmul(a, b).data, ref = naiveMatmul(a, b).flat();
  const bound = getBackend().name === 'cpu' ? null : naiveMatmul(a, b, true).flat();
  const k = a.shape[1];
  ref.forEach((e, i) => {
    const tol = 1e-6 * (1 + Math.abs(e)) + (bound === null ? 0 : 2 * (k + 2) * 2 ** -24 * bound[i]);
    if (Math.abs(out[i] - e) > tol) expect.fail(`element ${i}: ${out[i]} vs expected ${e} (tol ${tol})`);
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (Math.abs(actual[i] - e) > tol * (1 + Math.abs(e))) {
      expect.fail(`element ${i}: ${actual[i]} vs expected ${e} (tol ${tol})`);
    }
  }
}

const dims = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 70 }));

describe('matmul kernel vs the triple loop', () => {
  test.each([
    ['A·B', false, false],
    ['A·Bᵀ', false, true],
    ['Aᵀ·B', true, false],
    ['Aᵀ·Bᵀ', true, true],
  ])('%s, float32, sizes 1…70', (_, ta, tb) => {
    fc.assert(
      fc.property(dims, dims, dims, fc.integer(), (m, k, n, seed) => {
        const rnd = (r: number, c: number) => arb.tensorOfShape([r, c], { dtype: 'float32' });
        const [a0, b0] = fc.sample(fc.tuple(rnd(ta ? k : m, ta ? m : k), rnd(tb ? n : k, tb ? k : n)), { seed, numRuns: 1 })[0];
        const a = ta ? a0.T : a0;
        const b = tb ? b0.T : b0;
        expectMatmulClose(a, b);
      }),
      { numRuns: 25 },
    );
  });

  test('a large product: 128×784 · 784×400 (the VAE encoder shape)', () => {
    const [a, b] = fc.sample(fc.tuple(arb.tensorOfShape([128, 784], { dtype: 'float32' }), arb.tensorOfShape([784, 400], { dtype: 'float32' })), { seed: 7, numRuns: 1 })[0];
    const out = matmul(a, b.T.contiguous().T); // B as a transposed view: the Wᵀ layout of Linear
    for (const [i, j] of [[0, 0], [127, 399], [64, 200], [5, 391]]) {
      let ref = 0;
      for (let p = 0; p < 784; p++) ref += at(a, [i, p]) * at(b, [p, j]);
      expect(at(out, [i, j])).toBeCloseTo(ref, 3);
    }
  });

  test('worker threads give bit-identical results to one thread (large, odd shapes, all layouts)', async () => {
    const before = getNumThreads(), backend = getBackend().name;
    setBackend('cpu'); // worker threads are the CPU backend's
    const cases = fc.sample(
      fc.tuple(fc.integer({ min: 8, max: 150 }), fc.integer({ min: 100, max: 300 }), fc.integer({ min: 40, max: 120 }), fc.boolean(), fc.boolean())
        .chain(([m, k, n, ta, tb]) => fc.tuple(
          arb.tensorOfShape(ta ? [k, m] : [m, k], { dtype: 'float32' }).map((a) => (ta ? a.T : a)),
          arb.tensorOfShape(tb ? [n, k] : [k, n], { dtype: 'float32' }).map((b) => (tb ? b.T : b)),
        )),
      { seed: 11, numRuns: 8 },
    );
    try {
      setNumThreads(1);
      const single = cases.map(([a, b]) => matmul(a, b).data);
      setNumThreads(3);
      matmul(cases[0][0], cases[0][1]); // starts the pool
      // Workers join asynchronously: wait until they have, so the products below really use them.
      for (let i = 0; i < 1000 && readyWorkers() < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(readyWorkers()).toBe(2);
      cases.forEach(([a, b], i) => expect(matmul(a, b).data).toEqual(single[i]));
    } finally {
      setNumThreads(before);
      setBackend(backend);
    }
  });

  test('linear equals matmul then add, to the last bit on cpu and wasm (the bias epilogue rounds as the add does)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 }), fc.integer(), (m, k, n, lead, seed) => {
        const shape = [...[2, 3].slice(0, lead), m, k];
        const [x, w, b] = fc.sample(fc.tuple(arb.tensorOfShape(shape, { dtype: 'float32' }), arb.tensorOfShape([n, k], { dtype: 'float32' }), arb.tensorOfShape([n], { dtype: 'float32' })), { seed, numRuns: 1 })[0];
        const fused = linear(x, w, b).data, separate = matmul(x, w.T).add(b).data;
        if (getBackend().name !== 'gpu') {
          expect(fused).toEqual(separate);
          return;
        }
        // GLSL lets a shader compiler contract a·b + s into one fused multiply-add, and two shaders
        // (the matmul with its bias, the matmul alone) need not make the same choice: on the gpu
        // backend the two agree to the float32 summation bound of |x|·|w| + |b|, not to the bit.
        const bound = matmul(x.abs(), w.abs().T).add(b.abs()).data;
        fused.forEach((v, i) => {
          if (v === separate[i] || (Number.isNaN(v) && Number.isNaN(separate[i]))) return;
          expect(Math.abs(v - separate[i]), `element ${i}`).toBeLessThanOrEqual(2 ** -22 * (k + 1) * bound[i]);
        });
      }),
      { numRuns: 25 },
    );
  });

  test('batched with broadcast batch dims equals a loop of 2-D products', () => {
    fc.assert(
      fc.property(arb.matmulPair({ vectors: false, maxSide: 5 }), ([a, b]) => {
        const out = matmul(a, b);
        const batch = broadcastShapes('test', a.shape.slice(0, -2), b.shape.slice(0, -2));
        for (const idx of indices(batch)) {
          const pick = (t: Tensor) => {
            let v = t;
            const lead = batch.length - (t.ndim - 2);
            for (let d = 0; d < t.ndim - 2; d++) v = v.narrow(0, t.shape[d] === 1 ? 0 : idx[d + lead], 1).squeeze(0);
            return v;
          };
          let o = out;
          for (const i of idx) o = o.narrow(0, i, 1).squeeze(0);
          expectClose(o.contiguous().data, naiveMatmul(pick(a), pick(b)).flat(), 1e-12);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('elementwise kernels vs an index-by-index reference', () => {
  // float32: a sum or product of two float32s is exact in a double, so fround of it is the
  // correctly rounded float32 result every IEEE backend must give, bit for bit. GPUs flush
  // subnormals (below 2⁻¹²⁶) to zero, so in float32 inputs and results are compared flushed.
  test.each(['float64', 'float32'] as const)('broadcast binary ops on strided inputs (%s)', (dtype) => {
    const ftz = (v: number) => (dtype === 'float32' && Math.abs(v) < 2 ** -126 ? 0 : v);
    const round = (v: number) => ftz(dtype === 'float32' ? Math.fround(v) : v);
    const flushed = (t: Tensor) => tensor(Array.from(t.data, ftz), { shape: t.shape, dtype });
    fc.assert(
      fc.property(arb.broadcastablePair({ dtype, maxRank: 4, maxSide: 5 }).map(([a, b]) => [flushed(a), flushed(b)]), fc.boolean(), ([a, b], transposeA) => {
        const x = transposeA && a.ndim >= 2 ? a.transpose(0, -1).contiguous().transpose(0, -1) : a;
        const shape = broadcastShapes('test', x.shape, b.shape);
        const sum = add(x, b);
        const prod = mul(x, b);
        const read = (t: Tensor, idx: number[]) => at(t, idx.slice(idx.length - t.ndim).map((v, i) => (t.shape[i] === 1 ? 0 : v)));
        for (const idx of indices(shape)) {
          expect(ftz(at(sum, idx))).toBe(round(read(x, idx) + read(b, idx)));
          expect(ftz(at(prod, idx))).toBe(round(read(x, idx) * read(b, idx)));
        }
      }),
    );
  });
  test('unary ops on a sliced, expanded view equal the scalar function', () => {
    const x = tensor([[-2, -0.5, 0, 0.5, 2, 30]]).expand(3, 6).slice(1, 1, 6, 2);
    const fns: [keyof Tensor & string, (v: number) => number][] = [
      ['exp', Math.exp], ['tanh', Math.tanh], ['relu', (v) => Math.max(v, 0)], ['abs', Math.abs],
      ['sigmoid', (v) => 1 / (1 + Math.exp(-v))], ['softplus', (v) => Math.log1p(Math.exp(v))],
    ];
    for (const [name, f] of fns) {
      const out = (x[name] as () => Tensor).call(x);
      expect(out.shape).toEqual([3, 3]);
      expectClose(out.data, Array.from(x.data, f), 1e-6);
    }
  });
  test('every unary op on any layout (transposed, narrowed, step-sliced, expanded) equals it on a contiguous copy', () => {
    const ops = ['exp', 'tanh', 'relu', 'abs', 'sigmoid', 'softplus', 'sin', 'cos', 'log1p', 'expm1', 'erf', 'neg'] as const;
    // Bit for bit (±0 aside) where both run the same kernels; on the gpu backend a view and its
    // copy may take different paths (GPU or CPU by size), so there within 4 float32 ulps.
    const ulps = getBackend().name === 'gpu' ? 4 : 0;
    fc.assert(fc.property(arb.anyLayout({ dtype: 'float32', min: -0.9, max: 3 }), fc.constantFrom(...ops), (x, op) => {
      const view = (x[op] as () => Tensor).call(x).data;
      const copy = (x.contiguous()[op] as () => Tensor).call(x.contiguous()).data;
      view.forEach((v, i) => expect(Math.abs(v - copy[i]), `${op}[${i}]: ${v} vs ${copy[i]}`).toBeLessThanOrEqual(ulps * 2 ** -23 * Math.abs(copy[i])));
    }), { numRuns: 200 });
  });
  test('softplus and sigmoid stay finite at extreme inputs', () => {
    const x = tensor([-1000, -80, 80, 1000]);
    // Exact on the CPU; GLSL's exp is allowed a few ulps (float32 ulp of 1.8e-35 is ≈ 1e-42).
    const ulps = getBackend().name === 'cpu' ? 0 : 4;
    const close = (actual: Tensor, expected: number[]) => {
      expect(actual.toArray()).toHaveLength(expected.length);
      (actual.toArray() as number[]).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(ulps * Math.abs(expected[i]) * 2 ** -23));
    };
    close(x.softplus(), [0, Math.fround(Math.log1p(Math.exp(-80))), 80, 1000]);
    close(x.sigmoid(), [0, Math.fround(1 / (1 + Math.exp(80))), 1, 1]);
  });
});

describe('reduction kernels vs a loop', () => {
  test('sum / max / min over any set of dims', () => {
    fc.assert(
      fc.property(
        arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 4, maxSide: 6 }) }).chain((x) =>
          fc.tuple(fc.constant(x), fc.subarray([...x.shape.keys()], { minLength: 1 })),
        ),
        ([x, ds]) => {
          const outShape = x.shape.map((d, i) => (ds.includes(i) ? 1 : d));
          const acc = { sum: new Map<string, number>(), max: new Map<string, number>(), min: new Map<string, number>() };
          for (const idx of indices(x.shape)) {
            const key = idx.map((v, i) => (ds.includes(i) ? 0 : v)).join(',');
            const v = at(x, idx);
            acc.sum.set(key, (acc.sum.get(key) ?? 0) + v);
            acc.max.set(key, Math.max(acc.max.get(key) ?? -Infinity, v));
            acc.min.set(key, Math.min(acc.min.get(key) ?? Infinity, v));
          }
          for (const op of ['sum', 'max', 'min'] as const) {
            const out = x[op](ds, true);
            expect(out.shape).toEqual(outShape);
            const expected = [...indices(outShape)].map((idx) => acc[op].get(idx.join(','))!);
            expectClose(out.data, expected, 1e-12);
          }
        },
      ),
    );
  });
  test('float32 sums accumulate in float64 (a million 0.1s)', () => {
    const x = tensor(new Float32Array(1_000_000).fill(0.1));
    expect(x.sum().item()).toBeCloseTo(Math.fround(0.1) * 1e6, 1);
  });
  test('argmax / argmin pick the first extreme along a dim', () => {
    const x = tensor([[1, 5, 5], [7, 0, 7]]);
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.argmin(0).toArray()).toEqual([0, 1, 0]);
    expect(x.argmax().item()).toBe(3);
    expect(x.argmax(-1, true).shape).toEqual([2, 1]);
  });
});
