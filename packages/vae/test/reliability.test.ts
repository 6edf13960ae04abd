// The cases of the reliability review, one test each: a user under pressure gets one line on
// stderr (never a stack), the documented exit code (2 bad input, 1 a failure while running), and
// the files that were there before are unchanged.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { defaultMnistDir, loadFile, save } from '@tensorgrad/nn';
import { CHECKPOINT_FILE, main } from '../src/index.js';
import { sink, tmp } from './helpers.js';

interface Result { code: number; out: string; err: string }

async function run(...argv: string[]): Promise<Result> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

/** Exit `code`, exactly one line on stderr matching `message`, no stack frames. */
function expectOneLine(r: Result, code: number, message: RegExp): void {
  expect(r.err.endsWith('\n') && r.err.split('\n').length === 2, `not one line: ${JSON.stringify(r.err)}`).toBe(true);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code, r.err).toBe(code);
}

/** Every file under `dir` (recursively) with its bytes: to show that a failure changed nothing. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files.set(`${prefix}${name}`, readFileSync(path).toString('base64'));
    }
  };
  walk(dir, '');
  return files;
}

/** A quick run: a tiny model on a slice of MNIST, on the reference backend. */
const small = ['--limit-train', '256', '--limit-test', '64', '--batch-size', '64', '--hidden', '32', '--backend', 'cpu'];
const train = (out: string, ...more: string[]) => run('train', '--out', out, ...small, ...more);

describe('1. checkpoints: one file per epoch, leftovers cleaned', () => {
  test('the out dir holds one checkpoint with model, optimizer, random streams, epoch and metrics', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '2')).code).toBe(0);
    const { tensors, metadata } = loadFile(join(out, CHECKPOINT_FILE));
    expect(metadata.epoch).toBe('2');
    expect(JSON.parse(metadata.metrics).map((m: { epoch: number }) => m.epoch)).toEqual([1, 2]);
    for (const k of ['model.encoder.0.weight', 'optimizer.state.0.exp_avg', 'rng.noise', 'rng.loader']) expect(tensors.has(k), k).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  test('a kill during epoch 1 leaves no checkpoint: --resume starts over and finishes', async () => {
    const out = tmp();
    writeFileSync(join(out, 'reconstructions-before.png'), 'from the killed run');
    const r = await train(out, '--epochs', '1', '--resume');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/no checkpoint in .* to resume from; starting at epoch 1/);
  });
  test('temp files a killed writer left are removed, and the user is told', async () => {
    const out = tmp();
    writeFileSync(join(out, '.checkpoint.safetensors.999999999.k1ll3d.tmp'), Buffer.alloc(1000));
    const r = await train(out, '--epochs', '1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/removed 1 temp file a killed run left in/);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('2. a diverging run never saves non-finite weights', () => {
  // BCE's gradient is PyTorch's (finite at p = 0 and 1), so only a huge rate diverges: at 1e5 the
  // losses of epochs 1 and 2 are ~1e29 and finite, and epoch 3's evaluation overflows.
  test('--lr 1e5: stops at epoch 3 saying where; epoch 2\'s files are unchanged; nothing is null', async () => {
    const out = tmp();
    const r1 = await run('train', '--out', out, '--epochs', '2', '--limit-train', '128', '--limit-test', '64', '--lr', '1e5', '--backend', 'cpu');
    expect(r1.code, r1.err).toBe(0);
    const before = snapshot(out);
    const r = await run('train', '--out', out, '--epochs', '3', '--limit-train', '128', '--limit-test', '64', '--lr', '1e5', '--backend', 'cpu', '--resume');
    expectOneLine(r, 1, /^tensorgrad-vae: train: epoch 3, (batch 1\/1: the parameters became non-finite|batch 1\/1: the loss became|evaluation: the test loss is) .*nothing of epoch 3 was saved, the checkpoint of epoch 2 in .* is kept/);
    expect(snapshot(out)).toEqual(before);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).not.toContain('null');
  });
  test('after a divergence, --resume with a smaller --lr continues from the last good epoch', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '2')).code).toBe(0);
    const diverged = await train(out, '--epochs', '4', '--lr', '10', '--resume');
    expectOneLine(diverged, 1, /^tensorgrad-vae: train: epoch 3, batch \d\/4: .*the checkpoint of epoch 2 .* is kept: continue from it with a smaller learning rate \(--resume --lr 1\)/);
    const r = await train(out, '--epochs', '4', '--lr', '1e-4', '--resume');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/resuming after epoch 2/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
  test.each(['sample', 'evaluate', 'reconstruct', 'interpolate'])('%s refuses a checkpoint with non-finite weights', async (command) => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    const model = loadFile(join(out, 'model.safetensors'));
    const w = model.tensors.get('decoder.2.bias')!;
    model.tensors.set('decoder.2.bias', tensor(Array.from(w.data, (v, i) => (i === 3 ? NaN : v))));
    save(join(out, 'model.safetensors'), model.tensors, model.metadata);
    const r = await run(command, '--out', out);
    expectOneLine(r, 2, /model\.safetensors: decoder\.2\.bias has 1 non-finite value \(NaN or ±∞\) of 784: the run that wrote it diverged/);
  });
});

