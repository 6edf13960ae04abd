/**
 * @tensorgrad/nn — modules and layers, losses, initialisers, optimizers, safetensors checkpoints
 * and data loading, built only on @tensorgrad/core's public API. Names follow PyTorch.
 */
export { Module, Parameter, asStateDict, type AnyModule, type StateDict } from './module.js';
export { StateDictError, FormatError, FileError } from './errors.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export {
  ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, ELU, SELU, CELU, Hardtanh, ReLU6, Hardsigmoid, Hardswish, Mish, LogSigmoid, GELU, SiLU, Softmax,
  LogSoftmax, Softmin, GLU,
} from './layers/activation.js';
export { Sequential, Flatten, Unflatten, Identity, ModuleList } from './layers/container.js';
export { Conv1d, Conv2d, ConvTranspose2d, type ConvLayerOptions, type ConvTransposeLayerOptions } from './layers/conv.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d, Upsample } from './layers/pooling.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { LayerNorm, BatchNorm1d, BatchNorm2d, type LayerNormOptions, type BatchNormOptions } from './layers/normalization.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export * as init from './init.js';
export * from './losses.js';
export * from './optim/index.js';
export { save, load, loadFile, parse as parseSafetensors, type SafetensorsFile } from './io/safetensors.js';
export { readIdx, parseIdx, type IdxArray, type IdxData, type ReadIdxOptions } from './io/idx.js';
export { writeFileAtomic, removeStaleTempFiles, fileError, readFileChecked } from './io/files.js';
export { DataLoader, TensorDataset, type Dataset, type DataLoaderOptions } from './data/dataloader.js';
export { mnist, MnistDataset, defaultMnistDir, type MnistBatch, type MnistOptions } from './data/mnist.js';
