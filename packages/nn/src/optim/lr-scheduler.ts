import { ValueError, checkOptions } from '@tensorgrad/core';
import { checkNumber, describe, nonNegative, positive, positiveInteger, unitInterval } from './check.js';
import { Optimizer } from './optimizer.js';

/** What a schedule's `stateDict()` holds: where it is, and the learning rates it started from. */
export interface SchedulerState {
  lastEpoch: number;
  baseLrs: number[];
}

/** Throws unless `optimizer` is one of ours (a schedule writes its groups' `lr`). */
export function checkOptimizer(owner: string, optimizer: unknown): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new ValueError(owner, `expected an optimizer (e.g. new SGD(model.parameters(), { lr: 0.1 })), got ${describe(optimizer)}`);
  return optimizer as Optimizer;
}

/**
 * Base of the epoch schedules, PyTorch's `LRScheduler`: each gives the learning rate of every
 * parameter group in closed form, `lrAt(epoch, group)`, from the group's starting rate. The
 * constructor already sets epoch 0's rate (as PyTorch's does); call `step()` once per epoch (or per
 * batch, for OneCycleLR), after `optimizer.step()`.
 *
 * The starting rate is the group's `initialLr`, which the first schedule on an optimizer records
 * (PyTorch's `initial_lr`): a second schedule made for SequentialLR starts from the same rate, not
 * from what the first one set. Groups added to the optimizer later keep their own rate, as in PyTorch.
 * Two schedules stepping one optimizer at once do not compose: the last to step sets the rate
 * (compose them in time with SequentialLR).
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** Each group's starting learning rate. */
  baseLrs: number[];
  /** The epoch (number of `step()` calls) whose rate is set. */
  lastEpoch = 0;
  private lastLr: number[] = [];
  /** The class name, for messages. */
  protected readonly name: string;

  protected constructor(optimizer: Optimizer) {
    this.name = new.target.name;
    this.optimizer = checkOptimizer(this.name, optimizer);
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** The learning rate of parameter group `group` at `epoch`. */
  abstract lrAt(epoch: number, group?: number): number;

  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  /** Writes `lrAt(lastEpoch)` into every scheduled group; subclass constructors end with it. */
  protected apply(): void {
    const lrs = this.baseLrs.map((_, g) => this.lrAt(this.lastEpoch, g));
    lrs.forEach((lr, g) => {
      if (!Number.isFinite(lr)) throw new ValueError(this.name, `the schedule gives parameter group ${g} the learning rate ${lr} at epoch ${this.lastEpoch}; check its options`);
    });
    lrs.forEach((lr, g) => (this.optimizer.paramGroups[g].lr = lr));
    this.lastLr = lrs;
  }

  /** The learning rate this schedule last set, per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores `stateDict()`'s position (and starting rates) and sets that epoch's rate. */
  loadStateDict(state: SchedulerState): void {
    const s = checkOptions(`${this.name}.loadStateDict`, state, ['lastEpoch', 'baseLrs']);
    const lastEpoch = checkNumber(`${this.name}.loadStateDict`, 'lastEpoch', s.lastEpoch, { kind: 'number', min: [-1, true], integer: true });
    if (s.baseLrs !== undefined) {
      if (!Array.isArray(s.baseLrs) || s.baseLrs.length !== this.baseLrs.length) {
        throw new ValueError(`${this.name}.loadStateDict`, `baseLrs must hold ${this.baseLrs.length} learning rates (one per parameter group), got ${describe(s.baseLrs)}`);
      }
      s.baseLrs.forEach((lr, g) => checkNumber(`${this.name}.loadStateDict`, `baseLrs[${g}]`, lr, nonNegative));
      this.baseLrs = [...s.baseLrs];
    }
    this.lastEpoch = lastEpoch;
    this.apply();
  }
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
}

/** lr = base · γ^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions);
  /** The positional form of earlier versions, `new StepLR(opt, stepSize, gamma)`. */
  constructor(optimizer: Optimizer, stepSize: number, gamma?: number);
  constructor(optimizer: Optimizer, options: StepLROptions | number, gamma?: number) {
    const o = positional('StepLR', options, gamma, (stepSize, gamma) => ({ stepSize, gamma }), ['stepSize', 'gamma'], '{ stepSize: 30, gamma: 0.1 }');
    const stepSize = checkNumber('StepLR', 'stepSize', o.stepSize, positiveInteger);
    const g = checkNumber('StepLR', 'gamma', o.gamma ?? 0.1, positive);
    super(optimizer);
    this.stepSize = stepSize;
    this.gamma = g;
    this.apply();
  }

  lrAt(epoch: number, group = 0): number {
    return this.baseLrs[group] * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface CosineAnnealingLROptions {
  tMax: number;
  etaMin?: number;
}

/** lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2 (SGDR without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions);
  /** The positional form of earlier versions, `new CosineAnnealingLR(opt, tMax, etaMin)`. */
  constructor(optimizer: Optimizer, tMax: number, etaMin?: number);
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions | number, etaMin?: number) {
    const o = positional('CosineAnnealingLR', options, etaMin, (tMax, etaMin) => ({ tMax, etaMin }), ['tMax', 'etaMin'], '{ tMax: 100 }');
    const tMax = checkNumber('CosineAnnealingLR', 'tMax', o.tMax, positive);
    const min = checkNumber('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0, nonNegative);
    super(optimizer);
    this.tMax = tMax;
    this.etaMin = min;
    this.apply();
  }

  lrAt(epoch: number, group = 0): number {
    return this.etaMin + ((this.baseLrs[group] - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

/**
 * lr = base · (s + (e − s)·min(epoch, T)/T): the factor moves linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs, then stays. Defaults s = 1/3, e = 1, T = 5. A warmup is
 * LinearLR from a small factor to 1, followed by the main schedule through SequentialLR.
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    const o = checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters'], '{ startFactor: 0.1, totalIters: 5 }');
    const start = checkNumber('LinearLR', 'startFactor', o.startFactor ?? 1 / 3, unitInterval);
    const end = checkNumber('LinearLR', 'endFactor', o.endFactor ?? 1, unitInterval);
    const total = checkNumber('LinearLR', 'totalIters', o.totalIters ?? 5, positiveInteger);
    super(optimizer);
    this.startFactor = start;
    this.endFactor = end;
    this.totalIters = total;
    this.apply();
  }

  lrAt(epoch: number, group = 0): number {
    return this.baseLrs[group] * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}

export interface ExponentialLROptions {
  gamma: number;
}

/** lr = base · γ^epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    const o = checkOptions('ExponentialLR', options, ['gamma'], '{ gamma: 0.9 }');
    const gamma = checkNumber('ExponentialLR', 'gamma', o.gamma, positive);
    super(optimizer);
    this.gamma = gamma;
    this.apply();
  }

  lrAt(epoch: number, group = 0): number {
    return this.baseLrs[group] * this.gamma ** epoch;
  }
}

/**
 * The options of a schedule that also takes its two numbers positionally (the form of earlier
 * versions): a number first means positional; then a second options object would be ambiguous.
 */
function positional<T extends object>(
  owner: string, first: T | number, second: number | undefined, make: (a: number, b: number | undefined) => T, keys: readonly (keyof T & string)[], example: string,
): Partial<T> {
  if (typeof first === 'number') return make(first, second);
  if (second !== undefined) throw new ValueError(owner, `expected ${example} alone, got a second argument ${describe(second)} after the options`);
  return checkOptions(owner, first, keys, example);
}
