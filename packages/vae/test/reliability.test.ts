// The cases of the reliability review, one test each: a user under pressure gets one line on
// stderr (never a stack), the documented exit code (2 bad input, 1 a failure while running), and
// the files that were there before are unchanged.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { defaultMnistDir, loadFile, save } from '@tensorgrad/nn';
import { CHECKPOINT_FILE, InterruptedError, main, startExplorer, train as trainApi } from '../src/index.js';
import { idxDataset, sink, tmp } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

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
  test('after a divergence, a smaller --lr is a new run: --resume refuses it by name, the message says --overwrite, and that trains', async () => {
    const out = tmp();
    const argv = ['--epochs', '2', '--limit-train', '128', '--limit-test', '64', '--lr', '1e5', '--backend', 'cpu'];
    expect((await run('train', '--out', out, ...argv)).code).toBe(0);
    const diverged = await run('train', '--out', out, ...argv, '--epochs', '3', '--resume');
    expectOneLine(diverged, 1, /the checkpoint of epoch 2 in .* is kept; to try a smaller learning rate, start a new run \(--overwrite --lr 10000, or another --out\)/);
    const before = snapshot(out);
    expectOneLine(await run('train', '--out', out, ...argv, '--epochs', '3', '--lr', '1e4', '--resume'), 2,
      /cannot resume: the checkpoint in .* was trained with --lr 100000, not 10000; use the same --lr, or start a new run \(--overwrite, or another --out\)/);
    expect(snapshot(out)).toEqual(before);
    const r = await run('train', '--out', out, ...argv, '--epochs', '1', '--lr', '1e-3', '--overwrite');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/--overwrite: removed the previous run's checkpoint\.safetensors, model\.safetensors, metrics\.jsonl from/);
    expect(loadFile(join(out, CHECKPOINT_FILE)).metadata).toMatchObject({ epoch: '1', lr: '0.001' });
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
    expectOneLine(await train(out, '--epochs', '2', '--lr', '2e-3', '--resume'), 2, /was trained with --lr 0\.001, not 0\.002; use the same --lr/);
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

describe('8. one run per --out, replaced only when asked (issue 22)', () => {
  test('a fresh train into an --out holding a run is refused in one line saying whether --resume or --overwrite fits; nothing changes', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    const before = snapshot(out);
    expectOneLine(await train(out, '--epochs', '3'), 2, /already holds this run, stopped after epoch 1 of 3; pass --resume to continue it, or --overwrite to start over, or choose another --out/);
    expectOneLine(await train(out, '--epochs', '1'), 2, /already holds this run, finished after 1 epoch; pass --overwrite to train it again from scratch, or --resume with a larger --epochs/);
    expectOneLine(await train(out, '--epochs', '3', '--seed', '2'), 2, /already holds a run trained with --seed 1, not 2; pass --overwrite to replace it with a new one/);
    expectOneLine(await train(out, '--epochs', '3', '--lr', '1e-2'), 2, /already holds a run trained with --lr 0\.001, not 0\.01; pass --overwrite/);
    expectOneLine(await train(out, '--epochs', '3', '--resume', '--overwrite'), 2, /--resume continues the run in --out and --overwrite replaces it: pass one of them, not both/);
    expect(snapshot(out)).toEqual(before);
    rmSync(join(out, CHECKPOINT_FILE));
    expectOneLine(await train(out, '--epochs', '1'), 2, /already holds model\.safetensors \(without a checkpoint\.safetensors: another run's, or an older version's\); pass --overwrite to replace it/);
    const r = await train(out, '--epochs', '1', '--overwrite');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(out, CHECKPOINT_FILE))).toBe(true);
  });

  test('a lock left by a run that is no longer running is taken over (and released at the end); a live one refuses naming its pid', async () => {
    const out = tmp();
    const gone = spawnSync(process.execPath, ['-e', '']).pid; // a pid that has exited
    writeFileSync(join(out, '.lock'), `${gone}\n2000-01-01T00:00:00.000Z\n${hostname()}\n`);
    const r = await train(out, '--epochs', '1');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(out, '.lock'))).toBe(false);

    // The process running this test file's runner is alive: its "lock" holds the directory.
    writeFileSync(join(out, '.lock'), `${process.ppid}\n2000-01-01T00:00:00.000Z\n${hostname()}\n`);
    const before = snapshot(out);
    expectOneLine(await train(out, '--epochs', '2', '--resume'), 2,
      new RegExp(`${out} is in use by another train run \\(pid ${process.ppid}, started 2000-01-01T00:00:00\\.000Z\\); wait for it to end, stop it, or choose another --out`));
    writeFileSync(join(out, '.lock'), `${gone}\n2000-01-01T00:00:00.000Z\nanother-host\n`);
    expectOneLine(await train(out, '--epochs', '2', '--resume'), 2, new RegExp(`\\(pid ${gone} on another-host, started`));
    writeFileSync(join(out, '.lock'), `${process.ppid}\n2000-01-01T00:00:00.000Z\n${hostname()}\n`);
    expect(snapshot(out)).toEqual(before);
  });

  test('the lock is released when a run fails (here: a refused --resume)', async () => {
    const out = tmp();
    expect((await train(out, '--epochs', '1')).code).toBe(0);
    expect((await train(out, '--epochs', '2', '--seed', '9', '--resume')).code).toBe(2);
    expect(existsSync(join(out, '.lock'))).toBe(false);
  });

  test('an abort between batches (what SIGINT does in the CLI): an InterruptedError saying what is saved; the terminal\'s progress bar is cleared', async () => {
    const out = tmp();
    const controller = new AbortController();
    let text = '';
    // A terminal: the first redraw of the bar stands for the moment Ctrl-C is pressed.
    const stdout = { isTTY: true, columns: 100, write: (s: string) => ((text += s), s.startsWith('\r') && !s.startsWith('\r\x1b[K') && controller.abort('SIGINT'), true) };
    const run = trainApi({ epochs: 2, batchSize: 64, lr: 1e-3, seed: 1, latent: 20, hidden: 32, limitTrain: 256, limitTest: 64, out, resume: false, backend: 'cpu', samples: 8, stdout, signal: controller.signal });
    const e = await run.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(InterruptedError);
    expect(e).toMatchObject({ signal: 'SIGINT', savedEpoch: 0, exitCode: 130 });
    expect((e as Error).message).toBe(`interrupted by SIGINT in epoch 1 (after batch 1/4; that epoch is dropped): no checkpoint is saved in ${out} yet`);
    expect(text.endsWith('\r\x1b[K')).toBe(true);
    expect(readdirSync(out)).toEqual(['reconstructions-before.png']);
  });
});

