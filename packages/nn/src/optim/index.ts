/** The optimizers, their learning-rate schedules and gradient clipping, as `torch.optim` groups them. */
export { Optimizer, type ParamState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm } from './clip.js';
export { LRScheduler, StepLR, CosineAnnealingLR } from './lr-scheduler.js';
