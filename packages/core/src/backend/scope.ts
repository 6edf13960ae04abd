import type { DataBuffer } from './buffer.js';

/**
 * Memory scopes (`tidy`): while one is open, a backend may leave an op's result in its own memory
 * (the wasm backend does) instead of copying it out to a JavaScript array, and registers the
 * buffer here. When the scope ends, every buffer registered in it that was not kept is released
 * at once: the garbage collector does not see wasm memory, so it cannot be trusted to free it in
 * time. Backends import this; they never import ops.
 */
interface Scope {
  readonly buffers: Set<DataBuffer>;
}

const scopes: Scope[] = [];

/** Whether a scope is open (a backend then registers the results it keeps in its memory). */
export function scopeActive(): boolean {
  return scopes.length > 0;
}

/** Puts a result a backend left in its own memory in the innermost scope. */
export function adopt(buffer: DataBuffer): void {
  scopes[scopes.length - 1]?.buffers.add(buffer);
}

/** Takes `buffer` out of the innermost scope that holds it: it outlives the scope (returned, or kept). */
export function release(buffer: DataBuffer): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].buffers.delete(buffer)) return true;
  return false;
}

/** Opens a scope. */
export function openScope(): void {
  scopes.push({ buffers: new Set() });
}

/**
 * Closes the innermost scope: `keep`'s buffers move to the enclosing scope (or, outside every
 * scope, are left to the garbage collector as any buffer is); every other buffer it holds is disposed.
 */
export function closeScope(keep: ReadonlySet<DataBuffer>): void {
  const scope = scopes.pop();
  if (scope === undefined) return;
  for (const b of scope.buffers) {
    if (keep.has(b)) adopt(b);
    else b.dispose();
  }
}
