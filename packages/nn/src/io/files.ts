import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError, FormatError } from '../errors.js';

/** Temp files are `.<name>.<pid>.<random>.tmp` beside their target (see `removeStaleTempFiles`). */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-z]+\.tmp$/;

/**
 * Writes `chunks` to `path` so that readers see either the old file or the whole new one, never a
 * half-written file: write a temp file in the same directory, fsync it, rename it over `path`
 * (atomic within one file system on POSIX), then fsync the directory so the rename itself is
 * durable. The temp file is created exclusively (O_EXCL: a file or symlink planted at its name is
 * an error, never followed) and removed on any failure. Errors are FileErrors naming `path`.
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[], op = 'write'): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (e) {
    throw fileError(op, path, e);
  }
  try {
    try {
      for (const c of chunks) {
        let off = 0;
        while (off < c.length) off += writeSync(fd, c, off, c.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(op, path, e);
  }
  syncDirectory(dirname(path));
}

/** fsync of a directory makes a rename in it durable; where the platform cannot (Windows), skip. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort: the rename has happened either way
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes the temp files `writeFileAtomic` left in `dir` when its process was killed mid-write
 * (those of processes that are no longer running). Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m === null || processAlive(Number(m[2]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a path that is not a regular file is, in words (a FIFO would block a read forever, a device never end). */
function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads at most `maxBytes` of a regular file, from its start; `readFileChecked` reads it whole.
 * Anything else — a FIFO, /dev/zero, a directory — is refused before it is opened for reading
 * (opening a FIFO blocks until a writer comes; a device never ends), and the read is bounded by
 * the size the file had when it was opened. A missing or unreadable file is a FormatError naming
 * `op`, the path and what to do.
 */
export function readFilePrefix(op: string, path: string, maxBytes: number): Buffer {
  let fd: number | undefined;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FormatError(op, path, `cannot read: ${kindOf(st)}, not a regular file`);
    // O_NONBLOCK: should the path become a FIFO between the check and the open, the open returns.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const size = fstatSync(fd);
    if (!size.isFile()) throw new FormatError(op, path, `cannot read: ${kindOf(size)}, not a regular file`);
    const n = Math.min(size.size, maxBytes);
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const got = readSync(fd, out, at, n - at, at);
      if (got === 0) break; // the file shrank: what was read is what there is
      at += got;
    }
    return at === n ? out : out.subarray(0, at);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw readError(op, path, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads a whole regular file (see `readFilePrefix`), refusing one larger than `maxBytes`. */
export function readFileChecked(op: string, path: string, maxBytes = 2 ** 31 - 1): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw readError(op, path, e);
  }
  if (size > maxBytes) throw new FormatError(op, path, `is ${size} bytes, more than the ${maxBytes} this read allows`);
  return readFilePrefix(op, path, maxBytes);
}

/** A failed read as a FormatError: the path and what went wrong in words (`cannot read: permission denied; …`). */
export function readError(op: string, path: string, e: unknown): FormatError {
  return new FormatError(op, path, `cannot read: ${explain(e, 'read')}`);
}

/** A file-system error as a FileError: the path, what went wrong in words, and what to do. */
export function fileError(op: string, path: string, e: unknown): FileError {
  return new FileError(op, path, explain(e, 'write'), (e as NodeJS.ErrnoException)?.code);
}

/** What an errno means for someone reading or writing `path`, in one line. */
function explain(e: unknown, access: 'read' | 'write'): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device (disk full or over quota); free some space and run again';
    case 'EISDIR':
      return 'is a directory; remove or rename it, or choose another path';
    case 'ENOENT':
      return access === 'read' ? 'no such file' : 'its directory does not exist; create it first';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return `permission denied; check who may ${access} it`;
    case 'EROFS':
      return 'the file system is read-only';
    case 'EEXIST':
      return 'a file is in the way of the temporary file this write needs; remove it';
    case 'ELOOP':
      return 'too many symbolic links (a loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
