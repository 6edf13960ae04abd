import { BackendError } from '../errors.js';
import { cpuBackend } from './cpu/index.js';
import type { Backend } from './kernels.js';

/**
 * The backend registry: which backends exist and which one runs kernels now. The kernel
 * interface itself is in `kernels.ts`.
 */

const registry = new Map<string, Backend>([['cpu', cpuBackend]]);
let current: Backend = cpuBackend;

/** Makes a backend available to `setBackend` under its name. */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  return current;
}

/** Chooses the backend that runs every following op (`'cpu'` is always there). */
export function setBackend(name: string): Backend {
  const b = registry.get(name);
  if (b === undefined) {
    const hint = name === 'gpu' ? " (the gpu backend registers itself when \"@tensorgrad/core/gpu\" is imported)" : '';
    throw new BackendError('setBackend', `unknown backend ${JSON.stringify(name)}; available: ${[...registry.keys()].join(', ')}${hint}`);
  }
  current = b;
  return b;
}

/** Runs `fn` with `name` as the backend, then restores the one before (also when `fn` throws). */
export function withBackend<T>(name: string, fn: () => T): T {
  const before = current;
  setBackend(name);
  try {
    return fn();
  } finally {
    current = before;
  }
}

/** The backend that runs kernels now and what it runs on, e.g. `{ name: 'gpu', mode: 'headlessgl', … }`. */
export function backendInfo(): { name: string } & Record<string, string | number | boolean | null> {
  return { ...current.info?.(), name: current.name };
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
