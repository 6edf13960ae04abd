/**
 * @tensorgrad/vae — the variational autoencoder of the classic MNIST write-up, as separate pieces
 * a learner can use on their own: encoder, sampler, decoder, loss; plus training, evaluation,
 * pictures and checkpoints in both the write-up's and PyTorch examples/vae's layouts.
 */
export { VAE, Sampler, makeEncoder, makeDecoder, PIXELS, type VaeOptions, type VaeOutput } from './model.js';
export { vaeLoss, type VaeLoss } from './loss.js';
export { detectLayout, toWriteUpLayout, inferSizes, vaeFromStateDict, loadVae, type CheckpointLayout } from './checkpoint.js';
export { testLoss, importanceWeightedLogLikelihood } from './evaluate.js';
export { imageGrid, saveGrid, reconstructionGrid, interpolate, manifold, normalQuantile, type GridOptions } from './pictures.js';
export { train, useBackend, BACKENDS, defaultBackend, drawPictures, loadData, MODEL_FILE, STATE_FILE, METRICS_FILE, type TrainConfig, type EpochMetrics, type Data } from './train.js';
export { Progress, formatSeconds } from './progress.js';
export { TrainingError, UsageError } from './errors.js';
export { main } from './cli.js';
