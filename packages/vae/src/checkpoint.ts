import { cat, type Tensor, fmtShape } from '@tensorgrad/core';
import { StateDictError, loadFile, type StateDict } from '@tensorgrad/nn';
import { PIXELS, VAE } from './model.js';

/**
 * Checkpoints come in two layouts:
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
