// The gpu.js backend against the CPU backend: every GPU kernel on random shapes (matmul in every
// layout up to a few hundred per side), chains whose inputs are already textures, gradients
// through both backends, texture lifetime, and which gpu.js mode runs.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import {
  BackendError, DECLINE, Generator, Tensor, backendInfo, cpuBackend, matmul, randn, setBackend, tensor, withBackend,
  type BinaryOp, type UnaryOp,
} from '../src/index.js';
import { DataBuffer } from '../src/backend/buffer.js';
import { gpuKernels } from '../src/backend/gpu/backend.js';
import { fromStorage } from '../src/tensor.js';
import { gpuInfo, setGpuMode } from '../src/backend/gpu/index.js';
import * as tg from '../src/index.js';
import * as arb from '../src/testing/index.js';
import { convGeometry, expectClose as compareClose, matmulLayoutTests, matmulTolerance, onCpu } from './compare.js';

afterEach(() => {
  setBackend('cpu');
});

const onGpu = <T>(fn: () => T): T => withBackend('gpu', fn);
const expectClose = (gpu: Tensor, cpu: Tensor, tol: (i: number) => number): void => compareClose(gpu, cpu, tol, 'gpu');

/**
 * GPUs flush subnormal floats (below 2⁻¹²⁶ ≈ 1.2e-38) to zero, as GLSL allows; inputs of the
 * comparisons are flushed the same way, so only the kernels' own arithmetic is compared.
 */
const flush = (v: number): number => (Math.abs(v) < 2 ** -126 ? 0 : v);
const flushSubnormals = (t: Tensor): Tensor => tensor(Array.from(t.data, flush), { shape: t.shape });

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('gpu matmul equals cpu matmul', () => {
  test('runs on WebGL whenever there is a display (the test script provides one with xvfb-run)', () => {
    setBackend('gpu');
    const info = backendInfo();
    expect(info.name).toBe('gpu');
    if (process.env.DISPLAY) expect(info.mode).toBe('headlessgl');
  });

  matmulLayoutTests('gpu', 300, 6);

  test('every matmul shape property tests use (vectors, broadcast batch dims)', () => {
    fc.assert(
      fc.property(arb.matmulPair({ dtype: 'float32', maxSide: 7 }), ([a, b]) => {
        expectClose(onGpu(() => matmul(a, b)), onCpu(() => matmul(a, b)), matmulTolerance(a, b));
      }),
      { numRuns: 40 },
    );
  });
});

const unaryOps: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'relu', 'sigmoid', 'tanh', 'softplus'];
// The fused ones (bce, bceGrad, sigmoidGrad, reluGrad) have no function of their own: tested through bce and the gradients.
const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const satisfies readonly BinaryOp[];
/** Float32 elementwise results: libm-grade functions in GLSL are within a few ulps. */
const elementwiseTol = (ref: Tensor) => {
  const r = ref.data;
  return (i: number) => 1e-6 + 1e-5 * Math.abs(r[i]);
};

test('bce and its gradient (the fused bce and bceGrad kernels) equal cpu, with a broadcast target', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 3 }), seed, (n, rows, s) => {
      const g = new Generator(s);
      const p = randn([rows, n], { generator: g }).mul(3).sigmoid().clamp(0.01, 0.99);
      const t = randn([1, n], { generator: g }).sigmoid();
      const slope = (): Tensor => {
        const q = p.detach().requiresGrad_();
        tg.bce(q, t).sum().backward();
        return q.grad!;
      };
      for (const f of [() => tg.bce(p, t), slope]) {
        const cpu = onCpu(f);
        expectClose(onGpu(f), cpu, elementwiseTol(cpu));
      }
    }),
    { numRuns: 15 },
  );
});

