/** The reduction option every loss takes, and the check of a loss's options object. */
import { type Tensor, ValueError, checkOptions } from '@tensorgrad/core';
import { describe } from './checks.js';

/** How a loss folds its per-element values: their mean (default), their sum, or not at all. */
export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

/** `checkOptions` (unknown keys, a non-object) plus the reduction, one of `reductions` (default 'mean'). */
export function lossOptions<T extends { reduction?: string }>(
  op: string, options: T | undefined, keys: readonly (keyof T & string)[], example: string,
  reductions: readonly string[] = ['mean', 'sum', 'none'],
): T & { reduction: NonNullable<T['reduction']> } {
  const o = checkOptions(op, options, keys, example);
  const reduction = o.reduction ?? 'mean';
  if (!reductions.includes(reduction as string)) {
    const list = reductions.map((r) => `'${r}'`);
    throw new ValueError(op, `reduction must be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}, got ${describe(reduction)}`);
  }
  return { ...o, reduction } as T & { reduction: NonNullable<T['reduction']> };
}

/** Folds per-element losses by `mean`, `sum` or `none`. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  return loss;
}
