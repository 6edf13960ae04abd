/** The optimizers, their learning-rate schedules and gradient clipping, as `torch.optim` groups them. */
export {
  Optimizer, type ParamState, type ParamGroup, type ParamGroupInput, type OptimizerParams, type BaseHyper, type StateKind, type Rules,
} from './optimizer.js';
export type { Rule, NumberRule, FlagRule, BetasRule, Bound } from './check.js';
export { SGD, type SGDOptions, type SGDHyper, type SGDParamGroup } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamHyper, type AdamParamGroup } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropHyper, type RMSpropParamGroup } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradHyper, type AdagradParamGroup } from './adagrad.js';
export { Adadelta, type AdadeltaOptions, type AdadeltaHyper, type AdadeltaParamGroup } from './adadelta.js';
export { Adamax, type AdamaxOptions, type AdamaxHyper, type AdamaxParamGroup } from './adamax.js';
export { NAdam, type NAdamOptions, type NAdamHyper, type NAdamParamGroup } from './nadam.js';
export { RAdam, type RAdamOptions, type RAdamHyper, type RAdamParamGroup } from './radam.js';
export { clipGradNorm } from './clip.js';
export {
  LRScheduler, StepLR, CosineAnnealingLR, LinearLR, ExponentialLR,
  type SchedulerState, type StepLROptions, type CosineAnnealingLROptions, type LinearLROptions, type ExponentialLROptions,
} from './lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { SequentialLR, type SequentialLROptions, type SequentialLRState } from './sequential-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './reduce-lr-on-plateau.js';
