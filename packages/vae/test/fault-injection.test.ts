// Fault injection: a small training run is SIGKILLed again and again — at random moments, and
// (half of the kills) the instant a checkpoint's temp file appears, i.e. mid-write — and resumed
// with --resume after each kill. Whatever the moments, the run must finish with exactly the
// numbers and the model of an uninterrupted run, and leave no temp file (nor lock) behind.
// Then the other ways a run meets another or ends early: a second run into the same --out, a
// fresh run into a finished one's, and Ctrl-C / SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadFile } from '@tensorgrad/nn';
import { tmp } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const EPOCHS = 6;
const args = (out: string) => ['train', '--out', out, '--epochs', String(EPOCHS), '--limit-train', '512', '--limit-test', '64', '--batch-size', '64', '--backend', 'cpu', '--resume'];
const KILLS = 10;

/** A small seeded generator (mulberry32), so a failing schedule can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The last epoch the checkpoint in `out` commits (0 before the first). */
function committedEpoch(out: string): number {
  const path = join(out, 'checkpoint.safetensors');
  return existsSync(path) ? Number(loadFile(path).metadata.epoch) : 0;
}

/**
 * Starts the run and kills it after `delay` ms or the instant the temp file of its `atWrite`-th
 * checkpoint appears, whichever comes first (no kill: an infinite delay and atWrite). Resolves to
 * how it ended ('killed' or 0) and what it printed.
 */
function runAndKill(out: string, how: { delay: number; atWrite: number }): Promise<{ ended: 'killed' | 0; stdout: string }> {
  return new Promise((resolve, reject) => {
    const stale = new Set(readdirSync(out));
    const child = spawn(process.execPath, [cli, ...args(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = () => child.kill('SIGKILL');
    const timer = Number.isFinite(how.delay) ? setTimeout(kill, how.delay) : undefined;
    // Temp files of this attempt's checkpoints, each counted once: a file raises several events,
    // and removing the one a killed attempt left behind (present before this start) raises one too.
    const writes = new Set<string>();
    const watcher = Number.isFinite(how.atWrite) ? watch(out, (_, name) => {
      if (name === null || !/^\.checkpoint\.safetensors\..*\.tmp$/.test(name) || stale.has(name)) return;
      writes.add(name);
      if (writes.size === how.atWrite) kill();
    }) : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      watcher?.close();
      if (signal === 'SIGKILL') resolve({ ended: 'killed', stdout });
      else if (code === 0) resolve({ ended: 0, stdout });
      else reject(new Error(`the run failed (exit ${code}): ${stderr}`));
    });
  });
}

const losses = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
  const { epoch, train_loss, test_loss } = JSON.parse(l) as Record<string, number>;
  return [epoch, train_loss, test_loss];
});

test('SIGKILL at any moment, mid-checkpoint included: --resume always finishes with the uninterrupted run\'s numbers', async () => {
  const reference = tmp();
  const t0 = performance.now();
  const straight = spawnSync(process.execPath, [cli, ...args(reference)], { encoding: 'utf8' });
  expect(straight.status, straight.stderr).toBe(0);
  const span = performance.now() - t0;

  const seed = Date.now() % 100_000;
  const next = random(seed);
  const out = tmp();
  let kills = 0;
  let midWrite = 0;
  let resumes = 0;
  for (let i = 0; ; i++) {
    // Alternately: a kill at a random time of the run (start-up and data loading included), and
    // one the instant the 1st, 2nd or 3rd checkpoint of the attempt starts being written. Either
    // lands by the time the last checkpoint still to come starts being written, so every attempt
    // kills (a resumed run is shorter than the random delay may be) and the run cannot finish
    // early. After KILLS attempts the run is left to finish.
    const left = EPOCHS - committedEpoch(out);
    const how = i >= KILLS ? { delay: Infinity, atWrite: Infinity }
      : i % 2 === 1 ? { delay: Infinity, atWrite: 1 + Math.floor(next() * Math.min(3, left)) }
      : { delay: 50 + next() * 0.6 * span, atWrite: left };
    const { ended, stdout } = await runAndKill(out, how);
    if (stdout.includes('resuming after epoch')) resumes++;
    if (ended === 0) break;
    kills++;
    // A temp file left behind is the proof that this kill landed mid-write.
    if (readdirSync(out).some((f) => f.endsWith('.tmp'))) midWrite++;
  }
  const story = `seed ${seed}: ${kills} kills, ${midWrite} mid-write, ${resumes} resumed runs`;
  expect(kills, story).toBe(KILLS);
  expect(midWrite, story).toBeGreaterThan(0);
  expect(resumes, story).toBeGreaterThanOrEqual(2);
  expect(losses(out), story).toEqual(losses(reference));
  expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(reference, 'model.safetensors'))), story).toBe(true);
  expect(readdirSync(out).filter((f) => f.endsWith('.tmp') || f === '.lock'), story).toEqual([]);
  expect(existsSync(join(out, 'interpolation.png'))).toBe(true);
}, 180_000);

// ---- concurrent runs, replacing a run, signals ---------------------------------------------

/** A run long enough never to finish while a test acts on it (it is stopped or killed first). */
const longRun = (out: string, ...more: string[]) => ['train', '--out', out, '--epochs', '1000', '--limit-train', '512', '--limit-test', '64', '--batch-size', '64', '--hidden', '32', '--backend', 'cpu', ...more];

