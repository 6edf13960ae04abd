import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { zeros } from '@tensorgrad/core';
import { defaultMnistDir, save } from '@tensorgrad/nn';
import { main } from '../src/index.js';
import { gridSize, pngStats, sink, tmp } from './helpers.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('bad input: a clear message and exit code 2, never a stack trace', () => {
  test('a bad TENSORGRAD_BACKEND: --help still works, train says so in one line and exits 2', () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const env = { ...process.env, TENSORGRAD_BACKEND: 'nope' };
    const help = spawnSync(process.execPath, [cli, '--help'], { env, encoding: 'utf8' });
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: tensorgrad-vae/);
    const train = spawnSync(process.execPath, [cli, 'train', '--out', tmp()], { env, encoding: 'utf8' });
    expect(train.status).toBe(2);
    expect(train.stderr).toBe('tensorgrad-vae: TENSORGRAD_BACKEND="nope" names no backend; use one of wasm, cpu, gpu, or unset it (see tensorgrad-vae train --help)\n');
  });

  test.each([
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--epochs', 'ten'], /--epochs expects a whole number from 1 to 1000000, got "ten"/],
    [['train', '--lr', '0'], /--lr expects a positive number, got "0"/],
    [['sample', '--epochs', '3'], /sample does not take --epochs/],
    [['fly'], /unknown command "fly"/],
    [['train', '--backend', 'quantum'], /unknown backend "quantum"; available: wasm, cpu, gpu/],
    [['train', '--data', '/nonexistent/mnist'], /no train-images-idx3-ubyte file/],
    [['sample', '--checkpoint', '/nonexistent/model.safetensors'], /no checkpoint at \/nonexistent\/model\.safetensors; train first/],
  ])('%j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('a truncated data file', async () => {
    const dir = tmp();
    const src = defaultMnistDir();
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(src, f), join(dir, f));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), readFileSync(join(src, 't10k-images-idx3-ubyte')).subarray(0, 5000));
    const r = await run('train', '--data', dir, '--out', tmp());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/t10k-images-idx3-ubyte: dims \[10000,28,28\] of uint8 need 7840016 bytes, the file has 5000 \(truncated\?\)/);
  });

  test('a checkpoint of another shape', async () => {
    const dir = tmp();
    save(join(dir, 'model.safetensors'), new Map([['weight', zeros([3, 3])]]));
    const r = await run('sample', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a VAE checkpoint/);
  });

  test('a corrupt checkpoint', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.safetensors'), 'not a checkpoint at all');
    const r = await run('evaluate', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/model\.safetensors: header length \d+ (exceeds the file|is over the format's limit)/);
  });

  test('an output directory that cannot be written', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, '');
    const r = await run('train', '--out', join(file, 'out'), '--limit-train', '10');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot create the output directory .*a-file\/out: .*a-file is a file, not a directory/);
  });

  test('the built command exits with 2 and prints no stack', () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'train', '--nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tensorgrad-vae: Unknown option '--nope'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('subcommands work from a checkpoint', () => {
  const out = tmp();
  beforeAll(async () => {
    expect((await run('train', '--epochs', '1', '--limit-train', '256', '--limit-test', '200', '--out', out, '--hidden', '64')).code).toBe(0);
  });

  test('evaluate prints the test loss, and an importance-weighted log-likelihood with --iw', async () => {
    const r = await run('evaluate', '--out', out, '--limit-test', '100', '--iw', '3');
    expect(r.code).toBe(0);
    const loss = Number(/^test loss: ([\d.]+)$/m.exec(r.out)![1]);
    const ll = Number(/^test log-likelihood \(importance-weighted, K=3\): (-[\d.]+) nats per image$/m.exec(r.out)![1]);
    expect(loss).toBeGreaterThan(50);
    expect(-ll).toBeLessThan(loss * 1.05); // the K-sample bound is at least as tight as the ELBO, up to noise
  });

  test('sample --n 64 draws an 8×8 grid', async () => {
    const dir = join(out, 'samples');
    mkdirSync(dir);
    expect((await run('sample', '--checkpoint', join(out, 'model.safetensors'), '--out', dir, '--n', '64')).code).toBe(0);
    expect(pngStats(join(dir, 'samples.png'))).toMatchObject(gridSize(8, 8));
  });

  test('reconstruct and interpolate', async () => {
    expect((await run('reconstruct', '--out', out, '--n', '5')).code).toBe(0);
    expect(pngStats(join(out, 'reconstructions.png'))).toMatchObject(gridSize(5, 2));
    const r = await run('interpolate', '--out', out, '--from', '3', '--to', '8', '--steps', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/a test 3 turning into a test 8 in 5 steps/);
    expect(pngStats(join(out, 'interpolation.png'))).toMatchObject(gridSize(5, 1));
  });

  test('--help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: tensorgrad-vae <command>/);
  });

  test('no command at all asks for the same as --help: the help on stdout, nothing on stderr, exit 0', async () => {
    const [none, help] = [await run(), await run('--help')];
    expect(none).toEqual({ code: 0, out: help.out, err: '' });
  });

  test('train --help lists --overwrite next to --resume', async () => {
    const r = await run('train', '--help');
    expect(r.out).toMatch(/^ {2}--resume {12}continue the run in --out from its last checkpoint \(same settings, --lr included\)$/m);
    expect(r.out).toMatch(/^ {2}--overwrite {9}start a new run in --out although it holds one/m);
  });

  test('train --model picks the network; anything but mlp or conv is one line and exit 2', async () => {
    const help = await run('train', '--help');
    expect(help.out).toMatch(/^ {2}--model KIND {8}the network: mlp \(the write-up's, default\) or conv/m);
    const r = await run('train', '--model', 'cnn', '--out', tmp());
    expect(r.code).toBe(2);
    expect(r.err).toBe('tensorgrad-vae: unknown --model "cnn"; choose mlp or conv (see tensorgrad-vae train --help)\n');
  });

  test('<command> --help lists that command\'s flags only; --version prints the package version', async () => {
    const r = await run('sample', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: tensorgrad-vae sample \[options\]/);
    const flags = [...r.out.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    expect(flags).toEqual(['checkpoint', 'out', 'n', 'seed', 'help']);
    const v = await run('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
});

