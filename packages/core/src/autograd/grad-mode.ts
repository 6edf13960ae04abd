import { ValueError } from '../errors.js';

/** Whether ops record themselves on the tape. Off inside `noGrad`, and while a backward pass runs without `createGraph`. */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Runs `fn` with recording `on`, then restores the mode. `fn` must be synchronous: the mode is one
 * global flag, so across an `await` it would leak into whatever else runs meanwhile (PyTorch's is
 * per thread; JavaScript's async tasks share one). An async function is an error, not a tape
 * silently recorded after its first `await`.
 */
function withGradMode<T>(on: boolean, fn: () => T, op: string): T {
  if (typeof fn !== 'function') throw new ValueError(op, `expected a function, got ${typeof fn}`);
  const before = enabled;
  enabled = on;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = before;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new ValueError(op, `takes a synchronous function, got one returning a promise: the mode cannot follow an await. Call ${op}(() => …) around each synchronous step inside the async code instead`);
  }
  return result;
}

/** Runs `fn` without recording: for inference and for updating parameters (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, 'noGrad');
}

/** Runs `fn` with recording on, even inside `noGrad` (like `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, 'enableGrad');
}

export { withGradMode };
