// Optimizers and schedules against PyTorch 1.13 (fixtures/make_optim_fixtures.py →
// fixtures/pytorch_optim.json): every step of every optimizer case (float64 to ~1e-12 relative,
// float32 to ~1e-6), every schedule's learning rates (and cycled momenta); then parameter groups,
// addParamGroup and the state dict, which must resume a run exactly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Tensor, tensor, zeros, type DType } from '@tensorgrad/core';
import {
  Adam, CosineAnnealingLR, LinearLR, RMSprop, ReduceLROnPlateau, SGD, SequentialLR, StateDictError, StepLR, load, save,
  type LRScheduler, type Optimizer,
} from '../src/index.js';
import {
  OPTIMIZERS, SCHEDULERS, groupsOf, makeOptimizer, makeParams, maxRelError, ref, replay, type SchedulerCase,
} from './optim-helpers.js';

const TOLERANCE: Record<'float64' | 'float32', { rtol: number; floor: number }> = {
  // Below `floor` errors count absolutely (a few float32 ulps of a parameter near 0.1 are far
  // more than 1e-6 of a parameter near 0).
  float64: { rtol: 1e-12, floor: 1e-3 },
  float32: { rtol: 1e-6, floor: 1e-1 },
};

describe('every optimizer case follows PyTorch step by step', () => {
  for (const [name, c] of Object.entries(ref.optimizers)) {
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${name} (${dtype})`, () => {
        const ps = makeParams(dtype);
        const opt = makeOptimizer(c, ps);
        replay(c, opt, ps, 0, c[dtype].length, (s) => {
          ps.forEach((p, i) => {
            const err = maxRelError(p.data, c[dtype][s][i], TOLERANCE[dtype].floor);
            if (!(err <= TOLERANCE[dtype].rtol)) expect.fail(`step ${s + 1}, parameter ${i}: relative error ${err}\n  got     ${Array.from(p.data)}\n  PyTorch ${c[dtype][s][i]}`);
          });
        });
        // The state is tensors shaped like each parameter (buffers) or 0-d (counters).
        for (const [p, s] of opt.state) {
          for (const [k, v] of Object.entries(s)) {
            expect(v, k).toBeInstanceOf(Tensor);
            if (v.ndim > 0) expect([k, v.shape, v.dtype]).toEqual([k, p.shape, p.dtype]);
          }
        }
      });
    }
  }
});

function makeSchedulerOptimizer(spec: SchedulerCase['optimizer']): Optimizer {
  const ps = [zeros([1], { requiresGrad: true }), zeros([1], { requiresGrad: true })];
  return new OPTIMIZERS[spec.class](spec.groups.map((g, i) => ({ ...g, params: [ps[i]] })), spec.class === 'SGD' ? { lr: 0.1 } : {});
}

function makeScheduler(c: SchedulerCase, opt: Optimizer): LRScheduler | ReduceLROnPlateau {
  if (c.class !== 'SequentialLR') return new SCHEDULERS[c.class](opt, c.options);
  const schedulers = c.schedulers!.map((s) => new SCHEDULERS[s.class](opt, s.options));
  return new SequentialLR(opt, { schedulers: schedulers as LRScheduler[], milestones: c.options.milestones as number[] });
}

/** The group's momentum or β₁ (NaN where it has none, as a plain SGD group in a schedule test). */
function groupMomentum(group: object, kind: 'momentum' | 'beta1'): number {
  const g = group as { momentum?: number; betas?: [number, number] };
  return (kind === 'momentum' ? g.momentum : g.betas?.[0]) ?? NaN;
}

describe('every schedule gives PyTorch\'s learning rates, per parameter group', () => {
  for (const [name, c] of Object.entries(ref.schedulers)) {
    test(name, () => {
      const opt = makeSchedulerOptimizer(c.optimizer);
      const sched = makeScheduler(c, opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      const momenta = [opt.paramGroups.map((g) => groupMomentum(g, c.momentum ?? 'momentum'))];
      for (let s = 1; s < c.lrs.length; s++) {
        opt.step();
        if (sched instanceof ReduceLROnPlateau) sched.step(c.metrics![s - 1]);
        else sched.step();
        lrs.push(opt.paramGroups.map((g) => g.lr));
        momenta.push(opt.paramGroups.map((g) => groupMomentum(g, c.momentum ?? 'momentum')));
        expect(sched.getLastLr()).toEqual(lrs[s]);
      }
      expect(maxRelError(lrs.flat(), c.lrs.flat(), 1e-6), JSON.stringify(lrs)).toBeLessThanOrEqual(1e-12);
      if (c.momenta !== undefined) expect(maxRelError(momenta.flat(), c.momenta.flat(), 0)).toBeLessThanOrEqual(1e-12);
    });
  }
});

describe('parameter groups', () => {
  test('each group holds every hyper-parameter: its own, else the default', () => {
    const [a, b] = makeParams('float64');
    const opt = new SGD([{ params: [a] }, { params: b, lr: 0.01, nesterov: true }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map(({ params, ...h }) => [params, h])).toEqual([
      [[a], { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }],
      [[b], { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true }],
    ]);
    expect(opt.params).toEqual([a, b]);
    expect(opt.lr).toBe(0.1);
    opt.lr = 0.5;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 0.5]);
  });

  test('a group\'s betas are its own copy', () => {
    const betas: [number, number] = [0.8, 0.9];
    const opt = new Adam([{ params: makeParams('float64'), betas }]);
    betas[0] = 0.1;
    expect(opt.paramGroups[0].betas).toEqual([0.8, 0.9]);
  });

  test('a schedule sets each group\'s rate from the group\'s own start', () => {
    const [a, b] = makeParams('float64');
    const opt = new RMSprop([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.02 }]);
    const s = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 4; i++) s.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.025, 0.005]);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.02]);
  });

  test('addParamGroup: the new group trains from the next step; a group added after a schedule keeps its own rate', () => {
    const [a, b] = makeParams('float64');
    const opt = new SGD([a], { lr: 0.1 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    opt.addParamGroup({ params: [b], lr: 0.3 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.3, momentum: 0 });
    const before = Array.from(b.data);
    b.grad = tensor(ref.grads.dense[0][1]!, { dtype: 'float64' });
    opt.step();
    expect(Array.from(b.data)).toEqual(before.map((v, i) => v - 0.3 * ref.grads.dense[0][1]![i]));
    s.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.3]);
  });
});

describe('state dict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-optim-'));

  // Every fixture case, both dtypes: 3 steps, a safetensors file, a fresh optimizer with another
  // learning rate, 5 more steps — bit for bit the parameters of 8 uninterrupted steps.
  for (const [name, c] of Object.entries(ref.optimizers)) {
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${name} (${dtype}) resumes exactly through a file`, () => {
        const steps = c[dtype].length;
        const whole = makeParams(dtype);
        replay(c, makeOptimizer(c, whole), whole, 0, steps);

        const first = makeParams(dtype);
        const optA = makeOptimizer(c, first);
        replay(c, optA, first, 0, 3);
        const path = join(dir, `${name}-${dtype}.safetensors`);
        save(path, optA.stateDict());

        const second = first.map((p) => tensor(Array.from(p.data), { shape: p.shape, dtype: p.dtype as DType, requiresGrad: true }));
        // The defaults are not part of the state (as in PyTorch): a group added later takes them.
        const optB = makeOptimizer(c, second);
        if (c.addGroup !== undefined && c.addGroup.beforeStep < 3) throw new Error('the case adds its group before the save');
        optB.lr = 0.9;
        optB.loadStateDict(load(path));
        expect(optB.paramGroups.map(({ params, ...h }) => h)).toEqual(optA.paramGroups.map(({ params, ...h }) => h));
        replay(c, optB, second, 3, steps);
        second.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(whole[i].data)));
      });
    }
  }

  test('keys and values: PyTorch\'s names, hyper-parameters as numbers, the group\'s parameter numbers, copies of the state', () => {
    const ps = makeParams('float64');
    const opt = new Adam([{ params: [ps[1]] }, { params: [ps[0]], amsgrad: true, lr: 0.1 }], { lr: 0.01 });
    replay(ref.optimizers.adam, opt, ps, 0, 2);
    const sd = opt.stateDict();
    expect([...sd.keys()].sort()).toEqual([
      ...['lr', 'beta1', 'beta2', 'eps', 'weight_decay', 'amsgrad', 'params'].flatMap((k) => [`param_groups.0.${k}`, `param_groups.1.${k}`]),
      'state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.step',
      'state.1.exp_avg', 'state.1.exp_avg_sq', 'state.1.max_exp_avg_sq', 'state.1.step',
    ].sort());
    expect(sd.get('param_groups.1.amsgrad')!.item()).toBe(1);
    expect(sd.get('param_groups.1.params')!.toArray()).toEqual([1]);
    expect(sd.get('state.0.step')!.item()).toBe(2);
    const m = sd.get('state.1.exp_avg')!;
    expect(m.shape).toEqual(ps[0].shape);
    const saved = Array.from(m.data);
    replay(ref.optimizers.adam, opt, ps, 2, 3);
    expect(Array.from(m.data)).toEqual(saved);
  });

  test('loading copies: one state dict loads into two optimizers that then train alike, and stays as it was', () => {
    const c = ref.optimizers.rmsprop_centered_momentum_wd_skip;
    const ps = makeParams('float64');
    const opt = makeOptimizer(c, ps);
    replay(c, opt, ps, 0, 3);
    const sd = opt.stateDict();
    const saved = [...sd.values()].map((t) => Array.from(t.data));
    const copies = [makeParams('float64'), makeParams('float64')];
    const opts = copies.map((qs) => makeOptimizer(c, qs));
    opts.forEach((o) => o.loadStateDict(sd));
    opts.forEach((o, k) => replay(c, o, copies[k], 3, 6));
    copies[1].forEach((q, i) => expect(Array.from(q.data)).toEqual(Array.from(copies[0][i].data)));
    expect([...sd.values()].map((t) => Array.from(t.data))).toEqual(saved);
  });

  test('a checkpoint in the earlier format (one group, no params entry) still loads', () => {
    const ps = makeParams('float32');
    const opt = new Adam(ps, { lr: 0.05 });
    const old = new Map<string, Tensor>([
      ['param_groups.0.lr', tensor(0.02, { dtype: 'float64' })], ['param_groups.0.beta1', tensor(0.8, { dtype: 'float64' })],
      ['param_groups.0.beta2', tensor(0.99, { dtype: 'float64' })], ['param_groups.0.eps', tensor(1e-8, { dtype: 'float64' })],
      ['param_groups.0.weight_decay', tensor(0, { dtype: 'float64' })], ['param_groups.0.amsgrad', tensor(0, { dtype: 'float64' })],
      ['state.1.step', tensor(4, { dtype: 'float64' })], ['state.1.exp_avg', tensor([1, 2, 3, 4])], ['state.1.exp_avg_sq', tensor([1, 1, 1, 1])],
    ]);
    opt.loadStateDict(Object.fromEntries(old));
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.02, betas: [0.8, 0.99], amsgrad: false });
    expect(opt.state.get(ps[1])!.step.item()).toBe(4);
    expect(opt.state.get(ps[0])).toBeUndefined();
  });

  test('a state dict that does not fit is a StateDictError naming the key, and changes nothing', () => {
    const ps = makeParams('float64');
    const adam = new Adam(ps);
    replay(ref.optimizers.adam, adam, ps, 0, 1);
    const sd = adam.stateDict();
    const sgd = new SGD(ps, { lr: 0.1 });
    expect(() => sgd.loadStateDict(sd)).toThrow(StateDictError);
    expect(() => sgd.loadStateDict(sd)).toThrow(/^SGD\.loadStateDict: param_groups\.0\.beta1: SGD has no hyper-parameter beta1/);
    expect(sgd.paramGroups[0].lr).toBe(0.1);
    const two = new Adam([{ params: [ps[0]] }, { params: [ps[1]] }]);
    expect(() => two.loadStateDict(sd)).toThrow(/param_groups\.0\.params: the saved group has 2 parameters, this Adam's group 0 has 1/);
    const wrong = new Map(sd);
    wrong.set('state.0.exp_avg', tensor([1, 2, 3]));
    expect(() => adam.loadStateDict(wrong)).toThrow(/state\.0\.exp_avg: state has shape \[3\], parameter 0 has shape \[2,3\]/);
    wrong.delete('state.0.exp_avg');
    wrong.set('state.0.momentum_buffer', tensor([1, 2, 3, 4, 5, 6]));
    expect(() => adam.loadStateDict(wrong)).toThrow(/state\.0\.momentum_buffer: Adam keeps no state named momentum_buffer/);
    const nan = new Map(sd);
    nan.set('param_groups.0.lr', tensor(NaN, { dtype: 'float64' }));
    expect(() => adam.loadStateDict(nan)).toThrow(/^Adam\.loadStateDict: param_groups\.0\.lr must be a number ≥ 0, got NaN$/);
    expect(() => adam.loadStateDict(new Map([['param_groups.1.lr', tensor(0.1)]]))).toThrow(/this Adam has 1 parameter group$/);
    expect(adam.state.get(ps[0])!.exp_avg.shape).toEqual([2, 3]);
    const nesterov = new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }).stateDict();
    nesterov.set('param_groups.0.momentum', tensor(0, { dtype: 'float64' }));
    expect(() => sgd.loadStateDict(nesterov)).toThrow('SGD.loadStateDict (parameter group 0): Nesterov momentum requires a momentum and zero dampening');
    expect(sgd.paramGroups[0]).toMatchObject({ momentum: 0, nesterov: false });
  });

  test('schedules save and restore their position', () => {
    const ps = makeParams('float64');
    const make = () => {
      const opt = new SGD(ps, { lr: 0.1 });
      const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 4 });
      return [opt, new SequentialLR(opt, { schedulers: [warmup, new CosineAnnealingLR(opt, { tMax: 10 })], milestones: [4] })] as const;
    };
    const [optA, a] = make();
    for (let i = 0; i < 7; i++) a.step();
    const [optB, b] = make();
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(optB.lr).toBe(optA.lr);
    a.step();
    b.step();
    expect(optB.lr).toBe(optA.lr);
    const p1 = new ReduceLROnPlateau(optA, { patience: 1 });
    [3, 2, 2, 2].forEach((m) => p1.step(m));
    const p2 = new ReduceLROnPlateau(optB, { patience: 1 });
    p2.loadStateDict(p1.stateDict());
    expect(p2.stateDict()).toEqual(p1.stateDict());
  });
});

test('groups given to the constructor and groups built from them are checked alike', () => {
  const ps = makeParams('float64');
  const specs = groupsOf([{ params: [0], lr: 0.2 }, { params: [1], momentum: 0.5 }], ps);
  const opt = new SGD(specs, { lr: 0.1 });
  expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.2, 0], [0.1, 0.5]]);
});
