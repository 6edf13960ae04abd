import { closeScope, openScope, release } from './backend/scope.js';
import type { DataBuffer } from './backend/buffer.js';
import { ValueError } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Runs `fn` in a memory scope, as TensorFlow.js's `tf.tidy`: inside it the wasm backend leaves
 * every op's result in its own memory (no copy out to a JavaScript array, none back in for the
 * next op), and when `fn` returns, the memory of every tensor made inside is freed at once,
 * except the tensors `fn` returns (alone, or in arrays and plain objects) and those passed to
 * `keep`. The rule: **a tensor made inside a scope lives until the scope ends, unless it is
 * returned or kept.** Reading one afterwards is an error that says so.
 *
 * What outlives a training step is kept by the library: gradients (`.grad`), optimizer state and
 * running statistics. So a step reads
 *
 *   const loss = tidy(() => {
 *     opt.zeroGrad();
 *     const l = lossOf(model, batch);
 *     l.backward();
 *     opt.step();
 *     return l.item();            // a number: nothing tensor-valued escapes
 *   });
 *
 * Why scopes rather than the garbage collector: wasm memory is invisible to it, so freed tensors
 * would pile up between collections (on the VAE, to the module's limit within an epoch). Code
 * that never opens a scope works as before: results are copied out to JavaScript arrays, which
 * the collector frees. Scopes nest; a tensor returned from an inner one belongs to the outer.
 * `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError('tidy', `expected a function, got ${typeof fn}`);
  openScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(new Set());
    throw e;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    closeScope(new Set());
    throw new ValueError('tidy', 'takes a synchronous function, got one returning a promise: the scope cannot follow an await');
  }
  closeScope(buffersIn(result));
  return result;
}

/** Makes `t` outlive every open scope (its memory is then freed by the garbage collector, as outside scopes); returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new ValueError('keep', `expected a tensor, got ${typeof t}`);
  while (release(t.buffer));
  return t;
}

/** The buffers of the tensors in `value` (a tensor, or arrays and plain objects holding tensors). */
function buffersIn(value: unknown, into = new Set<DataBuffer>(), seen = new Set<unknown>()): Set<DataBuffer> {
  if (value instanceof Tensor) into.add(value.buffer);
  else if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    if (Array.isArray(value)) for (const v of value) buffersIn(v, into, seen);
    else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) buffersIn(v, into, seen);
  }
  return into;
}
