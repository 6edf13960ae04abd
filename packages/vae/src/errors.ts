import { TensorgradError } from '@tensorgrad/core';

/** Training diverged (a non-finite loss, parameters or test loss). Names the epoch and the batch. */
export class TrainingError extends TensorgradError {}

/** A checkpoint that reads fine but cannot be used: non-finite weights, missing pieces, another run's settings. */
export class CheckpointError extends TensorgradError {}

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