describe('9. out dirs and data dirs: the real reason, before any work (issue 22)', () => {
  test('--out naming a regular file says so', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, '');
    expectOneLine(await train(file, '--epochs', '1'), 2, new RegExp(`--out ${file} names a file, not a directory`));
    const model = tmp();
    expect((await train(model, '--epochs', '1')).code).toBe(0);
    expectOneLine(await run('sample', '--checkpoint', join(model, 'model.safetensors'), '--out', file), 2, /names a file, not a directory/);
  });

  test.skipIf(!existsSync('/proc/self'))('--out under /proc (where a recursive mkdir never returns) ends at once: exit 2, one line', () => {
    // The built command, with a bound: before the fix the process spun forever in one synchronous
    // call, where its SIGTERM handler never runs, hence SIGKILL.
    const r = spawnSync(process.execPath, [cli, 'train', '--out', '/proc/self/tensorgrad-out', '--limit-train', '64', '--limit-test', '64'],
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expectOneLine({ code: r.status ?? -1, out: r.stdout, err: r.stderr }, 2, /cannot create the output directory \/proc\/self\/tensorgrad-out: \/proc\/self does not take new directories/);
  });

  test('images that are not 28×28 are refused by every command that reads data, and train leaves no out dir', async () => {
    const data = idxDataset(10);
    const out = join(tmp(), 'out');
    expectOneLine(await run('train', '--data', data, '--out', out, '--backend', 'cpu'), 2, /mnist: .*: the train-images file holds 10×10 images; the VAE needs MNIST's 28×28/);
    expect(existsSync(out)).toBe(false);
    const model = tmp();
    expect((await train(model, '--epochs', '1')).code).toBe(0);
    for (const command of ['evaluate', 'reconstruct', 'interpolate']) {
      expectOneLine(await run(command, '--out', model, '--data', data), 2, /the t10k-images file holds 10×10 images; the VAE needs MNIST's 28×28/);
    }
    const explorer = startExplorer({ checkpoint: join(model, 'model.safetensors'), data, port: 0 });
    await expect(explorer.then((e) => e.close())).rejects.toThrow(/the t10k-images file holds 10×10 images; the VAE needs MNIST's 28×28/);
  });

  test('an --out that fails part-way (a name too long) leaves none of the directories this run made', async () => {
    const base = tmp();
    const r = await train(join(base, 'new', 'x'.repeat(300)), '--epochs', '1');
    expectOneLine(r, 2, /cannot create the output directory .*name too long/);
    expect(readdirSync(base)).toEqual([]);
  });

  test('--data through a regular file: the real reason, not "no train-images file"', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, '');
    expectOneLine(await run('train', '--data', join(file, 'mnist'), '--out', join(tmp(), 'out')), 2, /a-file\/mnist: cannot read: a part of the path is a file, not a directory/);
    expectOneLine(await run('train', '--data', file, '--out', join(tmp(), 'out')), 2, /a-file: cannot read: a part of the path is a file, not a directory/);
  });

  // Root reads any file whatever its mode (the DAC_OVERRIDE and DAC_READ_SEARCH capabilities), so
  // as root the command runs without those two (util-linux's setpriv). Still root, it can reach the
  // checkout wherever it is, which running as nobody could not (a checkout under a 0700 directory).
  test.skipIf(process.platform === 'win32')('an unreadable --data directory: permission denied, naming the file (without root\'s override capabilities)', () => {
    const root = tmp();
    chmodSync(root, 0o755);
    const data = join(root, 'mnist');
    mkdirSync(data);
    chmodSync(data, 0o000);
    try {
      const args = [cli, 'train', '--data', data, '--out', join(root, 'out')];
      const drop = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
      const r = process.getuid?.() === 0
        ? spawnSync('setpriv', [...drop, process.execPath, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, args, { encoding: 'utf8' });
      expectOneLine({ code: r.status ?? -1, out: r.stdout, err: r.stderr }, 2, new RegExp(`${data}/train-images-idx3-ubyte: cannot read: permission denied`));
      expect(existsSync(join(root, 'out'))).toBe(false);
    } finally {
      chmodSync(data, 0o755);
    }
  });
});
