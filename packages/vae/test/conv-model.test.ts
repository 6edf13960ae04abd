// The convolutional VAE (`train --model conv`): its layers and parameter names, that a checkpoint
// says which network it holds and every command reads it back as that network, and that a run
// of one network cannot be resumed as the other.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Generator, randn } from '@tensorgrad/core';
import { loadFile } from '@tensorgrad/nn';
import { ConvVAE, VAE, loadVae, train, vaeFromStateDict, vaeLoss, type TrainConfig } from '../src/index.js';
import { sink, tmp } from './helpers.js';

describe('ConvVAE', () => {
  test('the issue\'s layers, named as a PyTorch nn.Sequential of them names them', () => {
    const m = new ConvVAE({ generator: new Generator(0) });
    expect([...m.stateDict()].map(([k, v]) => `${k} ${v.shape.join('x')}`)).toEqual([
      'encoder.0.weight 32x1x4x4', 'encoder.0.bias 32', 'encoder.2.weight 64x32x4x4', 'encoder.2.bias 64',
      'encoder.5.weight 40x3136', 'encoder.5.bias 40', 'decoder.0.weight 3136x20', 'decoder.0.bias 3136',
      'decoder.3.weight 64x32x4x4', 'decoder.3.bias 32', 'decoder.5.weight 32x1x4x4', 'decoder.5.bias 1',
    ]);
  });
  test('images in and out as [B, 784] rows, so the loss, pictures and evaluation take it as they take the MLP', () => {
    const m = new ConvVAE({ latent: 3, generator: new Generator(1) });
    const x = randn([5, 784], { generator: new Generator(2) }).sigmoid();
    const { recon, mu, logvar, z } = m.run(x);
    expect([recon.shape, mu.shape, logvar.shape, z.shape]).toEqual([[5, 784], [5, 3], [5, 3], [5, 3]]);
    const loss = vaeLoss(recon, x, mu, logvar).total;
    loss.backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    expect(m.describe()).toMatch(/^ConvVAE 1×28×28 → conv 32 → conv 64 → 6 \| 3 → 64×7×7/);
  });
  test('a state dict builds the network it holds', () => {
    expect(vaeFromStateDict(new ConvVAE({ latent: 4 }).stateDict())).toBeInstanceOf(ConvVAE);
    expect(vaeFromStateDict(new VAE({ latent: 4, hidden: 16 }).stateDict())).toBeInstanceOf(VAE);
    expect(vaeFromStateDict(new ConvVAE({ latent: 4 }).stateDict()).latent).toBe(4);
  });
});

describe('train --model conv', () => {
  const out = tmp();
  const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({
    model: 'conv', epochs: 1, batchSize: 64, lr: 1e-3, seed: 3, out, latent: 20, hidden: 400, resume: false, backend: 'wasm',
    limitTrain: 256, limitTest: 64, samples: 8, stdout: sink(), ...over,
  });
  let loss = 0;
  beforeAll(async () => {
    loss = (await train(cfg()))[0].test_loss;
  });
  test('trains, and its files say which network they hold', () => {
    expect(Number.isFinite(loss)).toBe(true);
    expect(loadFile(join(out, 'model.safetensors')).metadata.model).toBe('conv');
    expect(loadFile(join(out, 'checkpoint.safetensors')).metadata.model).toBe('conv');
    expect(loadVae(join(out, 'model.safetensors'))).toBeInstanceOf(ConvVAE);
    for (const f of ['samples.png', 'interpolation.png', 'reconstructions-after.png']) expect(existsSync(join(out, f)), f).toBe(true);
  });
  test('resumes as the same network, and only as it', async () => {
    await expect(train(cfg({ model: 'mlp', resume: true, epochs: 2 }))).rejects.toThrow(/trained with --model conv, not mlp/);
    const more = await train(cfg({ resume: true, epochs: 2 }));
    expect(more.map((m) => m.epoch)).toEqual([1, 2]);
  });
});
