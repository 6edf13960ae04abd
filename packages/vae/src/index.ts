/**
 * @tensorgrad/vae — the variational autoencoder of the classic MNIST write-up, as separate pieces
 * a learner can use on their own: encoder, sampler, decoder, loss; plus training, evaluation,
 * pictures and checkpoints in both the write-up's and PyTorch examples/vae's layouts.
 */
export {
  VAE, ConvVAE, VAEBase, Sampler, makeEncoder, makeDecoder, makeConvEncoder, makeConvDecoder, PIXELS, MODEL_KINDS, type ModelKind, type VaeOptions, type VaeOutput,
} from './model.js';
export { vaeLoss, type VaeLoss } from './loss.js';
export {
  detectLayout, toWriteUpLayout, inferSizes, inferModel, vaeFromStateDict, loadVae, loadVaeForCli, readCheckedVae, checkFinite, MODEL_FILE, type CheckpointLayout,
} from './model-files.js';
export { saveRun, resumeRun, writeOutputs, CHECKPOINT_FILE, METRICS_FILE, type EpochMetrics, type RunSettings, type RunState } from './run-checkpoint.js';
export { testLoss, importanceWeightedLogLikelihood, type EvalOptions } from './evaluate.js';
export {
  imageGrid, saveGrid, reconstructionGrid, interpolate, manifold, normalQuantile, saveSamples, saveReconstructions, firstImages, firstOfDigit,
  interpolationEnds, drawPictures, type GridOptions,
} from './pictures.js';
export { loadData, loadTestSet, evalNoise, type Data, type DataOptions } from './data.js';
export { BACKENDS, defaultBackend, useBackend } from './backends.js';
export { train, type TrainConfig } from './train.js';
export { makeOutDir } from './out-dir.js';
export { lockOutDir, LOCK_FILE } from './lock.js';
export { Progress, formatSeconds, type ProgressStream } from './progress.js';
export { TrainingError, CheckpointError, UsageError, InterruptedError } from './errors.js';
export { startExplorer, type Explorer, type ExplorerOptions } from './explore.js';
export { serveLocally, type LocalServer, type Route } from './local-server.js';
export { main, type Io } from './cli.js';
