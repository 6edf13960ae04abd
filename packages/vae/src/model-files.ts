// The model files: a VAE's weights alone, in the write-up's layout or PyTorch examples/vae's,
// read and checked for the subcommands and the explorer. The training run's checkpoint, which
// holds a model among the rest of a run, is in run-checkpoint.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cat, fmtShape, type Tensor } from '@tensorgrad/core';
import { StateDictError, loadFile, parseSafetensors as parse, readFileChecked, type StateDict } from '@tensorgrad/nn';
import { CheckpointError, UsageError } from './errors.js';
import { ConvVAE, PIXELS, VAE, type ModelKind, type VAEBase } from './model.js';

/** The model alone, in the write-up's names (PyTorch loads it with `load_state_dict`). */
export const MODEL_FILE = 'model.safetensors';

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

/**
 * Which network a state dict holds: the convolutional one has a 4-D `encoder.0.weight` (its first
 * convolution) and its latent size in `encoder.5.weight` [2d, 3136]; the MLP's sizes come from
 * `inferSizes`.
 */
export function inferModel(sd: ReadonlyMap<string, Tensor>, source = 'checkpoint'): { kind: ModelKind; latent: number; hidden?: number } {
  const w0 = sd.get('encoder.0.weight');
  if (w0 === undefined || w0.ndim !== 4) return { kind: 'mlp', ...inferSizes(sd, source) };
  const w5 = sd.get('encoder.5.weight');
  if (w5 === undefined || w5.ndim !== 2 || w5.shape[0] % 2 !== 0) {
    throw new StateDictError('loadVae', `${source}: a convolutional encoder without its linear layer encoder.5.weight [2d, 3136]`);
  }
  return { kind: 'conv', latent: w5.shape[0] / 2 };
}

/** Builds the VAE the state dict holds, of its sizes, and loads it (strict: every name and shape must fit). */
export function vaeFromStateDict(sd: ReadonlyMap<string, Tensor>, source = 'checkpoint'): VAEBase {
  const state = toWriteUpLayout(sd);
  const { kind, latent, hidden } = inferModel(state, source);
  const model = kind === 'conv' ? new ConvVAE({ latent }) : new VAE({ latent, hidden });
  model.loadStateDict(state);
  return model;
}

/** Loads a VAE (either network) from a safetensors file in either layout. */
export function loadVae(path: string): VAEBase {
  return vaeFromStateDict(loadFile(path).tensors, path);
}

/**
 * Refuses weights that are not all finite: a diverged model decodes NaN and scores NaN, and must
 * not pass for a trained one. Names the first bad tensor and how many of its values are bad.
 */
export function checkFinite(model: VAEBase, source: string): void {
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
export function readCheckedVae(path: string): { model: VAEBase; bytes: Uint8Array } {
  if (!existsSync(path)) throw new UsageError(`no checkpoint at ${path}; train first (tensorgrad-vae train) or pass --checkpoint PATH`);
  const bytes = readFileChecked('load', path);
  const model = vaeFromStateDict(parse(bytes, path).tensors, path);
  checkFinite(model, path);
  return { model: model.eval(), bytes };
}

/** The model a subcommand works from (`--checkpoint`, else `<out>/model.safetensors`), checked and in eval mode. */
export function loadVaeForCli(flag: string | undefined, out: string): VAEBase {
  return readCheckedVae(flag ?? join(out, MODEL_FILE)).model;
}
