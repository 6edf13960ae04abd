import { BackendError, ValueError } from '../errors.js';
import { describe } from '../shape.js';
import { cpuBackend } from './cpu/index.js';
import { checkThreadsEnv } from './threads.js';
import { withFallback, type Backend, type BackendImpl } from './kernels.js';
import { wasmKernels } from './wasm/backend.js';
import { wasmSupported } from './wasm/instance.js';

/**
 * The backend registry: which backends exist and which one runs kernels now. The kernel
 * interface itself is in `kernels.ts`.
 */

/** The wasm backend as ops see it: its SIMD kernels, the reference's for everything they decline. */
export const wasmBackend: Backend = withFallback(wasmKernels, cpuBackend);

const registry = new Map<string, Backend>([['cpu', cpuBackend]]);
if (wasmSupported()) registry.set('wasm', wasmBackend);

/**
 * The backend at start-up: `TENSORGRAD_BACKEND` when set, else `wasm` wherever WebAssembly SIMD
 * runs (Node, every current browser), else the reference `cpu`. An unknown name is reported by
 * the first `getBackend()` (the first op), not while the module loads: an import that throws
 * would take a CLI's `--help` and its one-line error handling down with it.
 */
let pending: BackendError | null = null;
function initialBackend(): Backend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORGRAD_BACKEND;
  const fallback = registry.get('wasm') ?? cpuBackend;
  if (env === undefined || env === '') return fallback;
  const b = registry.get(env);
  if (b === undefined) pending = new BackendError('TENSORGRAD_BACKEND', `unknown backend ${JSON.stringify(env)}; available at start-up: ${[...registry.keys()].join(', ')}`);
  return b ?? fallback;
}

let current: Backend = initialBackend();

/**
 * Makes a backend available to `setBackend` under its name, and returns it as ops see it: the
 * kernels it has (any of them may decline a call), the reference `cpu` kernels for the rest.
 */
export function registerBackend(backend: BackendImpl): Backend {
  const complete = withFallback(backend, cpuBackend);
  registry.set(backend.name, complete);
  return complete;
}

/** The backend that runs kernels now. */
export function getBackend(): Backend {
  if (pending !== null) throw pending;
  checkThreadsEnv();
  return current;
}

/** The backend registered as `name`, or null. */
export function findBackend(name: string): Backend | null {
  return registry.get(name) ?? null;
}

/** The registered backends' names, for an error about the unknown `name` (with how to get the gpu backend when that was asked for). */
export function availableBackends(name: string): string {
  const hint = name === 'gpu' ? ' (the gpu backend registers itself when "@tensorgrad/core/gpu" is imported)' : '';
  return `${[...registry.keys()].join(', ')}${hint}`;
}

/** Chooses the backend that runs every following op (`'cpu'` is always there, `'wasm'` wherever WebAssembly SIMD runs). */
export function setBackend(name: string): Backend {
  const b = registry.get(name);
  if (b === undefined) throw new BackendError('setBackend', `unknown backend ${JSON.stringify(name)}; available: ${availableBackends(name)}`);
  current = b;
  pending = null;
  return b;
}

/** Runs `fn` with `name` as the backend, then restores the one before (also when `fn` throws). */
export function withBackend<T>(name: string, fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError('withBackend', `expected a function to run, got ${describe(fn)}`);
  const [before, beforePending] = [current, pending];
  setBackend(name);
  try {
    return fn();
  } finally {
    [current, pending] = [before, beforePending];
  }
}

/** The backend that runs kernels now and what it runs on, e.g. `{ name: 'gpu', mode: 'headlessgl', … }`. */
export function backendInfo(): { name: string } & Record<string, string | number | boolean | null> {
  const b = getBackend();
  return { ...b.info?.(), name: b.name };
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
