import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, parse, resolve, sep } from 'node:path';
import { fileError } from '@tensorgrad/nn';
import { UsageError } from './errors.js';

/**
 * Creates the output directory if needed and returns it; a path that cannot be a directory is bad
 * input (a UsageError naming it). The path is walked one component at a time — stat, then mkdir
 * if missing — and never with `mkdirSync(…, { recursive: true })`: on procfs (`--out /proc/self/x`)
 * Node's recursive mkdir retries forever, and a walk also says which component is in the way.
 * The directories this call created are appended to `created`, parents first, so that a run that
 * fails before writing anything can remove them again (see `removeCreatedDirs`).
 */
export function makeOutDir(out: string, created: string[] = []): string {
  const target = resolve(out);
  const { root } = parse(target);
  const parts = target.slice(root.length).split(sep).filter((p) => p !== '');
  let path = root;
  for (const part of parts) {
    path = path === root ? `${root}${part}` : `${path}${sep}${part}`;
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotCreate(out, path, e);
      mkdirOne(out, path);
      created.push(path);
      continue;
    }
    if (!isDirectory) {
      throw new UsageError(path === target ? `--out ${out} names a file, not a directory; pass a directory (it is created if missing)`
        : `cannot create the output directory ${out}: ${path} is a file, not a directory`);
    }
  }
  return out;
}

/** mkdir of one path whose parent is a directory; one that appeared meanwhile (another run) is fine. */
function mkdirOne(out: string, path: string): void {
  try {
    mkdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) return;
    // The parent was just seen to be a directory: ENOENT here means a virtual file system (procfs,
    // sysfs) that has no place for new directories, not a missing parent.
    if (code === 'ENOENT') throw new UsageError(`cannot create the output directory ${out}: ${dirname(path)} does not take new directories (a virtual file system such as /proc?)`);
    throw cannotCreate(out, path, e);
  }
}

const cannotCreate = (out: string, path: string, e: unknown): UsageError =>
  new UsageError(`cannot create the output directory ${out}: ${fileError('mkdir', path, e).message.replace(/^mkdir: /, '')}`);

/**
 * Removes the directories `makeOutDir` created, deepest first, as long as they are empty: a run
 * that failed before writing anything leaves no empty out dir behind. A directory that holds
 * anything (another process wrote into it) is kept.
 */
export function removeCreatedDirs(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return; // not empty: keep it and its parents
    }
  }
}
