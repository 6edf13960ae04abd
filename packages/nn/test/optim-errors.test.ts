// What plain JavaScript (or `any`, or JSON) hands the optimizers and schedules: unknown keys, an
// options object or string where a number belongs, negative rates, betas out of [0, 1), a gamma
// ≤ 0. Each is a ValueError whose message starts with the class and names the parameter — never a
// NaN learning rate found epochs later.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ValueError, zeros } from '@tensorgrad/core';
import { thrownBy } from '@tensorgrad/core/testing';
import {
  Adadelta, Adagrad, Adam, Adamax, CosineAnnealingLR, ExponentialLR, LinearLR, NAdam, OneCycleLR, RAdam, RMSprop, ReduceLROnPlateau,
  SGD, SequentialLR, StepLR,
} from '../src/index.js';
import { OPTIMIZERS } from './optim-helpers.js';

const params = () => [zeros([2, 2], { requiresGrad: true }), zeros([3], { requiresGrad: true })];
const twoGroups = () => {
  const [a, b] = params();
  return new SGD([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.01 }], { lr: 0.1 });
};

/** The call throws a ValueError reading `message` (a string: the whole message; a RegExp: a match). */
function rejects(call: () => unknown, message: string | RegExp): void {
  const e = thrownBy(call);
  expect(e, String(message)).toBeInstanceOf(ValueError);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
}

