import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, cat, fmtShape, tensor, type Tensor } from '@tensorgrad/core';
import { Adam, StateDictError, loadFile, parseSafetensors as parse, readFileChecked, save, writeFileAtomic, type StateDict } from '@tensorgrad/nn';
import { CheckpointError, UsageError } from './errors.js';
import { PIXELS, VAE } from './model.js';

// ---- model files ---------------------------------------------------------------------------

/**
 * Model files come in two layouts:
 * - the write-up's (ours): `encoder.0`, `encoder.2` (2d outputs: means then log-variances), `decoder.0`, `decoder.2`;
 * - PyTorch's `examples/vae`: `fc1`, `fc21` (means), `fc22` (log-variances), `fc3`, `fc4`.
 * The second is recognised from its names and converted: `encoder.2` is `fc21` stacked over `fc22`.
 */
const PYTORCH_EXAMPLE_KEYS = ['fc1', 'fc21', 'fc22', 'fc3', 'fc4'].flatMap((l) => [`${l}.weight`, `${l}.bias`]);

export type CheckpointLayout = 'write-up' | 'pytorch-examples-vae';

export function detectLayout(sd: ReadonlyMap<string, Tensor>): CheckpointLayout {
  return PYTORCH_EXAMPLE_KEYS.every((k) => sd.has(k)) ? 'pytorch-examples-vae' : 'write-up';
}

/** The state dict in the write-up's names, whichever layout it came in. */
export function toWriteUpLayout(sd: ReadonlyMap<string, Tensor>): StateDict {
  if (detectLayout(sd) === 'write-up') return new Map(sd);
  const g = (k: string): Tensor => sd.get(k)!;
  return new Map<string, Tensor>([
    ['encoder.0.weight', g('fc1.weight')],
    ['encoder.0.bias', g('fc1.bias')],
    ['encoder.2.weight', cat([g('fc21.weight'), g('fc22.weight')], 0)],
    ['encoder.2.bias', cat([g('fc21.bias'), g('fc22.bias')], 0)],
    ['decoder.0.weight', g('fc3.weight')],
    ['decoder.0.bias', g('fc3.bias')],
    ['decoder.2.weight', g('fc4.weight')],
    ['decoder.2.bias', g('fc4.bias')],
  ]);
}

/** Latent and hidden sizes read off the weight shapes (encoder.0: [hidden, 784], encoder.2: [2d, hidden]). */
export function inferSizes(sd: ReadonlyMap<string, Tensor>, source = 'checkpoint'): { latent: number; hidden: number } {
  const w0 = sd.get('encoder.0.weight');
  const w2 = sd.get('encoder.2.weight');
  if (w0 === undefined || w2 === undefined) {
    throw new StateDictError('loadVae', `${source}: not a VAE checkpoint (no encoder.0.weight / encoder.2.weight, nor fc1…fc4); keys: ${[...sd.keys()].slice(0, 8).join(', ')}`);
  }
  if (w0.ndim !== 2 || w0.shape[1] !== PIXELS || w2.ndim !== 2 || w2.shape[0] % 2 !== 0 || w2.shape[1] !== w0.shape[0]) {
    throw new StateDictError('loadVae', `${source}: encoder weights ${fmtShape(w0.shape)} and ${fmtShape(w2.shape)} do not form a 784 → hidden → 2d encoder`);
  }
  return { latent: w2.shape[0] / 2, hidden: w0.shape[0] };
}

/** Builds a VAE of the checkpoint's sizes and loads it (strict: every name and shape must fit). */
export function vaeFromStateDict(sd: ReadonlyMap<string, Tensor>, source = 'checkpoint'): VAE {
  const state = toWriteUpLayout(sd);
  const model = new VAE(inferSizes(state, source));
  model.loadStateDict(state);
  return model;
}

/** Loads a VAE from a safetensors file in either layout. */
export function loadVae(path: string): VAE {
  return vaeFromStateDict(loadFile(path).tensors, path);
}

/**
 * Refuses weights that are not all finite: a diverged model decodes NaN and scores NaN, and must
 * not pass for a trained one. Names the first bad tensor and how many of its values are bad.
 */
export function checkFinite(model: VAE, source: string): void {
  for (const [name, t] of model.stateDict()) {
    const d = t.data;
    let bad = 0;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) bad++;
    if (bad > 0) {
      throw new CheckpointError('loadVae', `${source}: ${name} has ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±∞) of ${d.length}: the run that wrote it diverged; retrain, or resume from an earlier checkpoint with a smaller --lr`);
    }
  }
}

