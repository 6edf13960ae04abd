// The training run's checkpoint: everything needed to continue a run (model, optimizer, random
// streams, epoch, settings, metrics) in one file, and the copies derived from it (metrics.jsonl,
// model.safetensors).
import { join } from 'node:path';
import { Generator, tensor } from '@tensorgrad/core';
import { Adam, loadFile, save, writeFileAtomic, type SafetensorsFile, type StateDict } from '@tensorgrad/nn';
import { CheckpointError, UsageError } from './errors.js';
import type { ModelKind, VAEBase } from './model.js';
import { MODEL_FILE, checkFinite, vaeFromStateDict } from './model-files.js';

/** Everything needed to continue a run: model, optimizer, random streams, epoch and metrics, in one file. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** One JSON object per finished epoch. */
export const METRICS_FILE = 'metrics.jsonl';
const FORMAT = 'tensorgrad-vae-run';

/** One line of metrics.jsonl. Losses are per example; seconds are the epoch's training time. */
export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  test_loss: number;
  seconds: number;
}

/** The settings that decide a run's numbers: a resumed run must use the same ones. */
export interface RunSettings {
  /** Which network (default, and in checkpoints from before the convolutional one: the MLP). */
  model?: ModelKind;
  /** Adam's learning rate. */
  lr: number;
  seed: number;
  batchSize: number;
  latent: number;
  hidden: number;
  limitTrain?: number;
  limitTest?: number;
}

/** A run at the end of an epoch: what the checkpoint holds. */
export interface RunState {
  model: VAEBase;
  opt: Adam;
  loaderNoise: Generator;
  /** The last finished epoch (0 before the first). */
  epoch: number;
  metrics: EpochMetrics[];
}

const SETTINGS: readonly [keyof RunSettings, string, string][] = [
  ['model', 'model', '--model'], ['lr', 'lr', '--lr'], ['seed', 'seed', '--seed'], ['batchSize', 'batch_size', '--batch-size'], ['latent', 'latent', '--latent'],
  ['hidden', 'hidden', '--hidden'], ['limitTrain', 'limit_train', '--limit-train'], ['limitTest', 'limit_test', '--limit-test'],
];
const show = (v: number | string | undefined): string => (v === undefined ? 'all' : String(v));
/** A setting as the checkpoint's metadata records it. */
const setting = (s: RunSettings, key: keyof RunSettings): string => show(key === 'model' ? (s.model ?? 'mlp') : s[key]);

/**
 * Saves the run after `state.epoch`. The checkpoint file is the one commit point: it is written
 * atomically (temp file, fsync, rename), so a kill at any moment leaves either the previous
 * epoch's checkpoint or this one, never a mix. metrics.jsonl and model.safetensors are copies
 * derived from it, written after it; `resumeRun` rewrites them, so a kill between the writes
 * costs nothing.
 */
export function saveRun(out: string, settings: RunSettings, state: RunState): void {
  const tensors: StateDict = new Map();
  for (const [k, v] of state.model.stateDict()) tensors.set(`model.${k}`, v);
  for (const [k, v] of state.opt.stateDict()) tensors.set(`optimizer.${k}`, v);
  tensors.set('rng.noise', tensor(state.model.sampler.noise.getState(), { dtype: 'float64' }));
  tensors.set('rng.loader', tensor(state.loaderNoise.getState(), { dtype: 'float64' }));
  const meta: Record<string, string> = { format: FORMAT, epoch: String(state.epoch), metrics: JSON.stringify(state.metrics) };
  for (const [key, name] of SETTINGS) meta[name] = setting(settings, key);
  save(join(out, CHECKPOINT_FILE), tensors, meta);
  writeOutputs(out, state);
}

/** metrics.jsonl and model.safetensors as of `state` (both atomic). */
export function writeOutputs(out: string, state: RunState): void {
  const lines = state.metrics.map((m) => JSON.stringify(m)).join('\n');
  writeFileAtomic(join(out, METRICS_FILE), [new TextEncoder().encode(lines === '' ? '' : `${lines}\n`)], 'train');
  save(join(out, MODEL_FILE), state.model.stateDict(), { format: 'tensorgrad-vae', model: state.model.kind, epoch: String(state.epoch) });
}

