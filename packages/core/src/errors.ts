/**
 * Typed errors. Every message names the op, the shapes (or dtypes) involved and what was expected,
 * so a mistake reads like `matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ`.
 */

/** Base class of every error tensorgrad throws on purpose. */
export class TensorgradError extends Error {
  constructor(
    /** The op or function that rejected its input, e.g. `"matmul"`. */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together (broadcasting, matmul, reshape, a bad dim…). */
export class ShapeError extends TensorgradError {}

/** Dtypes that do not fit together, or a dtype an operation does not support. */
export class DTypeError extends TensorgradError {}

/** Misuse of the autograd tape (backward twice, backward of a non-scalar without a gradient…). */
export class AutogradError extends TensorgradError {}

/** A bad argument that is neither a shape nor a dtype problem (e.g. a negative count). */
export class ValueError extends TensorgradError {}

/** An index out of range, or an indexing expression that does not fit the tensor (PyTorch's IndexError); a kind of ValueError. */
export class IndexError extends ValueError {}

/** A backend that cannot start or run what it was asked to (a gpu.js mode this machine lacks…). */
export class BackendError extends TensorgradError {}

/** Formats a shape the way messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