describe('optimizer options', () => {
  const cases: [string, () => unknown, string | RegExp][] = [
    ['SGD negative lr', () => new SGD(params(), { lr: -1 }), 'SGD: invalid learning rate -1; expected a number ≥ 0'],
    ['SGD lr as an object', () => new SGD(params(), { lr: { value: 0.1 } as never }), 'SGD: invalid learning rate {"value":0.1}; expected a number ≥ 0'],
    ['SGD without lr', () => new SGD(params(), undefined as never), 'SGD (parameter group 0): no lr: give { lr } in the options or in every parameter group'],
    ['SGD negative momentum', () => new SGD(params(), { lr: 0.1, momentum: -0.5 }), 'SGD: momentum must be a number ≥ 0, got -0.5'],
    ['SGD nesterov without momentum', () => new SGD(params(), { lr: 0.1, nesterov: true }), 'SGD (parameter group 0): Nesterov momentum requires a momentum and zero dampening'],
    ['SGD nesterov with dampening', () => new SGD(params(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /^SGD .*Nesterov momentum requires a momentum and zero dampening/],
    ['SGD nesterov as a string', () => new SGD(params(), { lr: 0.1, nesterov: 'yes' as never }), 'SGD: nesterov must be true or false, got "yes"'],
    ['SGD weight_decay', () => new SGD(params(), { lr: 0.1, weight_decay: 0.1 } as never), /^SGD: unknown option "weight_decay"; did you mean weightDecay\?/],
    ['Adam betas ≥ 1', () => new Adam(params(), { betas: [0.9, 1] }), 'Adam: betas must be two numbers in [0, 1), got [0.9,1]'],
    ['Adam betas a number', () => new Adam(params(), { betas: 0.9 as never }), 'Adam: betas must be two numbers in [0, 1), got 0.9'],
    ['Adam negative eps', () => new Adam(params(), { eps: -1e-8 }), 'Adam: eps must be a number ≥ 0, got -1e-8'],
    ['RMSprop a number for options', () => new RMSprop(params(), 0.01 as never), 'RMSprop: expected an options object such as { lr: 0.01 }, got 0.01'],
    ['RMSprop negative alpha', () => new RMSprop(params(), { alpha: -0.1 }), 'RMSprop: alpha must be a number ≥ 0, got -0.1'],
    ['RMSprop centered as a number', () => new RMSprop(params(), { centered: 1 as never }), 'RMSprop: centered must be true or false, got 1'],
    ['RMSprop momentun', () => new RMSprop(params(), { momentun: 0.9 } as never), /^RMSprop: unknown option "momentun"; did you mean momentum\?/],
    ['Adagrad negative lrDecay', () => new Adagrad(params(), { lrDecay: -1 }), 'Adagrad: lrDecay must be a number ≥ 0, got -1'],
    ['Adagrad negative initialAccumulatorValue', () => new Adagrad(params(), { initialAccumulatorValue: -1 }), 'Adagrad: initialAccumulatorValue must be a number ≥ 0, got -1'],
    ['Adagrad lr_decay', () => new Adagrad(params(), { lr_decay: 0.1 } as never), /^Adagrad: unknown option "lr_decay"; did you mean lrDecay\?/],
    ['Adadelta rho > 1', () => new Adadelta(params(), { rho: 1.5 }), 'Adadelta: rho must be a number in [0, 1], got 1.5'],
    ['Adadelta a string for options', () => new Adadelta(params(), 'fast' as never), 'Adadelta: expected an options object such as { lr: 1.0 }, got "fast"'],
    ['Adamax NaN eps', () => new Adamax(params(), { eps: NaN }), 'Adamax: eps must be a number ≥ 0, got NaN'],
    ['Adamax negative beta', () => new Adamax(params(), { betas: [-0.1, 0.9] }), 'Adamax: betas must be two numbers in [0, 1), got [-0.1,0.9]'],
    ['NAdam negative momentumDecay', () => new NAdam(params(), { momentumDecay: -1 }), 'NAdam: momentumDecay must be a number ≥ 0, got -1'],
    ['NAdam momentum_decay', () => new NAdam(params(), { momentum_decay: 0.004 } as never), /^NAdam: unknown option "momentum_decay"; did you mean momentumDecay\?/],
    ['RAdam weightDecay as an object', () => new RAdam(params(), { weightDecay: {} as never }), 'RAdam: weightDecay must be a number ≥ 0, got {}'],
    ['RAdam weightDecay as a string', () => new RAdam(params(), { weightDecay: '0.1' as never }), 'RAdam: weightDecay must be a number ≥ 0, got "0.1"'],
  ];
  for (const [name, call, message] of cases) test(name, () => rejects(call, message));

  test('parameter groups are checked like the options, naming the group', () => {
    const [a, b] = params();
    rejects(() => new SGD([{ params: [a] }, { params: [b], lr: -1 }], { lr: 0.1 }), 'SGD (parameter group 1): invalid learning rate -1; expected a number ≥ 0');
    rejects(() => new Adam([{ params: [a], betas: [1, 0.9] }]), 'Adam (parameter group 0): betas must be two numbers in [0, 1), got [1,0.9]');
    rejects(() => new SGD([{ params: [a], momentun: 0.9 } as never], { lr: 0.1 }), /^SGD: unknown option "momentun"; did you mean momentum\?/);
    rejects(() => new SGD([{ params: 3 } as never], { lr: 0.1 }), 'SGD (parameter group 0): params must be a tensor or a list of tensors, got 3');
    rejects(() => new SGD([a, { params: [b] }] as never, { lr: 0.1 }), /^SGD: expected tensors \(model\.parameters\(\)\) or parameter groups \(\{ params, lr, … \}\), not a mix/);
    rejects(() => new SGD([a, a], { lr: 0.1 }), 'SGD: a parameter appears more than once, or in more than one parameter group');
    rejects(() => new SGD([], { lr: 0.1 }), 'SGD: got an empty parameter list');
    const opt = new SGD([a], { lr: 0.1 });
    rejects(() => opt.addParamGroup({ params: [a] }), 'SGD: a parameter appears more than once, or in more than one parameter group');
    rejects(() => opt.addParamGroup({ params: [b], nesterov: true }), 'SGD (parameter group 1): Nesterov momentum requires a momentum and zero dampening');
    rejects(() => opt.addParamGroup(null as never), 'SGD: a parameter group must be an object { params, … }, got null');
    expect(opt.paramGroups).toHaveLength(1);
    rejects(() => (opt.lr = Number('x')), 'SGD: invalid learning rate NaN; expected a number ≥ 0');
  });

  test('random option keys: unknown ones are always ValueErrors naming the class; random values never reach a group unchecked', () => {
    fc.assert(fc.property(
      fc.constantFrom(...Object.keys(OPTIMIZERS)), fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.double(), fc.string(), fc.constant({}), fc.boolean()),
      (name, key, value) => {
        fc.pre(key !== '__proto__');
        let opt;
        try {
          opt = new OPTIMIZERS[name](params(), { lr: 0.1, [key]: value });
        } catch (e) {
          expect(e).toBeInstanceOf(ValueError);
          expect((e as Error).message.startsWith(`${name}`)).toBe(true);
          return;
        }
        // Accepted: the key is one of the class's options and the value is valid for it.
        const v = (opt.paramGroups[0] as unknown as Record<string, unknown>)[key];
        expect(v).toEqual(value);
        if (typeof v === 'number') expect(v).toBeGreaterThanOrEqual(0);
      },
    ));
  });
});

describe('schedule options', () => {
  const opt = () => new SGD(params(), { lr: 0.1 });
  test('the issue\'s StepLR call works, in options form and positionally, and never makes the rate NaN', () => {
    const o = opt();
    const s = new StepLR(o, { stepSize: 3000, gamma: 0.1 });
    expect([s.lrAt(2999), s.lrAt(3000)]).toEqual([0.1, 0.1 * 0.1]);
    s.step();
    expect(o.lr).toBe(0.1);
    const p = new StepLR(opt(), 3000, 0.1);
    expect([p.stepSize, p.gamma]).toEqual([3000, 0.1]);
    expect(new CosineAnnealingLR(opt(), 10, 0.01).lrAt(10)).toBeCloseTo(0.01, 15);
  });

  const cases: [string, () => unknown, string | RegExp][] = [
    ['StepLR step_size', () => new StepLR(opt(), { step_size: 30 } as never), /^StepLR: unknown option "step_size"; did you mean stepSize\?/],
    ['StepLR options and a second argument', () => new StepLR(opt(), { stepSize: 30 } as never, 0.5), 'StepLR: expected { stepSize: 30, gamma: 0.1 } alone, got a second argument 0.5 after the options'],
    ['StepLR a string', () => new StepLR(opt(), '30' as never), 'StepLR: expected an options object such as { stepSize: 30, gamma: 0.1 }, got "30"'],
    ['StepLR stepSize 0', () => new StepLR(opt(), { stepSize: 0 }), 'StepLR: stepSize must be an integer ≥ 1, got 0'],
    ['StepLR stepSize 2.5', () => new StepLR(opt(), 2.5), 'StepLR: stepSize must be an integer ≥ 1, got 2.5'],
    ['StepLR gamma 0', () => new StepLR(opt(), { stepSize: 3, gamma: 0 }), 'StepLR: gamma must be a number > 0, got 0'],
    ['StepLR positional gamma as an object', () => new StepLR(opt(), 3, { gamma: 0.1 } as never), 'StepLR: gamma must be a number > 0, got {"gamma":0.1}'],
    ['StepLR without an optimizer', () => new StepLR({ lr: 0.1 } as never, { stepSize: 3 }), 'StepLR: expected an optimizer (e.g. new SGD(model.parameters(), { lr: 0.1 })), got {"lr":0.1}'],
    ['ExponentialLR gamma -1', () => new ExponentialLR(opt(), { gamma: -1 }), 'ExponentialLR: gamma must be a number > 0, got -1'],
    ['ExponentialLR a number', () => new ExponentialLR(opt(), 0.9 as never), 'ExponentialLR: expected an options object such as { gamma: 0.9 }, got 0.9'],
    ['ExponentialLR no gamma', () => new ExponentialLR(opt(), {} as never), 'ExponentialLR: gamma must be a number > 0, got undefined'],
    ['CosineAnnealingLR T_max', () => new CosineAnnealingLR(opt(), { T_max: 10 } as never), /^CosineAnnealingLR: unknown option "T_max"; did you mean tMax\?/],
    ['CosineAnnealingLR tMax 0', () => new CosineAnnealingLR(opt(), { tMax: 0 }), 'CosineAnnealingLR: tMax must be a number > 0, got 0'],
    ['CosineAnnealingLR negative etaMin', () => new CosineAnnealingLR(opt(), { tMax: 10, etaMin: -1 }), 'CosineAnnealingLR: etaMin must be a number ≥ 0, got -1'],
    ['LinearLR startFactor 2', () => new LinearLR(opt(), { startFactor: 2 }), 'LinearLR: startFactor must be a number in [0, 1], got 2'],
    ['LinearLR totalIters 2.5', () => new LinearLR(opt(), { totalIters: 2.5 }), 'LinearLR: totalIters must be an integer ≥ 1, got 2.5'],
    ['OneCycleLR no length', () => new OneCycleLR(opt(), { maxLr: 0.1 }), 'OneCycleLR: give totalSteps, or epochs and stepsPerEpoch: the length of the cycle'],
    ['OneCycleLR both lengths', () => new OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, epochs: 2 }), 'OneCycleLR: give totalSteps, or epochs and stepsPerEpoch, not both'],
    ['OneCycleLR epochs alone', () => new OneCycleLR(opt(), { maxLr: 0.1, epochs: 2 }), 'OneCycleLR: stepsPerEpoch must be an integer ≥ 1, got undefined'],
    ['OneCycleLR negative maxLr', () => new OneCycleLR(opt(), { maxLr: -1, totalSteps: 10 }), 'OneCycleLR: maxLr must be a number > 0, got -1'],
    ['OneCycleLR maxLr per group', () => new OneCycleLR(twoGroups(), { maxLr: [0.1], totalSteps: 10 }), 'OneCycleLR: maxLr must be a number or a list of 2 (one per parameter group), got 1 numbers'],
    ['OneCycleLR annealStrategy', () => new OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, annealStrategy: 'cosine' as never }), 'OneCycleLR: annealStrategy must be \'cos\' or \'linear\', got "cosine"'],
    ['OneCycleLR pctStart', () => new OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }), 'OneCycleLR: pctStart must be a number in [0, 1], got 1.5'],
    ['OneCycleLR maxMomentum 1', () => new OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, maxMomentum: 1 }), 'OneCycleLR: maxMomentum must be a number in [0, 1), got 1'],
    ['OneCycleLR momentum of Adagrad', () => new OneCycleLR(new Adagrad(params()), { maxLr: 0.1, totalSteps: 10 }), 'OneCycleLR: Adagrad has neither momentum nor betas to cycle; pass cycleMomentum: false'],
    ['ReduceLROnPlateau factor 1', () => new ReduceLROnPlateau(opt(), { factor: 1 }), 'ReduceLROnPlateau: factor must be a number in [0, 1), got 1'],
    ['ReduceLROnPlateau mode', () => new ReduceLROnPlateau(opt(), { mode: 'minimum' as never }), 'ReduceLROnPlateau: mode must be \'min\' or \'max\', got "minimum"'],
    ['ReduceLROnPlateau patience -1', () => new ReduceLROnPlateau(opt(), { patience: -1 }), 'ReduceLROnPlateau: patience must be an integer ≥ 0, got -1'],
    ['ReduceLROnPlateau minLr per group', () => new ReduceLROnPlateau(twoGroups(), { minLr: [0.1] }), 'ReduceLROnPlateau: minLr must be a number or a list of 2 (one per parameter group), got 1 numbers'],
    ['ReduceLROnPlateau threshold_mode', () => new ReduceLROnPlateau(opt(), { threshold_mode: 'abs' } as never), /^ReduceLROnPlateau: unknown option "threshold_mode"; did you mean thresholdMode\?/],
  ];
  for (const [name, call, message] of cases) test(name, () => rejects(call, message));

  test('OneCycleLR refuses a step past the cycle; ReduceLROnPlateau.step takes a number or a one-element tensor', () => {
    const s = new OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    rejects(() => s.step(), 'OneCycleLR: stepped 5 times, but the cycle has totalSteps = 3');
    const p = new ReduceLROnPlateau(opt());
    rejects(() => p.step('0.5' as never), 'ReduceLROnPlateau.step: expected the epoch\'s metric, a number or a one-element tensor, got "0.5"');
    rejects(() => p.step(zeros([2])), 'ReduceLROnPlateau.step: expected the epoch\'s metric, a number or a one-element tensor, got a tensor of 2 elements');
    p.step(zeros([1]));
    expect(p.best).toBe(0);
  });

  test('SequentialLR: schedules of this optimizer, one more than the increasing milestones', () => {
    const o = opt();
    const [a, b] = [new LinearLR(o), new ExponentialLR(o, { gamma: 0.9 })];
    rejects(() => new SequentialLR(o, { schedulers: [a, b], milestones: [] }), 'SequentialLR: milestones must list 1 epoch (one fewer than the schedules), got []');
    rejects(() => new SequentialLR(o, { schedulers: [a, b, a], milestones: [5, 3] }), 'SequentialLR: milestones must increase, got [5,3]');
    rejects(() => new SequentialLR(o, { schedulers: [a, b], milestones: [0] }), 'SequentialLR: milestones[0] must be an integer ≥ 1, got 0');
    rejects(() => new SequentialLR(o, { schedulers: [a, new StepLR(opt(), { stepSize: 2 })], milestones: [3] }), 'SequentialLR: schedulers[1] belongs to another optimizer than the one given');
    rejects(() => new SequentialLR(o, { schedulers: [a, new ReduceLROnPlateau(o)] as never, milestones: [3] }), 'SequentialLR: schedulers[1] must be an epoch schedule (StepLR, LinearLR, …), got ReduceLROnPlateau, which steps on a metric');
    rejects(() => new SequentialLR(o, { schedulers: [] , milestones: [] }), 'SequentialLR: schedulers must be a non-empty list of schedules, got []');
  });

  test('random StepLR arguments: a ValueError naming StepLR, or a schedule whose rates are all finite', () => {
    const anything = fc.oneof(fc.double(), fc.integer({ min: -3, max: 5000 }), fc.string(), fc.constant({}), fc.constant(undefined), fc.constant(null));
    fc.assert(fc.property(anything, anything, fc.boolean(), (a, b, objectForm) => {
      const o = opt();
      // Refused when made, or when a step would set a rate that is not finite (a huge gamma):
      // either way a ValueError naming StepLR, never a NaN or infinite rate in the optimizer.
      try {
        const s = objectForm ? new StepLR(o, { stepSize: a, gamma: b } as never) : new StepLR(o, a as never, b as never);
        for (let i = 0; i < 5; i++) {
          s.step();
          expect(Number.isFinite(o.lr)).toBe(true);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(ValueError);
        expect((e as Error).message).toMatch(/^StepLR: /);
        expect(Number.isFinite(o.lr)).toBe(true);
      }
    }));
  });
});
