// The CNN layers against PyTorch (fixtures/pytorch_layers.json and torch_cnn.safetensors, written
// by fixtures/make_layer_fixtures.py): a PyTorch-written checkpoint loads into the same model built
// here, gives PyTorch's outputs and gradients in eval and train mode, updates BatchNorm's running
// statistics as PyTorch does, and saves a state dict PyTorch's names line up with.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Generator, ShapeError, ValueError, randn, tensor, type Tensor } from '@tensorgrad/core';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Flatten, Linear, MaxPool2d, Module, ReLU,
  Sequential, Unflatten, Upsample, load, save,
} from '../src/index.js';

interface T { shape: number[]; values: number[] }
const fixtures = new URL('./fixtures/', import.meta.url);
const ref = JSON.parse(readFileSync(new URL('pytorch_layers.json', fixtures), 'utf8'));

class CNN extends Module {
  features = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 6, 3, { stride: 1, padding: 1, groups: 2 }), new BatchNorm2d(6), new ReLU(),
  );
  up = new ConvTranspose2d(6, 3, 4, { stride: 2, padding: 1 });
  head = new Sequential(new Flatten(), new Linear(3 * 8 * 8, 5));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.up.forward(this.features.forward(x)));
  }
}

const t = (v: T): Tensor => tensor(v.values, { shape: v.shape });
function close(ours: ArrayLike<number>, theirs: number[], what: string, tol = 2e-5): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    if (!(Math.abs(ours[i] - theirs[i]) <= tol * (1 + Math.abs(theirs[i])))) expect.fail(`${what}[${i}]: ${ours[i]} vs PyTorch ${theirs[i]}`);
  }
}

function loaded(): CNN {
  const model = new CNN();
  model.loadStateDict(load(new URL('torch_cnn.safetensors', fixtures).pathname));
  return model;
}

describe('a CNN checkpoint written by PyTorch', () => {
  test('has exactly the state dict names, shapes and dtypes of the model built here (int64 counters read as int32)', () => {
    const ours = new CNN().stateDict();
    const theirs = ref.state_dict_keys as { name: string; shape: number[]; dtype: string }[];
    expect([...ours.keys()]).toEqual(theirs.map((k) => k.name)); // in PyTorch's order too
    for (const { name, shape, dtype } of theirs) {
      expect(ours.get(name)!.shape, name).toEqual(shape);
      expect(ours.get(name)!.dtype, name).toBe(dtype === 'int64' ? 'int32' : 'float32');
    }
  });
  for (const mode of ['eval', 'train'] as const) {
    test(`${mode} mode: outputs and gradients equal PyTorch's${mode === 'train' ? ', and so do the running statistics after the step' : ''}`, () => {
      const model = loaded();
      if (mode === 'eval') model.eval();
      const c = ref[mode];
      const x = t(c.x).requiresGrad_();
      const y = model.forward(x);
      close(y.data, c.y.values, 'y');
      y.mul(tensor(c.g, { shape: y.shape })).sum().backward();
      close(x.grad!.data, c.grad_x, 'grad x');
      const params = new Map(model.namedParameters());
      for (const [name, g] of Object.entries(c.grads as Record<string, number[]>)) close(params.get(name)!.grad!.data, g, `grad ${name}`);
      const buffers = new Map(model.namedBuffers());
      const expected = mode === 'train' ? (c.buffers as Record<string, T>) : {};
      for (const [name, b] of Object.entries(expected)) close(buffers.get(name)!.data, b.values, name);
      if (mode === 'eval') expect(buffers.get('features.1.num_batches_tracked')!.item()).toBe(3);
    });
  }
  test('saved here, it loads back bit for bit, num_batches_tracked as I32', () => {
    const model = loaded();
    const file = join(mkdtempSync(join(tmpdir(), 'tensorgrad-cnn-')), 'cnn.safetensors');
    save(file, model.stateDict());
    const back = new CNN();
    back.loadStateDict(load(file));
    for (const [k, v] of model.stateDict()) expect(Array.from(back.stateDict().get(k)!.data), k).toEqual(Array.from(v.data));
    const bytes = readFileSync(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    expect(header['features.1.num_batches_tracked'].dtype).toBe('I32');
  });
});

describe('BatchNorm as PyTorch', () => {
  test('momentum null is a cumulative average over the batches', () => {
    const { num_features, steps } = ref.batchnorm_momentum_none;
    const bn = new BatchNorm2d(num_features, { momentum: null });
    for (const s of steps) {
      close(bn.forward(t(s.x)).data, s.y, 'y');
      close(bn.runningMean!.data, s.running_mean, 'running_mean');
      close(bn.runningVar!.data, s.running_var, 'running_var');
      expect(bn.numBatchesTracked!.item()).toBe(s.num_batches_tracked);
    }
  });
  test.each(['NC', 'NCL'])('BatchNorm1d on %s input: output, gradients and running statistics', (kind) => {
    const c = ref.batchnorm1d[kind];
    const bn = new BatchNorm1d(c.x.shape[1]);
    const x = t(c.x).requiresGrad_();
    const y = bn.forward(x);
    close(y.data, c.y, 'y');
    y.mul(tensor(c.g, { shape: y.shape })).sum().backward();
    close(x.grad!.data, c.grad_x, 'grad x');
    close(bn.weight!.grad!.data, c.grad_weight, 'grad weight');
    close(bn.bias!.grad!.data, c.grad_bias, 'grad bias');
    close(bn.runningMean!.data, c.running_mean, 'running mean');
    close(bn.runningVar!.data, c.running_var, 'running var');
    expect(bn.numBatchesTracked!.item()).toBe(c.num_batches_tracked);
  });
  test('eval mode uses the running statistics, trackRunningStats false never keeps any, and bad input is a typed error', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([3, 2, 4, 4]);
    bn.eval();
    close(bn.forward(x).data, Array.from(x.data).map((v) => v / Math.sqrt(1 + 1e-5)), 'eval output');
    expect(bn.numBatchesTracked!.item()).toBe(0);
    const free = new BatchNorm2d(2, { trackRunningStats: false });
    expect([...free.stateDict().keys()]).toEqual(['weight', 'bias']);
    expect(() => bn.forward(randn([3, 3, 4, 4]))).toThrow(ShapeError);
    expect(() => new BatchNorm2d(2).forward(randn([1, 2, 1, 1]))).toThrow(/expected more than 1 value per channel/);
    expect(() => new BatchNorm2d(2, { momentum: 2 })).toThrow(ValueError);
  });
});

