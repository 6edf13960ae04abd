import { constants as osConstants } from 'node:os';
import { TensorgradError } from '@tensorgrad/core';

/** Training diverged (a non-finite loss, parameters or test loss). Names the epoch and the batch. */
export class TrainingError extends TensorgradError {}

/** A checkpoint that reads fine but cannot be used: non-finite weights, missing pieces, another run's settings. */
export class CheckpointError extends TensorgradError {}

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A run stopped by a signal (Ctrl-C's SIGINT, SIGTERM) between two batches. Says what is saved;
 * `exitCode` is the shell's convention for death by that signal (128 + its number: 130, 143).
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly signal: string,
    /** The last epoch whose checkpoint is saved (0: none). */
    readonly savedEpoch: number,
    message: string,
  ) {
    super(message);
  }

  get exitCode(): number {
    const number = osConstants.signals[this.signal as NodeJS.Signals] as number | undefined;
    return number === undefined ? 1 : 128 + number;
  }
}