describe('gpu elementwise ops equal cpu ops', () => {
  for (const op of unaryOps) {
    test(`${op}, on contiguous and strided inputs`, () => {
      const positive = op === 'log' || op === 'sqrt';
      fc.assert(
        fc.property(arb.tensor({ dtype: 'float32', min: positive ? 0.01 : -20, max: 20, shape: arb.shape({ maxSide: 9 }) }).map(flushSubnormals), fc.boolean(), (x0, flip) => {
          const x = flip && x0.ndim >= 2 ? x0.transpose(0, 1) : x0;
          const f = tg[op] as (t: Tensor) => Tensor;
          const cpu = onCpu(() => f(x));
          expectClose(onGpu(() => f(x)), cpu, elementwiseTol(cpu));
        }),
        { numRuns: 25 },
      );
    });
  }

  for (const op of binaryOps) {
    test(`${op} with broadcasting`, () => {
      fc.assert(
        fc.property(arb.broadcastablePair({ dtype: 'float32', min: op === 'pow' ? 0.1 : -5, max: 5, maxSide: 6 }).map((p) => p.map(flushSubnormals)), fc.boolean(), ([a, b], ties) => {
          // Comparisons need equal elements too: sometimes compare a with itself.
          const right = ties ? a : b;
          const f = tg[op] as (x: Tensor, y: Tensor) => Tensor;
          const cpu = onCpu(() => f(a, right));
          expectClose(onGpu(() => f(a, right)), cpu, elementwiseTol(cpu));
        }),
        { numRuns: 25 },
      );
    });
  }

  test('clamp with one bound, and with a bound no short literal spells (it travels as data)', () => {
    const x = tensor([-3, -1e-25, -1.0003661619350687e-25, 0, 0.4, 7]);
    for (const f of [(t: Tensor) => t.clamp(null, 0.5), (t: Tensor) => t.clamp(-0.25), (t: Tensor) => t.clamp(-1.0003661619350687e-25, 1e-30)]) {
      expectClose(onGpu(() => f(x)), onCpu(() => f(x)), () => 0);
    }
  });

  test('pow of negative bases with integer exponents keeps the sign (GLSL pow alone would not)', () => {
    const x = tensor([-2, -3, -0.5, 2]), e = tensor([3, 2, 3, 0.5]);
    expectClose(onGpu(() => x.pow(e)), onCpu(() => x.pow(e)), () => 1e-5);
  });

  test('clamp, where, and copies of strided views', () => {
    fc.assert(
      fc.property(arb.tensor({ dtype: 'float32', shape: arb.shape({ minRank: 2, maxSide: 8 }) }).map(flushSubnormals), fc.double({ min: -2, max: 0, noNaN: true }).map(flush), (x, lo) => {
        const clamp = (t: Tensor) => t.clamp(lo, lo + 1.5);
        expectClose(onGpu(() => clamp(x)), onCpu(() => clamp(x)), () => 0);
        const sel = (t: Tensor) => tg.where(t.gt(0), t, t.mul(-2)).T.contiguous();
        expectClose(onGpu(() => sel(x)), onCpu(() => sel(x)), () => 1e-6);
      }),
      { numRuns: 25 },
    );
  });

  test('ops whose inputs are textures from earlier gpu ops (a layer: linear x·Wᵀ + b, relu, sigmoid)', () => {
    const g = new Generator(7);
    const x = randn([33, 50], { generator: g }), w = randn([17, 50], { generator: g }), b = randn([17], { generator: g });
    const layer = () => tg.linear(x, w, b).relu().matmul(w).sigmoid();
    const gpu = onGpu(layer);
    expect(gpu.buffer.onHost).toBe(false); // never left the GPU
    expectClose(gpu, onCpu(layer), () => 1e-5);
  });
});

