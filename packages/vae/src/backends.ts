import { listBackends, setBackend } from '@tensorgrad/core';

/** The backends `--backend` accepts: wasm (SIMD, the default where it runs), cpu (the reference), gpu (gpu.js). */
export const BACKENDS = ['wasm', 'cpu', 'gpu'] as const;

/** What `--backend` defaults to: the core's own default (wasm wherever WebAssembly SIMD runs). */
export function defaultBackend(): string {
  return listBackends().includes('wasm') ? 'wasm' : 'cpu';
}

/** Makes `name` the kernel backend; the gpu backend (gpu.js) is loaded on first use only. */
export async function useBackend(name: string): Promise<void> {
  if (name === 'gpu') await import('@tensorgrad/core/gpu');
  setBackend(name);
}
