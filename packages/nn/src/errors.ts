import { TensorgradError } from '@tensorgrad/core';

/** A state dict that does not fit a module (missing or unexpected keys, wrong shapes). */
export class StateDictError extends TensorgradError {}

/**
 * A file that cannot be read as what it claims to be: truncated, a header that lies about sizes
 * or offsets, an unknown dtype, a wrong magic number. Names the file and what was expected.
 */
export class FormatError extends TensorgradError {
  constructor(op: string, readonly path: string, message: string) {
    super(op, `${path}: ${message}`);
  }
}

/**
 * A file that cannot be written (or a directory in its way): disk full, a directory where the
 * file should go, a missing directory, no permission. Names the file, says what went wrong and
 * what to do; `code` is the system's (ENOSPC, EISDIR…) when there was one.
 */
export class FileError extends TensorgradError {
  constructor(op: string, readonly path: string, message: string, readonly code?: string) {
    super(op, `${path}: ${message}`);
  }
}
