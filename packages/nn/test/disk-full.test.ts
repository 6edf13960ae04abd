// A disk that fills up mid-save (ENOSPC from write): a FileError that says so, the old file intact
// and no temp file left. The file system is real; only writeSync is made to fail, after some bytes.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { tensor } from '@tensorgrad/core';

const disk = vi.hoisted(() => ({ bytesLeft: Infinity }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Uint8Array, off?: number, len?: number) => {
    const n = Math.min(len ?? buf.length, disk.bytesLeft);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    disk.bytesLeft -= n;
    return fs.writeSync(fd, buf, off, n);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { FileError, loadFile, save } = await import('../src/index.js');

afterEach(() => {
  disk.bytesLeft = Infinity;
});

describe('disk full while saving', () => {
  test.each([0, 10, 100])('after %i bytes: a FileError naming the file, the old checkpoint intact, no temp file', (bytes) => {
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-full-'));
    const path = join(dir, 'model.safetensors');
    save(path, new Map([['w', tensor([1, 2, 3])]]), { epoch: '1' });
    const before = readFileSync(path);
    disk.bytesLeft = bytes;
    let error: unknown;
    try {
      save(path, new Map([['w', tensor([4, 5, 6, 7, 8, 9, 10, 11])]]), { epoch: '2' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileError);
    expect((error as Error).message).toBe(`save: ${path}: no space left on the device (disk full or over quota); free some space and run again`);
    disk.bytesLeft = Infinity;
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(loadFile(path).metadata.epoch).toBe('1');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});