describe('gpu sums equal cpu sums', () => {
  test('over any set of dims of strided tensors, within the float32 summation bound', () => {
    fc.assert(
      fc.property(
        arb.tensor({ dtype: 'float32', shape: arb.shape({ minRank: 1, maxRank: 4, maxSide: 7 }) }).map(flushSubnormals)
          .chain((x) => fc.tuple(fc.constant(x), fc.subarray([...x.shape.keys()], { minLength: 1 }), fc.boolean())),
        ([x0, dims, flip]) => {
          const x = flip && x0.ndim >= 2 ? x0.transpose(0, -1) : x0;
          const terms = dims.reduce((n, d) => n * x.shape[d], 1);
          const bound = onCpu(() => x.abs().sum(dims, true)).data;
          expectClose(onGpu(() => x.sum(dims, true)), onCpu(() => x.sum(dims, true)), (i) => 2 * (terms + 2) * 2 ** -24 * bound[i] + 1e-30);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('a bias gradient (sum over the batch) stays on the GPU; sums longer than 4096 terms run on the CPU', () => {
    const g = onGpu(() => randn([128, 40]).relu());
    const db = onGpu(() => g.sum(0));
    expect(db.buffer.onHost).toBe(false);
    expect(g.buffer.onHost).toBe(false); // nothing was downloaded for it
    const total = onGpu(() => randn([128, 784]).exp().sum());
    expect(total.buffer.device).toBe(null);
  });
});

describe('gpu convolution and max pooling equal the reference kernels', () => {
  const geometry = convGeometry({ n: 3, groups: 2, perGroup: 3, side: 9, kernel: 3, stride: 2, padding: 1 });
  const windowsOf = (g: { h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }) => {
    const oh = Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1, ow = Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
    return { h: g.h, w: g.w, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, dh: g.dh, dw: g.dw, oh, ow };
  };
  test('conv2d forward, computed by the gpu kernel itself (groups, strides, padding, dilation, bias)', () => {
    setBackend('gpu');
    fc.assert(fc.property(geometry, fc.boolean(), (g, withBias) => {
      const gen = new Generator(g.seed);
      const c = g.groups * g.cpg, cout = g.groups * g.opg, win = windowsOf(g);
      const x = randn([g.n, c, g.h, g.w], { generator: gen }), w = randn([cout, g.cpg * g.kh * g.kw], { generator: gen });
      const b = withBias ? randn([cout], { generator: gen }) : null;
      const ours = gpuKernels.conv2d!(x, w, b, win, g.groups);
      expect(ours).not.toBe(DECLINE);
      const shape = [g.n, cout, win.oh * win.ow];
      const ref = fromStorage(cpuBackend.conv2d(x, w, b, win, g.groups) as Float32Array, shape);
      const got = new Tensor(ours as DataBuffer | Float32Array, shape);
      // float32 sums of cpg·kh·kw products of N(0, 1) values against the reference's float64 sums
      expectClose(got, ref, () => 1e-5 * (g.cpg * g.kh * g.kw + 1) + 1e-5);
    }), { numRuns: 25 });
  });
  test('maxPool: the same maxima and positions, ties and NaN included', () => {
    setBackend('gpu');
    // Windows as maxPool2d makes them: each has a tap inside the plane (the kernel's contract).
    const tapInside = (out: number, k: number, s: number, p: number, d: number, size: number) =>
      Array.from({ length: out }, (_, o) => Array.from({ length: k }, (_, i) => o * s - p + i * d).some((r) => r >= 0 && r < size)).every(Boolean);
    const poolable = geometry.filter((g) => {
      const win = windowsOf(g);
      return win.oh > 0 && win.ow > 0 && tapInside(win.oh, g.kh, g.sh, g.ph, g.dh, g.h) && tapInside(win.ow, g.kw, g.sw, g.pw, g.dw, g.w);
    });
    fc.assert(fc.property(poolable, (g) => {
      const u = randn([g.n * g.cpg * g.h * g.w], { generator: new Generator(g.seed) }).data;
      const x = tensor(Array.from(u, (v) => (v > 2.2 ? NaN : Math.round(v * 2))), { shape: [g.n, g.cpg, g.h, g.w] });
      const win = windowsOf(g);
      const ours = gpuKernels.maxPool!(x, win);
      expect(ours).not.toBe(DECLINE);
      const { values, indices } = ours as { values: DataBuffer | Float32Array; indices: Int32Array };
      const ref = cpuBackend.maxPool(x, win);
      expect(Array.from(indices)).toEqual(Array.from(ref.indices as Int32Array));
      const got = values instanceof DataBuffer ? values.host : values;
      expect(Array.from(got)).toEqual(Array.from(ref.values as Float32Array));
    }), { numRuns: 25 });
  });
});

describe('gradients through the gpu backend', () => {
  test('a two-layer network with a BCE loss: every parameter gradient matches the cpu backend', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 30 }), seed, (batch, inp, hidden, s) => {
        const g = new Generator(s);
        const x = randn([batch, inp], { generator: g }).sigmoid();
        const params = [randn([hidden, inp], { generator: g }), randn([hidden], { generator: g }), randn([inp, hidden], { generator: g }), randn([inp], { generator: g })]
          .map((p) => p.mul(0.3).detach().requiresGrad_());
        const [w1, b1, w2, b2] = params;
        const run = () => {
          for (const p of params) p.grad = null;
          const y = tg.linear(tg.linear(x, w1, b1).relu(), w2, b2).sigmoid();
          const bce = x.mul(y.log()).add(x.neg().add(1).mul(y.neg().add(1).log())).neg().sum();
          bce.backward();
          return params.map((p) => p.grad!.clone());
        };
        const gpu = onGpu(run), cpu = onCpu(run);
        gpu.forEach((gg, i) => {
          const c = cpu[i].data;
          const scale = Math.max(...c.map(Math.abs), 1);
          expectClose(gg, cpu[i], () => 1e-4 * scale);
        });
      }),
      { numRuns: 6 },
    );
  });

  test('float64 tensors run on the cpu kernels under the gpu backend (textures are float32)', () => {
    const x = randn([4, 3], { dtype: 'float64' }), w = randn([3, 2], { dtype: 'float64' });
    const out = onGpu(() => x.matmul(w).sigmoid());
    expect(out.dtype).toBe('float64');
    expect(out.buffer.device).toBe(null);
    expectClose(out, onCpu(() => x.matmul(w).sigmoid()), () => 0);
  });
});

