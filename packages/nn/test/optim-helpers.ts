// Shared by the optimizer tests: the PyTorch fixture (fixtures/make_optim_fixtures.py →
// fixtures/pytorch_optim.json), constructors by PyTorch's class names, and a replay of a fixture
// case (parameters, explicit gradients, steps) on our optimizers.
import { readFileSync } from 'node:fs';
import { Tensor, tensor, type DType } from '@tensorgrad/core';
import {
  Adadelta, Adagrad, Adam, AdamW, Adamax, CosineAnnealingLR, ExponentialLR, LinearLR, NAdam, OneCycleLR, RAdam, RMSprop,
  ReduceLROnPlateau, SGD, SequentialLR, StepLR, type LRScheduler, type Optimizer, type ParamGroupInput,
} from '../src/index.js';

export type Options = Record<string, unknown>;
export type GroupSpec = { params: number[] } & Options;

export interface OptimCase {
  class: string;
  options: Options;
  groups?: GroupSpec[];
  addGroup?: { beforeStep: number; group: GroupSpec };
  grads?: 'dense' | 'skip';
  float64: number[][][];
  float32: number[][][];
}

export interface SchedulerCase {
  optimizer: { class: string; groups: Options[] };
  class: string;
  options: Options;
  schedulers?: { class: string; options: Options }[];
  metrics?: number[];
  momentum?: 'momentum' | 'beta1';
  lrs: number[][];
  momenta?: number[][];
}

export interface Fixture {
  shapes: number[][];
  init: number[][];
  grads: Record<'dense' | 'skip', (number[] | null)[][]>;
  optimizers: Record<string, OptimCase>;
  schedulers: Record<string, SchedulerCase>;
}

export const ref = JSON.parse(readFileSync(new URL('./fixtures/pytorch_optim.json', import.meta.url), 'utf8')) as Fixture;

type OptimizerClass = new (params: Iterable<Tensor> | Iterable<ParamGroupInput>, options?: Options) => Optimizer;
export const OPTIMIZERS = { SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam } as unknown as Record<string, OptimizerClass>;

type SchedulerClass = new (optimizer: Optimizer, options: Options) => LRScheduler | ReduceLROnPlateau;
export const SCHEDULERS = { StepLR, CosineAnnealingLR, LinearLR, ExponentialLR, OneCycleLR, ReduceLROnPlateau, SequentialLR } as unknown as Record<string, SchedulerClass>;

export const makeParams = (dtype: DType): Tensor[] => ref.init.map((v, i) => tensor(v, { shape: ref.shapes[i], dtype, requiresGrad: true }));

export const groupsOf = (specs: readonly GroupSpec[], ps: readonly Tensor[]): ParamGroupInput[] =>
  specs.map((g) => ({ ...g, params: g.params.map((i) => ps[i]) }) as ParamGroupInput);

/** The optimizer a fixture case describes, on `ps`, before any step (without a group added later). */
export function makeOptimizer(c: OptimCase, ps: readonly Tensor[], options: Options = c.options): Optimizer {
  const Ctor = OPTIMIZERS[c.class];
  if (c.groups !== undefined) return new Ctor(groupsOf(c.groups, ps), options);
  if (c.addGroup !== undefined) return new Ctor(ps.filter((_, i) => !c.addGroup!.group.params.includes(i)), options);
  return new Ctor(ps, options);
}

/** Runs steps `from`…`to − 1` of a case: the group added before its step, the step's gradients, `step()`. */
export function replay(c: OptimCase, opt: Optimizer, ps: readonly Tensor[], from: number, to: number, onStep?: (s: number) => void): void {
  const grads = ref.grads[c.grads ?? 'dense'];
  for (let s = from; s < to; s++) {
    if (c.addGroup !== undefined && s === c.addGroup.beforeStep) opt.addParamGroup(groupsOf([c.addGroup.group], ps)[0]);
    ps.forEach((p, i) => (p.grad = grads[s][i] === null ? null : tensor(grads[s][i]!, { shape: p.shape, dtype: p.dtype })));
    opt.step();
    onStep?.(s);
  }
}

/** The largest |a − e| / (|e| + floor) over two lists. */
export function maxRelError(actual: ArrayLike<number>, expected: readonly number[], floor: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (Math.abs(expected[i]) + floor));
  return worst;
}
