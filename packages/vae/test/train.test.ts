import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { load } from '@tensorgrad/nn';
import { TrainingError, train, type TrainConfig } from '../src/index.js';
import { gridSize, pngStats, sink, tmp } from './helpers.js';

const base = (out: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  epochs: 3, batchSize: 64, lr: 1e-3, seed: 3, out, latent: 20, hidden: 400, resume: false, backend: 'cpu',
  limitTrain: 640, limitTest: 200, samples: 8, stdout: sink(), ...over,
});

describe('training on a small slice of MNIST', () => {
  const out = tmp();
  const log = sink();
  let metrics: Awaited<ReturnType<typeof train>> = [];
  beforeAll(async () => {
    metrics = await train(base(out, { stdout: log }));
  });

  test('the loss falls epoch after epoch, on training and test data', () => {
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    for (let i = 1; i < metrics.length; i++) {
      expect(metrics[i].train_loss).toBeLessThan(metrics[i - 1].train_loss);
      expect(metrics[i].test_loss).toBeLessThan(metrics[i - 1].test_loss);
    }
    expect(metrics[0].train_loss).toBeGreaterThan(200); // per example: hundreds of nats at the start
  });

  test('metrics.jsonl has one JSON object per epoch with the documented fields', () => {
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(metrics);
    expect(Object.keys(lines[0])).toEqual(['epoch', 'train_loss', 'test_loss', 'seconds']);
  });

  test('progress degrades to plain lines off a terminal; one summary line per epoch', () => {
    const text = log.text();
    expect(text).not.toContain('\r');
    expect(text.match(/^epoch \d\/3 {2}train loss [\d.]+ {2}test loss [\d.]+ {2}[\d.]+ s$/gm)).toHaveLength(3);
  });

  test('the pictures have the right sizes and are not blank', () => {
    expect(pngStats(join(out, 'reconstructions-before.png'))).toMatchObject(gridSize(8, 2));
    expect(pngStats(join(out, 'reconstructions-after.png'))).toMatchObject(gridSize(8, 2));
    expect(pngStats(join(out, 'samples.png'))).toMatchObject(gridSize(8, 1));
    expect(pngStats(join(out, 'interpolation.png'))).toMatchObject(gridSize(9, 1));
    for (const f of ['reconstructions-before.png', 'reconstructions-after.png', 'samples.png', 'interpolation.png']) {
      const s = pngStats(join(out, f));
      expect(s.max - s.min, f).toBeGreaterThan(100);
    }
    expect(existsSync(join(out, 'manifold.png'))).toBe(false);
  });
});

test('resuming gives exactly the numbers of an uninterrupted run', async () => {
  const straight = tmp();
  const resumed = tmp();
  const full = await train(base(straight, { epochs: 2, limitTrain: 320 }));
  await train(base(resumed, { epochs: 1, limitTrain: 320 }));
  const rest = await train(base(resumed, { epochs: 2, limitTrain: 320, resume: true }));
  const losses = (ms: typeof full) => ms.map(({ train_loss, test_loss }) => [train_loss, test_loss]);
  expect(losses(rest)).toEqual(losses(full));
  const a = load(join(straight, 'model.safetensors'));
  const b = load(join(resumed, 'model.safetensors'));
  for (const [k, v] of a) expect(Array.from(b.get(k)!.data), k).toEqual(Array.from(v.data));
});

test('resuming with another --batch-size is refused with a clear message', async () => {
  const out = tmp();
  await train(base(out, { epochs: 1, limitTrain: 128 }));
  await expect(train(base(out, { epochs: 2, limitTrain: 128, batchSize: 32, resume: true }))).rejects.toThrow(/trained with --batch-size 64, not 32/);
});

test('--latent 2 also draws the manifold', async () => {
  const out = tmp();
  await train(base(out, { epochs: 1, limitTrain: 128, limitTest: 100, latent: 2, hidden: 32 }));
  expect(pngStats(join(out, 'manifold.png'))).toMatchObject(gridSize(20, 20));
});

test('a NaN or infinite loss stops training with the epoch and batch', async () => {
  await expect(train(base(tmp(), { epochs: 2, lr: 1e9, limitTrain: 640 }))).rejects.toThrow(TrainingError);
  await expect(train(base(tmp(), { epochs: 2, lr: 1e9, limitTrain: 640 }))).rejects.toThrow(/^train: epoch \d+, batch \d+\/10: (the loss became (NaN|Infinity)|the parameters became non-finite)/);
});
