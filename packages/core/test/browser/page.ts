// Runs inside Chromium (bundled by browser.test.ts): the gpu backend on WebGL2 against the CPU
// backend, in the page. The result goes to `globalThis.tensorgradResult` for the test to read
// (see scripts/browser.mjs).
import { Generator, backendInfo, matmul, randn, setBackend, withBackend, type Tensor } from '../../src/index.js';
import { setGpuMode } from '../../src/backend/gpu/index.js';

interface Case {
  name: string;
  maxError: number;
  tolerance: number;
  ok: boolean;
}

/**
 * Largest |gpu − cpu| over the elements, against the float32 error of a length-k sum (2(k+2)u
 * relative to the output's scale) plus a few ulps of GLSL's transcendental functions.
 */
function compare(name: string, f: () => Tensor, k: number): Case {
  const cpu = withBackend('cpu', f).data;
  const scale = withBackend('cpu', () => f().abs().max().item());
  const gpu = withBackend('gpu', f).data;
  let maxError = 0;
  for (let i = 0; i < cpu.length; i++) maxError = Math.max(maxError, Math.abs(gpu[i] - cpu[i]));
  const tolerance = (2 * (k + 2) * 2 ** -24 + 4e-6) * Math.max(scale, 1);
  return { name, maxError, tolerance, ok: cpu.length === gpu.length && maxError <= tolerance };
}

function run(): unknown {
  setGpuMode('webgl2'); // no fallback here: the test is about WebGL2
  setBackend('gpu');
  const mode = backendInfo().mode;
  setBackend('cpu');
  const g = new Generator(42);
  const x = randn([37, 61], { generator: g }), w = randn([29, 61], { generator: g }), b = randn([29], { generator: g });
  const bt = randn([3, 61, 18], { generator: g });
  const cases: Case[] = [
    compare('A·B', () => matmul(x, w.T.contiguous()), 61),
    compare('A·Bᵀ (x·Wᵀ)', () => matmul(x, w.T), 61),
    compare('Aᵀ·B', () => matmul(x.T, x), 37),
    compare('batched', () => matmul(x, bt), 61),
    compare('linear + relu + sigmoid', () => x.matmul(w.T).add(b).relu().matmul(w).sigmoid(), 61),
    compare('elementwise chain', () => x.exp().mul(x.tanh()).sub(x.softplus()).div(x.abs().add(1)).pow(2).clamp(-3, 3), 1),
    compare('gradient of a layer', () => {
      const wg = w.detach().requiresGrad_();
      x.matmul(wg.T).add(b).sigmoid().sum().backward();
      return wg.grad!;
    }, 37),
  ];
  return { mode, userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent, cases };
}

const page = globalThis as unknown as { tensorgradResult: unknown; tensorgradError: string };
try {
  page.tensorgradResult = run();
} catch (e) {
  page.tensorgradError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