describe('3. file-system errors are one line naming the file', () => {
  test.each(['model.safetensors', 'metrics.jsonl'])('%s is a directory: exit 1, the directory untouched', async (name) => {
    const out = tmp();
    mkdirSync(join(out, name));
    writeFileSync(join(out, name, 'keep'), 'mine');
    const r = await train(out, '--epochs', '1');
    expectOneLine(r, 1, new RegExp(`${name.replace('.', '\\.')}: is a directory; remove or rename it, or choose another path`));
    expect(readFileSync(join(out, name, 'keep'), 'utf8')).toBe('mine');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  test('samples.png is a directory: training finishes (exit 0) and says which picture it skipped', async () => {
    const out = tmp();
    mkdirSync(join(out, 'samples.png'));
    const r = await train(out, '--epochs', '1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^note: skipped samples\.png: saveGrid: .*samples\.png: is a directory/m);
    expect(existsSync(join(out, 'interpolation.png'))).toBe(true);
  });
  test('the sample command itself: samples.png is a directory → exit 1, one line', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    rmSync(join(out, 'samples.png'));
    mkdirSync(join(out, 'samples.png'));
    expectOneLine(await run('sample', '--out', out), 1, /samples\.png: is a directory/);
  });
  test('a torn last line in metrics.jsonl does not stop --resume (the checkpoint holds the metrics)', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    writeFileSync(join(out, 'metrics.jsonl'), `${readFileSync(join(out, 'metrics.jsonl'), 'utf8')}{"epoch":2,"train_lo`);
    const r = await train(out, '--epochs', '2', '--resume');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
  });
  test('a checkpoint without its random streams: exit 2, one line naming the file and what is missing', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    const ckpt = loadFile(join(out, CHECKPOINT_FILE));
    ckpt.tensors.delete('rng.loader');
    save(join(out, CHECKPOINT_FILE), ckpt.tensors, ckpt.metadata);
    const before = snapshot(out);
    const r = await train(out, '--epochs', '2', '--resume');
    expectOneLine(r, 2, /checkpoint\.safetensors: rng\.loader \(a random stream's state, 5 numbers\) is missing or malformed; delete it to start over/);
    expect(snapshot(out)).toEqual(before);
  });
  test('sample --n 1000000000 is refused before anything is allocated', async () => {
    expectOneLine(await run('sample', '--n', '1000000000'), 2, /--n expects a whole number from 1 to 1024, got "1000000000"/);
  });
});

describe('7. smaller CLI problems', () => {
  test('--epochs -1 names the flag and the range', async () => {
    expectOneLine(await run('train', '--epochs', '-1'), 2, /^tensorgrad-vae: --epochs expects a whole number from 1 to 1000000, got "-1"/);
    expectOneLine(await run('train', '--lr', '-0.5'), 2, /--lr expects a positive number, got "-0.5"/);
  });
  test('evaluate --iw 0 is rejected before any work (here: before the missing checkpoint is noticed)', async () => {
    expectOneLine(await run('evaluate', '--iw', '0', '--checkpoint', '/nonexistent/model.safetensors'), 2, /--iw expects a whole number from 1 to 10000, got "0"/);
  });
  test('evaluate, reconstruct and interpolate need only the test files', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    const data = tmp();
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(defaultMnistDir(), f), join(data, f));
    for (const argv of [['evaluate', '--limit-test', '50'], ['reconstruct'], ['interpolate']]) {
      const r = await run(...argv, '--out', out, '--data', data);
      expect(r.code, `${argv[0]}: ${r.err}`).toBe(0);
    }
  });
  test('--limit-test 3 trains, saves and exits 0: interpolation uses digits that exist', async () => {
    const out = tmp();
    const r = await run('train', '--out', out, ...small, '--epochs', '1', '--limit-test', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/note: the test set has no 0; interpolation\.png goes from a 7 to a 2/);
  });
  test('--resume with a model but no checkpoint is refused; the model is not overwritten', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    rmSync(join(out, CHECKPOINT_FILE));
    const before = snapshot(out);
    expectOneLine(await train(out, '--epochs', '2', '--resume'), 2, /cannot resume: .* has model\.safetensors but no checkpoint\.safetensors/);
    expect(snapshot(out)).toEqual(before);
  });
  test('--resume with another --limit-train (or --limit-test, --seed…) is refused by name', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    expectOneLine(await run('train', '--out', out, ...small, '--limit-train', '128', '--epochs', '2', '--resume'), 2,
      /cannot resume: the checkpoint in .* was trained with --limit-train 256, not 128/);
    expectOneLine(await run('train', '--out', out, ...small.slice(0, 2), '--batch-size', '64', '--hidden', '32', '--backend', 'cpu', '--epochs', '2', '--resume'), 2,
      /was trained with --limit-test 64, not all/);
  });
  test('train --data /nonexistent leaves no out dir behind', async () => {
    const out = join(tmp(), 'out');
    expectOneLine(await run('train', '--data', '/nonexistent', '--out', out), 2, /no train-images-idx3-ubyte file/);
    expect(existsSync(out)).toBe(false);
  });
  test('an unexpected error is still one line (the stack only with TENSORGRAD_DEBUG)', async () => {
    const r = await run('sample', '--out', tmp(), '--checkpoint', '/');
    expect(r.code).toBeGreaterThan(0);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