describe('layers', () => {
  test('initialised within PyTorch\'s bounds, 1/√fan_in, fan_in from weight dim 1 (ConvTranspose2d: out/groups)', () => {
    const layers: Record<string, Conv2d | ConvTranspose2d> = {
      'Conv2d(4,6,3,groups=2)': new Conv2d(4, 6, 3, { groups: 2, generator: new Generator(0) }),
      'ConvTranspose2d(6,3,4)': new ConvTranspose2d(6, 3, 4, { generator: new Generator(0) }),
    };
    for (const [name, layer] of Object.entries(layers)) {
      const { weight_shape, bound } = ref.init[name];
      expect(layer.weight.shape).toEqual(weight_shape);
      const maxW = Math.max(...Array.from(layer.weight.data, Math.abs)), maxB = Math.max(...Array.from(layer.bias!.data, Math.abs));
      expect(maxW).toBeLessThanOrEqual(bound);
      expect(maxW).toBeGreaterThan(0.8 * bound); // drawn over the whole range, not a narrower one
      expect(maxB).toBeLessThanOrEqual(bound);
    }
  });
  test('Conv1d, pooling, Upsample and Unflatten give the shapes PyTorch gives', () => {
    expect(new Conv1d(3, 5, 3, { padding: 1 }).forward(randn([2, 3, 10])).shape).toEqual([2, 5, 10]);
    expect(new AvgPool2d(2).forward(randn([2, 3, 8, 8])).shape).toEqual([2, 3, 4, 4]);
    expect(new AdaptiveAvgPool2d(1).forward(randn([2, 3, 7, 5])).shape).toEqual([2, 3, 1, 1]);
    expect(new Upsample({ scaleFactor: 2 }).forward(randn([1, 1, 3, 3])).shape).toEqual([1, 1, 6, 6]);
    expect(new Unflatten(1, [64, 7, 7]).forward(randn([2, 3136])).shape).toEqual([2, 64, 7, 7]);
    expect(new Conv2d(3, 4, 3, { padding: 1, paddingMode: 'reflect' }).forward(randn([1, 3, 5, 5])).shape).toEqual([1, 4, 5, 5]);
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups 2 must divide inChannels 3/);
    expect(() => new Conv2d(3, 4, 3, { paddingMode: 'mirror' as never })).toThrow(ValueError);
  });
});
