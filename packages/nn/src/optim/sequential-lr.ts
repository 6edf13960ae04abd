import { ValueError, checkOptions } from '@tensorgrad/core';
import { checkNumber, describe, positiveInteger } from './check.js';
import { LRScheduler, checkOptimizer, type SchedulerState } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface SequentialLROptions {
  /** The schedules, each made on this optimizer, in the order they run. */
  schedulers: LRScheduler[];
  /** The epochs at which the next schedule takes over: one fewer than the schedules, increasing. */
  milestones: number[];
}

export interface SequentialLRState extends SchedulerState {
  schedulers: SchedulerState[];
}

/**
 * Schedules one after another, PyTorch's SequentialLR: schedule k runs from milestone k − 1 (its
 * own epoch 0 there) until milestone k. A warmup is how PyTorch composes it: a LinearLR rising to
 * the full rate, then the main schedule,
 *
 *   const warmup = new LinearLR(opt, { startFactor: 0.01, totalIters: 5 });
 *   const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 *   const schedule = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 *
 * Every schedule starts from the groups' initial rates (`initialLr`), not from what the schedule
 * made before it had set.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const name = 'SequentialLR';
    checkOptimizer(name, optimizer);
    const o = checkOptions(name, options, ['schedulers', 'milestones'], '{ schedulers: [warmup, main], milestones: [5] }');
    if (!Array.isArray(o.schedulers) || o.schedulers.length === 0) throw new ValueError(name, `schedulers must be a non-empty list of schedules, got ${describe(o.schedulers)}`);
    o.schedulers.forEach((s: unknown, i) => {
      if (!(s instanceof LRScheduler)) {
        const what = typeof s === 'object' && s !== null ? s.constructor.name : describe(s);
        throw new ValueError(name, `schedulers[${i}] must be an epoch schedule (StepLR, LinearLR, …), got ${what}${what === 'ReduceLROnPlateau' ? ', which steps on a metric' : ''}`);
      }
      if (s.optimizer !== optimizer) throw new ValueError(name, `schedulers[${i}] belongs to another optimizer than the one given`);
    });
    if (!Array.isArray(o.milestones) || o.milestones.length !== o.schedulers.length - 1) {
      throw new ValueError(name, `milestones must list ${o.schedulers.length - 1} epoch${o.schedulers.length === 2 ? '' : 's'} (one fewer than the schedules), got ${describe(o.milestones)}`);
    }
    o.milestones.forEach((m, i) => {
      checkNumber(name, `milestones[${i}]`, m, positiveInteger);
      if (i > 0 && !(m > o.milestones[i - 1])) throw new ValueError(name, `milestones must increase, got ${describe(o.milestones)}`);
    });
    super(optimizer);
    this.schedulers = [...o.schedulers];
    this.milestones = [...o.milestones];
    // PyTorch undoes the first step every schedule took when it was made, then starts the first.
    for (const s of this.schedulers) s.lastEpoch = -1;
    this.apply();
  }

  /** The schedule that runs at `epoch`, and its own epoch there. */
  private at(epoch: number): [number, number] {
    let k = 0;
    while (k < this.milestones.length && epoch >= this.milestones[k]) k++;
    return [k, k === 0 ? epoch : epoch - this.milestones[k - 1]];
  }

  override lrAt(epoch: number, group = 0): number {
    const [k, local] = this.at(epoch);
    return this.schedulers[k].lrAt(local, group);
  }

  /** Puts schedule k at its own epoch `local`, which sets its rate. */
  private restart(k: number, local: number): void {
    const s = this.schedulers[k];
    s.loadStateDict({ ...s.stateDict(), lastEpoch: local });
  }

  protected override apply(): void {
    const [k, local] = this.at(this.lastEpoch);
    this.restart(k, local);
    super.apply();
  }

  override stateDict(): SequentialLRState {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SequentialLRState): void {
    const { schedulers, ...own } = checkOptions(`${this.name}.loadStateDict`, state, ['lastEpoch', 'baseLrs', 'schedulers']);
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new ValueError(`${this.name}.loadStateDict`, `schedulers must hold ${this.schedulers.length} states, got ${describe(schedulers)}`);
    }
    schedulers.forEach((s, i) => this.schedulers[i].loadStateDict(s));
    super.loadStateDict(own);
  }
}
