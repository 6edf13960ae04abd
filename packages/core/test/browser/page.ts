// Runs inside Chromium (bundled by browser.test.ts): the gpu backend on WebGL2 and the wasm
// backend (the page's default) against the CPU backend, in the page. The result goes to `globalThis.tensorgradResult` for the test to read
// (see scripts/browser.mjs).
import { Generator, backendInfo, matmul, randn, setBackend, withBackend, type Tensor } from '../../src/index.js';

// Before anything selects a backend: what a page gets by default, and how the wasm backend runs.
const defaultBackend = backendInfo();
import { setGpuMode } from '../../src/backend/gpu/index.js';

interface Case {
  name: string;
  maxError: number;
  tolerance: number;
  ok: boolean;
}

/**
 * Largest |fast − cpu| over the elements, against the float32 error of a length-k sum (2(k+2)u
 * relative to the output's scale) plus a few ulps of GLSL's (or the wasm polynomials')
 * transcendental functions.
 */
function compare(backend: string, name: string, f: () => Tensor, k: number): Case {
  const cpu = withBackend('cpu', f).data;
  const scale = withBackend('cpu', () => f().abs().max().item());
  const gpu = withBackend(backend, f).data;
  let maxError = 0;
  for (let i = 0; i < cpu.length; i++) maxError = Math.max(maxError, Math.abs(gpu[i] - cpu[i]));
  const tolerance = (2 * (k + 2) * 2 ** -24 + 4e-6) * Math.max(scale, 1);
  return { name: `${backend}: ${name}`, maxError, tolerance, ok: cpu.length === gpu.length && maxError <= tolerance };
}

function run(): unknown {
  setGpuMode('webgl2'); // no fallback here: the test is about WebGL2
  setBackend('gpu');
  const mode = backendInfo().mode;
  setBackend('cpu');
  const g = new Generator(42);
  const x = randn([37, 61], { generator: g }), w = randn([29, 61], { generator: g }), b = randn([29], { generator: g });
  const bt = randn([3, 61, 18], { generator: g });
  const cases: Case[] = ['gpu', 'wasm'].flatMap((backend) => [
    compare(backend, 'A·B', () => matmul(x, w.T.contiguous()), 61),
    compare(backend, 'A·Bᵀ (x·Wᵀ)', () => matmul(x, w.T), 61),
    compare(backend, 'Aᵀ·B', () => matmul(x.T, x), 37),
    compare(backend, 'batched', () => matmul(x, bt), 61),
    compare(backend, 'linear + relu + sigmoid', () => x.matmul(w.T).add(b).relu().matmul(w).sigmoid(), 61),
    compare(backend, 'elementwise chain', () => x.exp().mul(x.tanh()).sub(x.softplus()).div(x.abs().add(1)).pow(2).clamp(-3, 3), 1),
    compare(backend, 'gradient of a layer', () => {
      const wg = w.detach().requiresGrad_();
      x.matmul(wg.T).add(b).sigmoid().sum().backward();
      return wg.grad!;
    }, 37),
  ]);
  return { mode, defaultBackend, userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent, cases };
}

const page = globalThis as unknown as { tensorgradResult: unknown; tensorgradError: string };
try {
  page.tensorgradResult = run();
} catch (e) {
  page.tensorgradError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
