import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError } from '../errors.js';

/**
 * Writes `chunks` to `path` so that readers see either the old file or the whole new one, never a
 * half-written file: write a temp file in the same directory, fsync it, then rename over `path`
 * (rename within one file system is atomic on POSIX).
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reads a whole file; a missing or unreadable file is a FormatError naming `op` and the path. */
export function readFileChecked(op: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FormatError(op, path, `cannot read: ${(e as Error).message}`);
  }
}
