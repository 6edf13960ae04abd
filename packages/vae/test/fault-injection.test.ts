// Fault injection: a small training run is SIGKILLed again and again — at random moments, and
// (half of the kills) the instant a checkpoint's temp file appears, i.e. mid-write — and resumed
// with --resume after each kill. Whatever the moments, the run must finish with exactly the
// numbers and the model of an uninterrupted run, and leave no temp file behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
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
  expect(readdirSync(out).filter((f) => f.endsWith('.tmp')), story).toEqual([]);
  expect(existsSync(join(out, 'interpolation.png'))).toBe(true);
}, 180_000);