/**
 * The model file a command works from, checked: it must exist (the message says how to make
 * one), parse, fit a VAE and hold finite weights. Returns the model in eval mode, and the file's
 * bytes (the explorer serves them).
 */
export function readCheckedVae(path: string): { model: VAE; bytes: Uint8Array } {
  if (!existsSync(path)) throw new UsageError(`no checkpoint at ${path}; train first (tensorgrad-vae train) or pass --checkpoint PATH`);
  const bytes = readFileChecked('load', path);
  const model = vaeFromStateDict(parse(bytes, path).tensors, path);
  checkFinite(model, path);
  return { model: model.eval(), bytes };
}

/** The model a subcommand works from (`--checkpoint`, else `<out>/model.safetensors`), checked and in eval mode. */
export function loadVaeForCli(flag: string | undefined, out: string): VAE {
  return readCheckedVae(flag ?? join(out, MODEL_FILE)).model;
}

// ---- the training run's checkpoint ----------------------------------------------------------

/** Everything needed to continue a run: model, optimizer, random streams, epoch and metrics, in one file. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The model alone, in the write-up's names (PyTorch loads it with `load_state_dict`). */
export const MODEL_FILE = 'model.safetensors';
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
  seed: number;
  batchSize: number;
  latent: number;
  hidden: number;
  limitTrain?: number;
  limitTest?: number;
}

/** A run at the end of an epoch: what the checkpoint holds. */
export interface RunState {
  model: VAE;
  opt: Adam;
  loaderNoise: Generator;
  /** The last finished epoch (0 before the first). */
  epoch: number;
  metrics: EpochMetrics[];
}

const SETTINGS: readonly [keyof RunSettings, string, string][] = [
  ['seed', 'seed', '--seed'], ['batchSize', 'batch_size', '--batch-size'], ['latent', 'latent', '--latent'],
  ['hidden', 'hidden', '--hidden'], ['limitTrain', 'limit_train', '--limit-train'], ['limitTest', 'limit_test', '--limit-test'],
];
const show = (v: number | undefined): string => (v === undefined ? 'all' : String(v));

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
  for (const [key, name] of SETTINGS) meta[name] = show(settings[key]);
  save(join(out, CHECKPOINT_FILE), tensors, meta);
  writeOutputs(out, state);
}

/** metrics.jsonl and model.safetensors as of `state` (both atomic). */
export function writeOutputs(out: string, state: RunState): void {
  const lines = state.metrics.map((m) => JSON.stringify(m)).join('\n');
  writeFileAtomic(join(out, METRICS_FILE), [new TextEncoder().encode(lines === '' ? '' : `${lines}\n`)], 'train');
  save(join(out, MODEL_FILE), state.model.stateDict(), { format: 'tensorgrad-vae', epoch: String(state.epoch) });
}

/**
 * The run saved in `out`, checked against this run's settings (a different seed, batch size,
 * size or data limit would silently change the numbers, so each is refused by name). The learning
 * rate may change: resuming a diverged run with a smaller --lr is the point.
 */
export function resumeRun(out: string, settings: RunSettings, lr: number): RunState {
  const path = join(out, CHECKPOINT_FILE);
  const file = loadFile(path);
  const meta = file.metadata;
  const bad = (what: string): never => {
    throw new CheckpointError('resume', `${path}: ${what}; delete it to start over`);
  };
  if (meta.format !== FORMAT) bad(`not a training checkpoint (format ${JSON.stringify(meta.format ?? null)}, expected ${FORMAT})`);
  const epoch = Number(meta.epoch);
  if (!Number.isInteger(epoch) || epoch < 1) bad(`epoch ${JSON.stringify(meta.epoch)} is not a whole number ≥ 1`);
  for (const [key, name, flag] of SETTINGS) {
    if (meta[name] !== show(settings[key])) {
      throw new UsageError(`cannot resume: the checkpoint in ${out} was trained with ${flag} ${meta[name] ?? '(unknown)'}, not ${show(settings[key])}; use the same ${flag}, or another --out to start a new run`);
    }
  }
  const part = (prefix: string): StateDict => new Map([...file.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const model = vaeFromStateDict(part('model.'), path);
  checkFinite(model, path);
  const optState = part('optimizer.');
  if (optState.size === 0) bad('it holds no optimizer state');
  const opt = new Adam(model.parameters(), { lr });
  opt.loadStateDict(optState);
  opt.lr = lr;
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
