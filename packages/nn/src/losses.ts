/**
 * The losses, named and defined as PyTorch's (torch.nn.functional, in camelCase). Each lives in
 * losses/ by kind; this file is the one place they are exported from.
 */
export type { Reduction, LossOptions } from './losses/reduction.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './losses/classification.js';
export {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions,
} from './losses/binary.js';
export { mseLoss, l1Loss, smoothL1Loss, huberLoss, type SmoothL1LossOptions, type HuberLossOptions } from './losses/regression.js';
export { klDiv, klDivNormal, type KlDivOptions, type KlDivReduction } from './losses/divergence.js';
export { cosineEmbeddingLoss, marginRankingLoss, type MarginLossOptions } from './losses/margin.js';