describe('Adam on the gpu backend', () => {
  test('parameters and moments stay textures from step to step, and follow the reference kernel', () => {
    expect(process.env.DISPLAY, "the test script runs under xvfb-run").toBeTruthy();
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.boolean(), fc.boolean(), seed, (n, amsgrad, decoupled, s) => {
      const g = new Generator(s);
      const p0 = randn([n], { generator: g }), grads = [0, 1, 2, 3, 4].map(() => randn([n], { generator: g }));
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled };
      const run = (backend: 'gpu' | 'cpu') => withBackend(backend, () => {
        const [p, m, v, x] = [p0.clone(), tg.zeros([n]), tg.zeros([n]), tg.zeros([n])];
        grads.forEach((gr, i) => {
          tg.adamStep_(p, gr, m, v, amsgrad ? x : null, { ...h, step: i + 1 });
          // On the GPU nothing comes back to the CPU between steps.
          if (backend === 'gpu') for (const t of [p, m, v]) expect(t.buffer.onHost).toBe(false);
        });
        return [p, m, v];
      });
      const [gp, gm, gv] = run('gpu');
      const [cp, cm, cv] = run('cpu');
      // Five float32 steps against the reference's doubles: a few ulps of each value's scale.
      expectClose(gm, cm, (i) => 1e-5 * (1 + Math.abs(cm.data[i])));
      expectClose(gv, cv, (i) => 1e-5 * (Math.abs(cv.data[i]) + 1e-6));
      expectClose(gp, cp, (i) => 1e-5 * (1 + Math.abs(cp.data[i])));
    }), { numRuns: 15 });
  });
});

