import { listBackends, setBackend } from '@tensorgrad/core';
import { UsageError } from './errors.js';

/** The backends `--backend` accepts: wasm (SIMD, the default where it runs), cpu (the reference), gpu (gpu.js). */
export const BACKENDS = ['wasm', 'cpu', 'gpu'] as const;

/**
 * What `--backend` defaults to: `TENSORGRAD_BACKEND` when set (a name that is not a backend is a
 * one-line UsageError, not a stack trace), else the core's own default (wasm wherever
 * WebAssembly SIMD runs).
 */
export function defaultBackend(): string {
  const env = process.env.TENSORGRAD_BACKEND;
  if (env !== undefined && env !== '') {
    if (!(BACKENDS as readonly string[]).includes(env)) throw new UsageError(`TENSORGRAD_BACKEND=${JSON.stringify(env)} names no backend; use one of ${BACKENDS.join(', ')}, or unset it`);
    return env;
  }
  return listBackends().includes('wasm') ? 'wasm' : 'cpu';
}

/** Makes `name` the kernel backend; the gpu backend (gpu.js) is loaded on first use only. */
export async function useBackend(name: string): Promise<void> {
  if (name === 'gpu') await import('@tensorgrad/core/gpu');
  setBackend(name);
}