/**
 * The first setting the checkpoint was trained with that differs from `settings`, in words
 * (`--lr 0.001, not 0.0001`); undefined when all agree. Checkpoints written before the learning
 * rate was recorded in the metadata have it in the optimizer's state.
 */
function mismatch(file: SafetensorsFile, settings: RunSettings): { flag: string; words: string } | undefined {
  const lr = file.tensors.get('optimizer.param_groups.0.lr');
  for (const [key, name, flag] of SETTINGS) {
    const recorded = file.metadata[name] ?? (name === 'lr' && lr?.numel() === 1 ? show(lr.item()) : name === 'model' ? 'mlp' : undefined);
    if (recorded !== setting(settings, key)) return { flag, words: `${flag} ${recorded ?? '(unknown)'}, not ${setting(settings, key)}` };
  }
  return undefined;
}

/** The run a checkpoint file holds, read just far enough to say whether `settings` could resume it. */
export interface SavedRun {
  /** The last finished epoch. */
  epoch: number;
  /** The first setting that differs from the ones asked for, in words; undefined when all agree. */
  differs?: string;
}

/** What the checkpoint in `out` holds, or undefined when it is not a readable training checkpoint. */
export function peekRun(out: string, settings: RunSettings): SavedRun | undefined {
  let file: SafetensorsFile;
  try {
    file = loadFile(join(out, CHECKPOINT_FILE));
  } catch {
    return undefined;
  }
  const epoch = Number(file.metadata.epoch);
  if (file.metadata.format !== FORMAT || !Number.isInteger(epoch) || epoch < 1) return undefined;
  return { epoch, differs: mismatch(file, settings)?.words };
}

/**
 * The run saved in `out`, checked against this run's settings: a different learning rate, seed,
 * batch size, size or data limit would silently change the numbers (a resumed run would no longer
 * equal an uninterrupted one), so each is refused by name.
 */
export function resumeRun(out: string, settings: RunSettings): RunState {
  const path = join(out, CHECKPOINT_FILE);
  const file = loadFile(path);
  const meta = file.metadata;
  const bad = (what: string): never => {
    throw new CheckpointError('resume', `${path}: ${what}; delete it to start over`);
  };
  if (meta.format !== FORMAT) bad(`not a training checkpoint (format ${JSON.stringify(meta.format ?? null)}, expected ${FORMAT})`);
  const epoch = Number(meta.epoch);
  if (!Number.isInteger(epoch) || epoch < 1) bad(`epoch ${JSON.stringify(meta.epoch)} is not a whole number ≥ 1`);
  const differs = mismatch(file, settings);
  if (differs !== undefined) {
    throw new UsageError(`cannot resume: the checkpoint in ${out} was trained with ${differs.words}; use the same ${differs.flag}, ` +
      'or start a new run (--overwrite, or another --out)');
  }
  const { lr } = settings;
  const part = (prefix: string): StateDict => new Map([...file.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const model = vaeFromStateDict(part('model.'), path);
  checkFinite(model, path);
  const optState = part('optimizer.');
  if (optState.size === 0) bad('it holds no optimizer state');
  const opt = new Adam(model.parameters(), { lr });
  opt.loadStateDict(optState);
  const rng = (name: string): Generator => {
    const t = file.tensors.get(`rng.${name}`);
    if (t === undefined || t.numel() !== 5) bad(`rng.${name} (a random stream's state, 5 numbers) is missing or malformed`);
    return new Generator().setState(Array.from(t!.data));
  };
  model.sampler.noise = rng('noise');
  const loaderNoise = rng('loader');
  let metrics: EpochMetrics[] = [];
  try {
    metrics = JSON.parse(meta.metrics ?? '') as EpochMetrics[];
  } catch {
    bad('its metrics are not valid JSON');
  }
  if (!Array.isArray(metrics) || metrics.length !== epoch || metrics.some((m, i) => m?.epoch !== i + 1 || !Number.isFinite(m.train_loss) || !Number.isFinite(m.test_loss))) {
    bad(`its metrics do not list epochs 1…${epoch} with finite losses`);
  }
  return { model, opt, loaderNoise, epoch, metrics };
}
