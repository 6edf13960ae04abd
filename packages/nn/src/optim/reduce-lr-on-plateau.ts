import { Tensor, ValueError, checkOptions } from '@tensorgrad/core';
import { checkChoice, checkNumber, describe, nonNegative, nonNegativeInteger, perGroup, type NumberRule } from './check.js';
import { checkOptimizer } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). */
  mode?: 'min' | 'max';
  /** lr ← lr · factor on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4), relative or absolute as `thresholdMode` says. */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The lowest rate, or one per parameter group (default 0). */
  minLr?: number | number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

export interface ReduceLROnPlateauState {
  lastEpoch: number;
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
}

const OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'] as const;
const FACTOR: NumberRule = { kind: 'number', min: [0, true], max: [1, false] };

/**
 * Reduces the learning rate when a metric stops improving, PyTorch's ReduceLROnPlateau: call
 * `step(metric)` once per epoch. In 'min' mode with 'rel' thresholds a metric a improves on the
 * best so far b when a < b·(1 − threshold) ('abs': a < b − threshold; 'max' mirrors both). After
 * more than `patience` epochs without improvement, each group's rate becomes
 * max(lr·factor, minLr) — unless that changes it by no more than eps — and `cooldown` epochs pass
 * before epochs count as bad again.
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** The best metric so far (±Infinity before the first). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(name, optimizer);
    const o = checkOptions(name, options, OPTIONS, "{ mode: 'min', factor: 0.1, patience: 10 }");
    this.mode = checkChoice(name, 'mode', o.mode ?? 'min', ['min', 'max'] as const);
    this.factor = checkNumber(name, 'factor', o.factor ?? 0.1, FACTOR);
    this.patience = checkNumber(name, 'patience', o.patience ?? 10, nonNegativeInteger);
    this.threshold = checkNumber(name, 'threshold', o.threshold ?? 1e-4, nonNegative);
    this.thresholdMode = checkChoice(name, 'thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.cooldown = checkNumber(name, 'cooldown', o.cooldown ?? 0, nonNegativeInteger);
    this.minLrs = perGroup(name, 'minLr', o.minLr ?? 0, optimizer.paramGroups.length, nonNegative);
    this.eps = checkNumber(name, 'eps', o.eps ?? 1e-8, nonNegative);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the rates on a plateau. */
  step(metric: number | Tensor): void {
    if (!(typeof metric === 'number' || (metric instanceof Tensor && metric.numel() === 1))) {
      throw new ValueError('ReduceLROnPlateau.step', `expected the epoch's metric, a number or a one-element tensor, got ${metric instanceof Tensor ? `a tensor of ${metric.numel()} elements` : describe(metric)}`);
    }
    const current = typeof metric === 'number' ? metric : metric.item();
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const lr = Math.max(g.lr * this.factor, this.minLrs[i] ?? 0);
        if (g.lr - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ReduceLROnPlateauState {
    return { lastEpoch: this.lastEpoch, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadStateDict(state: ReduceLROnPlateauState): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    const s = checkOptions(op, state, ['lastEpoch', 'best', 'numBadEpochs', 'cooldownCounter']);
    const count = (k: 'lastEpoch' | 'numBadEpochs' | 'cooldownCounter') => checkNumber(op, k, s[k], nonNegativeInteger);
    if (typeof s.best !== 'number' || Number.isNaN(s.best)) throw new ValueError(op, `best must be a number, got ${describe(s.best)}`);
    [this.lastEpoch, this.numBadEpochs, this.cooldownCounter, this.best] = [count('lastEpoch'), count('numBadEpochs'), count('cooldownCounter'), s.best];
  }
}
