// The disk fills up while training saves its checkpoint: one line saying so (exit 1), the previous
// epoch's files exactly as they were, no temp file left — and after space is freed, --resume
// continues. The file system is real; only writes into the file named by `disk.failOn` fail.
// metrics.jsonl and model.safetensors are first rewritten when the resumed run starts (spared
// here), then after epoch 2's checkpoint: that second write is the one that fails.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';

const disk = vi.hoisted(() => ({ failOn: '', spare: 0, paths: new Map<number, string>() }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    // The first `spare` files named `failOn` still get written.
    const doomed = disk.failOn !== '' && String(path).includes(disk.failOn) && disk.spare-- <= 0;
    disk.paths.set(fd, doomed ? 'doomed' : '');
    return fd;
  }) as typeof fs.openSync;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (disk.paths.get(fd) === 'doomed') {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync };
});

const { main } = await import('../src/index.js');
const { sink, tmp } = await import('./helpers.js');

const files = (dir: string) => new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

test.each(['checkpoint.safetensors', 'metrics.jsonl', 'model.safetensors'])('disk full while writing %s', async (name) => {
  const out = tmp();
  const argv = ['train', '--out', out, '--limit-train', '128', '--limit-test', '64', '--hidden', '16', '--backend', 'cpu'];
  expect(await main([...argv, '--epochs', '1'], { stdout: sink(), stderr: sink() })).toBe(0);
  const before = files(out);
  disk.failOn = `.${name}.`; // the temp file of `name`
  disk.spare = name === 'checkpoint.safetensors' ? 0 : 1;
  const stderr = sink();
  const code = await main([...argv, '--epochs', '2', '--resume'], { stdout: sink(), stderr });
  disk.failOn = '';
  expect(code).toBe(1);
  expect(stderr.text()).toMatch(new RegExp(`^tensorgrad-vae: (save|train): \\S*${name.replace('.', '\\.')}: no space left on the device \\(disk full or over quota\\); free some space and run again\\n$`));
  // The checkpoint is the commit point: when it could not be written, nothing changed; when a copy
  // after it could not, the checkpoint has epoch 2 and --resume rewrites the copies.
  if (name === 'checkpoint.safetensors') expect(files(out)).toEqual(before);
  else expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(name === 'metrics.jsonl' ? 1 : 2);
  expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const stdout = sink();
  expect(await main([...argv, '--epochs', '2', '--resume'], { stdout, stderr: sink() })).toBe(0);
  expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
});