interface Running {
  child: ChildProcess;
  /** Resolves once stdout matches `pattern` (rejects if the run ends first). */
  waitFor(pattern: RegExp): Promise<string>;
  /** How it ended, and everything it printed. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(argv: string[]): Running {
  const child = spawn(process.execPath, [cli, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  const waiters: { pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (!w.pattern.test(stdout)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(stdout);
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`the run ended (${code ?? signal}) before printing ${w.pattern}: ${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    ended,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve, reject });
      check();
    }),
  };
}

/** Every file in `dir` with its bytes. */
const bytes = (dir: string) => new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

/** The files a stopped run may leave: complete ones only (no temp file, no lock), and a checkpoint that loads. */
function expectComplete(out: string, epoch: number): void {
  expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'metrics.jsonl', 'model.safetensors', 'reconstructions-before.png']);
  expect(committedEpoch(out)).toBe(epoch);
  expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual(Array.from({ length: epoch }, (_, i) => i + 1));
}

test('a second train into the same --out while the first runs: exit 2 naming the first one\'s pid; the first run\'s files stay whole and resume', async () => {
  const out = tmp();
  const first = start(longRun(out));
  await first.waitFor(/^epoch 1\/1000 {2}train loss/m);
  const second = spawnSync(process.execPath, [cli, ...longRun(out, '--resume')], { encoding: 'utf8' });
  expect(second.status, second.stderr).toBe(2);
  expect(second.stderr).toMatch(new RegExp(`^tensorgrad-vae: ${out} is in use by another train run \\(pid ${first.child.pid}, started [^)]*\\);[^\\n]*\\n$`));
  first.child.kill('SIGTERM');
  const { code } = await first.ended;
  expect(code).toBe(143);
  const saved = committedEpoch(out);
  expect(saved).toBeGreaterThanOrEqual(1);
  expectComplete(out, saved);
  const resumed = spawnSync(process.execPath, [cli, ...longRun(out, '--resume').map((a) => (a === '1000' ? String(saved + 1) : a))], { encoding: 'utf8' });
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain(`resuming after epoch ${saved}`);
  expect(readdirSync(out).filter((f) => f.endsWith('.tmp') || f === '.lock')).toEqual([]);
}, 120_000);

test('a finished run\'s --out: train without --resume is refused unless --overwrite, and the directory is left byte for byte', () => {
  const out = tmp();
  const argv = ['train', '--out', out, '--epochs', '1', '--limit-train', '128', '--limit-test', '64', '--hidden', '16', '--backend', 'cpu'];
  const first = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8' });
  expect(first.status, first.stderr).toBe(0);
  const before = bytes(out);
  const again = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8' });
  expect(again.status).toBe(2);
  expect(again.stderr).toMatch(/^tensorgrad-vae: [^\n]* already holds this run, finished after 1 epoch; pass --overwrite to train it again from scratch[^\n]*\n$/);
  expect(bytes(out)).toEqual(before);
  const replaced = spawnSync(process.execPath, [cli, ...argv, '--overwrite', '--seed', '2'], { encoding: 'utf8' });
  expect(replaced.status, replaced.stderr).toBe(0);
  expect(loadFile(join(out, 'checkpoint.safetensors')).metadata.seed).toBe('2');
}, 60_000);

describe.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s during train', (signal, exitCode) => {
  test(`stops between batches, says what is saved and how to resume, exits ${exitCode}; the files are whole and resume`, async () => {
    const out = tmp();
    const run = start(longRun(out));
    await run.waitFor(/^epoch 1\/1000 /m); // a progress line: training is under way
    run.child.kill(signal);
    const { code, signal: killedBy, stdout, stderr } = await run.ended;
    expect([code, killedBy], stderr).toEqual([exitCode, null]);
    expect(stdout.endsWith('\n'), 'the progress line is ended').toBe(true);
    const m = new RegExp(`^tensorgrad-vae: interrupted by ${signal} (?:in epoch \\d+ \\(after batch \\d/8; that epoch is dropped\\)|after epoch \\d+|before training started): ` +
      '(?:the checkpoint of epoch (\\d+) in (\\S+) is saved|no checkpoint is saved in (\\S+) yet); to continue: (tensorgrad-vae train [^\\n]* --resume)\\n$').exec(stderr);
    expect(m, stderr).not.toBeNull();
    const saved = Number(m![1] ?? 0);
    expect(m![2] ?? m![3]).toBe(out);
    expect(committedEpoch(out)).toBe(saved);
    if (saved > 0) expectComplete(out, saved);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp') || f === '.lock')).toEqual([]);
    // The command it printed, one epoch further instead of 1000, continues the run.
    const argv = m![4].split(' ').slice(1).map((a) => (a === '1000' ? String(saved + 1) : a));
    expect(argv).toEqual([...longRun(out).map((a) => (a === '1000' ? String(saved + 1) : a)), '--resume']);
    const resumed = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    if (saved > 0) expect(resumed.stdout).toContain(`resuming after epoch ${saved}`);
    expect(committedEpoch(out)).toBe(saved + 1);
  }, 120_000);
});