describe('textures', () => {
  test('writing a tensor drops its texture; reading it keeps the texture', () => {
    const y = onGpu(() => randn([64, 64]).relu());
    expect(y.buffer.device).not.toBe(null);
    const before = gpuInfo().liveTextures;
    y.data;
    expect(y.buffer.device).not.toBe(null);
    y.mutableData()[0] = 5; // the GPU copy would go stale, so writing releases it
    expect(y.buffer.device).toBe(null);
    expect(gpuInfo().liveTextures).toBe(before - 1);
    expect(y.data[0]).toBe(5);
  });

  test("to('gpu') uploads once: kernels read the texture, the host copy stays beside it", () => {
    const x = randn([40, 30], { generator: new Generator(5) });
    const placed = x.T.to('gpu');
    expect(placed.device).toBe(gpuInfo().mode === 'headlessgl' ? 'gpu' : 'cpu');
    if (placed.device === 'gpu') {
      const live = gpuInfo().liveTextures;
      onGpu(() => placed.exp());
      expect(gpuInfo().liveTextures - live, 'one texture: the result, no upload').toBe(1);
    }
    expect(placed.data).toEqual(x.T.contiguous().data);
    expect(onGpu(() => placed.exp()).data).toEqual(onGpu(() => x.T.exp()).data);
    expect(placed.to('cpu').device).toBe('cpu');
  });

  test('textures of garbage-collected tensors are freed', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs node with --expose-gc').toBeTypeOf('function');
    const x = randn([100, 100]);
    onGpu(() => x.exp()); // compile and warm up before counting
    const baseline = gpuInfo().liveTextures;
    for (let i = 0; i < 50; i++) onGpu(() => x.exp().relu());
    expect(gpuInfo().liveTextures).toBeGreaterThan(baseline);
    for (let round = 0; round < 5 && gpuInfo().liveTextures > baseline; round++) {
      gc!();
      await new Promise((r) => setTimeout(r, 0)); // finalizers run between tasks
    }
    expect(gpuInfo().liveTextures).toBeLessThanOrEqual(baseline);
  });
});

describe('modes', () => {
  test('the gpu.js CPU modes run the same kernels', () => {
    const g = new Generator(3);
    const a = randn([19, 23], { generator: g }), b = randn([23, 11], { generator: g });
    const f = () => a.matmul(b).add(1).sigmoid();
    const cpu = onCpu(f);
    try {
      for (const mode of ['webasm', 'cpu'] as const) {
        setGpuMode(mode);
        expect(onGpu(() => backendInfo().mode)).toBe(mode);
        expectClose(onGpu(f), cpu, () => 1e-5);
      }
    } finally {
      setGpuMode('auto');
    }
  });

  test('tensors on the GPU keep their values when the mode (and so the gpu.js context) changes', () => {
    const x = randn([40, 30]);
    const y = onGpu(() => x.matmul(x.T).sigmoid());
    const expected = onCpu(() => x.matmul(x.T).sigmoid());
    expect(y.buffer.onHost).toBe(false);
    try {
      setGpuMode('cpu'); // the WebGL context and its textures go; y's elements come back first
      expect(gpuInfo().liveTextures).toBe(0);
      expectClose(onGpu(() => y.add(1)), onCpu(() => expected.add(1)), () => 1e-5);
      setGpuMode('auto');
      expectClose(onGpu(() => y.mul(y)), onCpu(() => expected.mul(expected)), () => 1e-5); // uploaded again
    } finally {
      setGpuMode('auto');
    }
  });

  test('a mode this machine cannot start is an error that says why', () => {
    try {
      setGpuMode('webgl2');
      expect(() => onGpu(() => randn([2, 2]).exp())).toThrow(BackendError);
      expect(() => onGpu(() => randn([2, 2]).exp())).toThrow(/mode webgl2 cannot start: webgl2 needs a browser/);
    } finally {
      setGpuMode('auto');
    }
    expect(() => setGpuMode('webgl3' as 'webgl')).toThrow(/unknown mode "webgl3"/);
  });

  test('without a display, auto mode says once why it falls back to a CPU mode', () => {
    const script = [
      "import { setBackend, randn, backendInfo } from '@tensorgrad/core';",
      "import '@tensorgrad/core/gpu';",
      "setBackend('gpu'); randn([3, 3]).exp(); randn([3, 3]).exp();",
      'console.log(JSON.stringify(backendInfo()));',
    ].join('\n');
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.TENSORGRAD_GPU_MODE;
    // The package imports itself by name from its built dist/ (the test script builds first).
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env, cwd: new URL('.', import.meta.url).pathname, encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.match(/no WebGL for the gpu backend/g)).toHaveLength(1);
    const info = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(info.mode).toBe('webasm');
    expect(info.fallbackReason).toMatch(/no display.*xvfb-run -a/);
  });
});
