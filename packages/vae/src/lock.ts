import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileError } from '@tensorgrad/nn';
import { UsageError } from './errors.js';

/** The lock file a training run holds in its --out directory while it runs. */
export const LOCK_FILE = '.lock';

interface Owner {
  pid: number;
  started: string;
  host: string;
}

const format = (o: Owner): string => `${o.pid}\n${o.started}\n${o.host}\n`;

function parseOwner(text: string): Owner | undefined {
  const [pid, started = '?', host = ''] = text.split('\n');
  return /^\d+$/.test(pid) ? { pid: Number(pid), started, host } : undefined;
}

/** Whether the owner may still be running: a pid on another host cannot be checked, so it counts as alive. */
function alive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Takes the exclusive lock on `dir` for this process and returns the function that releases it.
 * The lock file holds the owner's pid, start time and host. It appears whole or not at all: it is
 * written to a temp file (created O_EXCL) and hard-linked to `.lock`, which fails if the name
 * exists, so two runs can never both hold it, and no reader sees a half-written one.
 *
 * A lock whose owner is no longer running (a SIGKILLed run: `process.kill(pid, 0)` says ESRCH) is
 * stale and taken over: it is renamed aside and, if what was renamed is still the stale lock that
 * was read (not a new owner's that appeared meanwhile), removed. A live owner's lock is a
 * UsageError naming its pid. The release runs on every way out — the caller's `finally` for a
 * normal end, an error or a signal that stops the run, and the process's exit as a backstop.
 */
export function lockOutDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const mine = format({ pid: process.pid, started: new Date().toISOString(), host: hostname() });
  // A few rounds at most: each either takes the lock, meets a live owner, or clears a stale lock.
  for (let attempt = 0; attempt < 5; attempt++) {
    let taken: boolean;
    try {
      taken = tryLink(dir, path, mine);
    } catch (e) {
      throw fileError('train', path, e);
    }
    if (taken) {
      const release = () => {
        process.removeListener('exit', release);
        if (read(path) === mine) rmSync(path, { force: true });
      };
      process.once('exit', release);
      return release;
    }
    const text = read(path);
    if (text === undefined) continue; // released between the link and the read: try again
    const owner = parseOwner(text);
    if (owner === undefined) {
      throw new UsageError(`${path} exists but names no process; if no train run is using ${dir}, delete ${path} and run again`);
    }
    if (alive(owner)) {
      throw new UsageError(`${dir} is in use by another train run (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, ` +
        `started ${owner.started}); wait for it to end, stop it, or choose another --out (if that pid is no train run, delete ${path})`);
    }
    takeOver(dir, path, text);
  }
  throw new UsageError(`could not take the lock ${path}: other runs keep taking it; run again, or choose another --out`);
}

/** Publishes `content` as `path` if no file has that name; false if one has. */
function tryLink(dir: string, path: string, content: string): boolean {
  // The temp name is one removeStaleTempFiles recognises, should this process die right here.
  const tmp = join(dir, `.${LOCK_FILE.slice(1)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: O_EXCL on the lock itself. A run that reads it in the
    // instant before its content is written finds it empty and is refused as if it named no process.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createExclusive(path, content);
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Moves a stale lock (content `stale`) aside and removes it; puts back a live one that was moved by mistake. */
function takeOver(dir: string, path: string, stale: string): void {
  const aside = join(dir, `.${LOCK_FILE.slice(1)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    renameSync(path, aside);
  } catch {
    return; // another run moved it first: the next round reads whatever is there now
  }
  if (read(aside) !== stale) {
    // A new owner's lock replaced the stale one between the read and the rename: give it back
    // (a link fails if yet another lock is there by now; that owner then holds it).
    try {
      linkSync(aside, path);
    } catch {
      // the name is taken again: the next round reads it
    }
  }
  rmSync(aside, { force: true });
}
