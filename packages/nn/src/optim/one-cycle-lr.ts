import { ValueError, checkOptions } from '@tensorgrad/core';
import { checkChoice, checkNumber, checkValue, flag, perGroup, positive, positiveInteger, unitInterval, type NumberRule } from './check.js';
import { LRScheduler, checkOptimizer } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface OneCycleLROptions {
  /** The peak learning rate, or one per parameter group. */
  maxLr: number | number[];
  /** The number of `step()` calls in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent rising to `maxLr` (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or β₁ (the Adam family) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** The starting rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final rate is the starting rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the start, then to the final rate) instead of two. */
  threePhase?: boolean;
}

const OPTIONS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'] as const;
const MOMENTUM: NumberRule = { kind: 'number', min: [0, true], max: [1, false] };

type Level = 'initial' | 'max' | 'min';
interface Phase {
  /** The last step of the phase (PyTorch's float end_step). */
  end: number;
  lr: [Level, Level];
  /** From and to: the momentum's high ('max') or low ('base') end. */
  momentum: ['max' | 'base', 'max' | 'base'];
}

/**
 * The 1cycle policy (Smith & Topor), PyTorch's OneCycleLR, stepped once per batch. With
 * T = totalSteps and p = pctStart, the rate goes from maxLr/divFactor up to maxLr by step pT − 1,
 * then down to maxLr/(divFactor·finalDivFactor) at step T − 1 (threePhase: up by pT − 1, back to the
 * start by 2pT − 2, then to the final rate). Within a phase from a to b at fraction x:
 *   'cos':    b + (a − b)/2 · (1 + cos πx)        'linear':  a + (b − a)·x
 * With cycleMomentum (default, as in PyTorch) the momentum (SGD, RMSprop) or β₁ (the Adam family)
 * moves the opposite way, between maxMomentum and baseMomentum.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly levels: Record<Level, number[]>;
  private readonly momenta: Record<'max' | 'base', number[]>;
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const name = 'OneCycleLR';
    const opt = checkOptimizer(name, optimizer);
    const o = checkOptions(name, options, OPTIONS, '{ maxLr: 0.1, totalSteps: 1000 }');
    const groups = opt.paramGroups.length;
    const maxLr = perGroup(name, 'maxLr', o.maxLr, groups, positive);
    let totalSteps: number;
    if (o.totalSteps !== undefined) {
      if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) throw new ValueError(name, 'give totalSteps, or epochs and stepsPerEpoch, not both');
      totalSteps = checkNumber(name, 'totalSteps', o.totalSteps, positiveInteger);
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      totalSteps = checkNumber(name, 'epochs', o.epochs, positiveInteger) * checkNumber(name, 'stepsPerEpoch', o.stepsPerEpoch, positiveInteger);
    } else throw new ValueError(name, 'give totalSteps, or epochs and stepsPerEpoch: the length of the cycle');
    const pct = checkNumber(name, 'pctStart', o.pctStart ?? 0.3, unitInterval);
    const anneal = checkChoice(name, 'annealStrategy', o.annealStrategy ?? 'cos', ['cos', 'linear'] as const);
    const divFactor = checkNumber(name, 'divFactor', o.divFactor ?? 25, positive);
    const finalDivFactor = checkNumber(name, 'finalDivFactor', o.finalDivFactor ?? 1e4, positive);
    const threePhase = o.threePhase ?? false;
    checkValue(name, 'threePhase', threePhase, flag);
    const cycleMomentum = o.cycleMomentum ?? true;
    checkValue(name, 'cycleMomentum', cycleMomentum, flag);
    const maxMomentum = perGroup(name, 'maxMomentum', o.maxMomentum ?? 0.95, groups, MOMENTUM);
    const baseMomentum = perGroup(name, 'baseMomentum', o.baseMomentum ?? 0.85, groups, MOMENTUM);
    const useBeta1 = 'betas' in opt.defaults;
    if (cycleMomentum && !useBeta1 && !('momentum' in opt.defaults)) {
      throw new ValueError(name, `${opt.constructor.name} has neither momentum nor betas to cycle; pass cycleMomentum: false`);
    }
    // PyTorch's start rate becomes every group's initial_lr, so the base constructor reads it.
    opt.paramGroups.forEach((g, i) => (g.initialLr = maxLr[i] / divFactor));
    super(opt);
    this.totalSteps = totalSteps;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    const initial = maxLr.map((m) => m / divFactor);
    this.levels = { initial, max: maxLr, min: initial.map((lr) => lr / finalDivFactor) };
    this.momenta = { max: maxMomentum, base: baseMomentum };
    this.phases = threePhase
      ? [
        { end: pct * totalSteps - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
        { end: 2 * pct * totalSteps - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
        { end: totalSteps - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
      ]
      : [
        { end: pct * totalSteps - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
        { end: totalSteps - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
      ];
    this.apply();
  }

  /** The phase that holds `step` and how far into it `step` is. */
  private phaseAt(step: number): [Phase, number] {
    if (step > this.totalSteps) {
      throw new ValueError(this.name, `stepped ${step + 1} times, but the cycle has totalSteps = ${this.totalSteps}`);
    }
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i];
      // A phase of no length (pctStart·totalSteps = 1) is at its end, where PyTorch divides by zero.
      if (step <= phase.end || i === this.phases.length - 1) return [phase, phase.end === start ? 1 : (step - start) / (phase.end - start)];
      start = phase.end;
    }
    throw new Error('unreachable');
  }

  private anneal(from: number, to: number, x: number): number {
    return this.annealStrategy === 'cos' ? to + ((from - to) / 2) * (Math.cos(Math.PI * x) + 1) : (to - from) * x + from;
  }

  lrAt(step: number, group = 0): number {
    const [phase, x] = this.phaseAt(step);
    return this.anneal(this.levels[phase.lr[0]][group], this.levels[phase.lr[1]][group], x);
  }

  /** The momentum (or β₁) at `step`. */
  momentumAt(step: number, group = 0): number {
    const [phase, x] = this.phaseAt(step);
    return this.anneal(this.momenta[phase.momentum[0]][group], this.momenta[phase.momentum[1]][group], x);
  }

  protected override apply(): void {
    super.apply();
    if (!this.cycleMomentum) return;
    this.baseLrs.forEach((_, i) => {
      const group = this.optimizer.paramGroups[i] as { betas?: [number, number]; momentum?: number };
      const m = this.momentumAt(this.lastEpoch, i);
      if (this.useBeta1) group.betas = [m, (group.betas as [number, number])[1]];
      else group.momentum = m;
    });
  }
}
