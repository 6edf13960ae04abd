import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadVae } from './checkpoint.js';
import { UsageError } from './errors.js';
import type { VAE } from './model.js';
import { MODEL_FILE } from './train.js';

/** `--checkpoint`, or the out dir's model file. */
export function checkpointPath(flag: string | undefined, out: string): string {
  return flag ?? join(out, MODEL_FILE);
}

/** Loads the model a subcommand works from, in eval mode, with a message that says what to do when it is missing. */
export function loadVaeForCli(path: string): VAE {
  if (!existsSync(path)) throw new UsageError(`no checkpoint at ${path}; train first (tensorgrad-vae train) or pass --checkpoint PATH`);
  return loadVae(path).eval();
}
