import { TensorgradError } from '@tensorgrad/core';

/** Training produced a NaN or an infinite loss. Names the epoch and the batch. */
export class TrainingError extends TensorgradError {}

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
