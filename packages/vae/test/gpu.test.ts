// `--backend gpu`: the VAE trains on the gpu.js backend (WebGL under the test script's virtual
// display) and its losses follow the CPU backend's, step for step, within float32 tolerance.
import { afterAll, expect, test } from 'vitest';
import { backendInfo, setBackend } from '@tensorgrad/core';
import { train, type TrainConfig } from '../src/index.js';
import { quickRun } from './helpers.js';

afterAll(() => setBackend('cpu'));

const config = (backend: string): TrainConfig => quickRun(backend, 256);

test('training with --backend gpu gives the losses of the cpu backend', async () => {
  const cpu = await train(config('cpu'));
  const gpu = await train(config('gpu'));
  expect(backendInfo().name).toBe('gpu');
  if (process.env.DISPLAY) expect(backendInfo().mode).toBe('headlessgl');
  expect(gpu.map((m) => m.epoch)).toEqual([1, 2]);
  gpu.forEach((m, i) => {
    // Sums of ~10⁵ float32 terms and four Adam steps: agreement to 1e-4 relative.
    expect(Math.abs(m.train_loss - cpu[i].train_loss) / cpu[i].train_loss).toBeLessThan(1e-4);
    expect(Math.abs(m.test_loss - cpu[i].test_loss) / cpu[i].test_loss).toBeLessThan(1e-4);
  });
});
