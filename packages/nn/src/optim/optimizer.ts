import { Tensor, ValueError, checkOptions, keep, noGrad, tensor } from '@tensorgrad/core';
import type { StateDict } from '../module.js';
import { checkValue, describe, nonNegative, type Rule } from './check.js';
import { decodeOptimizerState, encodeOptimizerState } from './optimizer-state-dict.js';

/**
 * Per-parameter state, all tensors: buffers of the parameter's shape and dtype (moments, momentum)
 * that the update writes in place on the backend that runs the model, and 0-d counters (`step`).
 */
export type ParamState = Record<string, Tensor>;

/** What a state entry holds: a buffer shaped like its parameter, or a 0-d scalar (a step count). */
export type StateKind = 'buffer' | 'scalar';

/** The hyper-parameters every optimizer has. */
export interface BaseHyper {
  lr: number;
}

/**
 * One parameter group: its parameters and every hyper-parameter (its own, else the optimizer's
 * default). A schedule writes `lr` here; `initialLr` is the learning rate a schedule started from
 * (PyTorch's `initial_lr`), kept so that a second schedule on the same optimizer starts from it too.
 */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H & { params: Tensor[]; initialLr?: number };

/** A parameter group as given: its parameters and any hyper-parameters that differ from the defaults. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = { params: Iterable<Tensor> | Tensor } & Partial<H>;

/** What an optimizer takes: the parameters (`model.parameters()`), or a list of parameter groups. */
export type OptimizerParams<H extends BaseHyper = BaseHyper> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** The check each hyper-parameter must pass, for the defaults and for every group. */
export type Rules<H> = { readonly [K in keyof H & string]-?: Rule };

/**
 * Base of the optimizers, PyTorch's `torch.optim.Optimizer`: parameter groups with their own
 * hyper-parameters, per-parameter state, `step()` inside `noGrad` (an update is never part of a
 * graph), and a state dict of tensors that resumes training exactly.
 *
 * Subclasses give `update`, one parameter's step, written with in-place tensor ops or a backend
 * kernel, so parameters and state stay on whichever backend (CPU, WebAssembly, GPU) holds them.
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  readonly paramGroups: ParamGroup<H>[] = [];
  /** The options given to the constructor, with every default filled in; groups fall back to them. */
  readonly defaults: Readonly<Partial<H>>;
  /** Each parameter's state, created at its first update. */
  readonly state = new Map<Tensor, ParamState>();
  // Stored untyped: a Rules<H> field would make Optimizer<SGDHyper> unassignable to Optimizer.
  private readonly rules: Readonly<Record<string, Rule>>;
  /** The class name, for messages. */
  protected readonly name: string;

  protected constructor(params: OptimizerParams<H>, defaults: Partial<H>, rules: Rules<H>) {
    this.name = new.target.name;
    this.rules = rules;
    for (const [k, rule] of Object.entries(rules) as [keyof H & string, Rule][]) {
      if (defaults[k] !== undefined) checkValue(this.name, k, defaults[k], rule);
    }
    this.defaults = { ...defaults };
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new ValueError(this.name, `expected the parameters to optimise (e.g. model.parameters()), got ${describe(params)}`);
    }
    const items: unknown[] = [...(params as Iterable<unknown>)];
    if (items.length === 0) throw new ValueError(this.name, 'got an empty parameter list');
    if (items.every((x) => x instanceof Tensor)) this.addParamGroup({ params: items as Tensor[] } as unknown as ParamGroupInput<H>);
    else if (items.every((x) => typeof x === 'object' && x !== null && !(x instanceof Tensor) && 'params' in x)) {
      for (const g of items) this.addParamGroup(g as ParamGroupInput<H>);
    } else {
      const bad = items.find((x) => !(x instanceof Tensor));
      throw new ValueError(this.name, `expected tensors (model.parameters()) or parameter groups ({ params, lr, … }), not a mix; got ${describe(bad)} among them`);
    }
  }

  /** Every parameter of every group, in group order (the numbering of `stateDict()`'s `state.<i>`). */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The first group's learning rate; setting it sets every group's. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  set lr(value: number) {
    checkValue(this.name, 'lr', value, nonNegative);
    for (const g of this.paramGroups) g.lr = value;
  }

  /**
   * Adds a group of parameters with its own hyper-parameters (the defaults fill the rest), e.g. a
   * layer unfrozen during fine-tuning. A parameter may belong to one group only.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const where = `${this.name} (parameter group ${this.paramGroups.length})`;
    if (typeof group !== 'object' || group === null || !('params' in group)) {
      throw new ValueError(this.name, `a parameter group must be an object { params, … }, got ${describe(group)}`);
    }
    checkOptions(this.name, group as Record<string, unknown>, ['params', ...Object.keys(this.rules)]);
    const given = group.params;
    if (given === null || typeof given !== 'object' || !(given instanceof Tensor || Symbol.iterator in given)) {
      throw new ValueError(where, `params must be a tensor or a list of tensors, got ${describe(given)}`);
    }
    const params = given instanceof Tensor ? [given] : [...given];
    const taken = new Set(this.params);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(where, `params must hold tensors, got ${describe(p)}`);
      if (!p.isContiguous() || p.offset !== 0) throw new ValueError(this.name, 'parameters must own contiguous storage (use Parameter)');
      if (taken.has(p)) throw new ValueError(this.name, 'a parameter appears more than once, or in more than one parameter group');
      taken.add(p);
    }
    const resolved: Record<string, unknown> = { params };
    for (const [k, rule] of Object.entries(this.rules) as [keyof H & string, Rule][]) {
      const v: unknown = group[k] !== undefined ? group[k] : this.defaults[k];
      if (v === undefined) throw new ValueError(where, `no ${k}: give { ${k} } in the options or in every parameter group`);
      checkValue(where, k, v, rule);
      resolved[k] = Array.isArray(v) ? [...(v as number[])] : v;
    }
    this.checkGroup(resolved as unknown as ParamGroup<H>, where);
    this.paramGroups.push(resolved as unknown as ParamGroup<H>);
  }

  /** Checks between hyper-parameters of one group (SGD: Nesterov needs momentum). */
  protected checkGroup(_group: ParamGroup<H>, _where: string): void {}

  /** Updates every parameter that has a gradient, each with its group's hyper-parameters. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          let s = this.state.get(p);
          if (s === undefined) this.state.set(p, (s = {}));
          this.update(p, p.grad, s, group);
          // State outlives the step: inside a tidy() scope it must not be freed with the step's tensors.
          for (const v of Object.values(s)) keep(v);
        }
      }
    });
  }

  /** One parameter's update, in place on `p` and its `state` (empty at the first step). */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /** The state entries this optimizer keeps (PyTorch's names) and their kinds, for `loadStateDict`. */
  protected abstract readonly stateKinds: Readonly<Record<string, StateKind>>;

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /**
   * The hyper-parameters as `param_groups.<g>.<name>` (PyTorch's snake_case names, flags as 0/1,
   * betas as beta1/beta2, the group's parameter numbers as `params`) and the state as
   * `state.<i>.<name>`, every entry a tensor (a copy), so it goes into a safetensors file.
   */
  stateDict(): StateDict {
    return encodeOptimizerState(this.paramGroups, this.state, this.rules as Rules<H>);
  }

  /**
   * Restores what `stateDict()` captured (or an older checkpoint's subset of it): every group's
   * hyper-parameters and every parameter's state, checked against this optimizer's parameters
   * before anything changes.
   */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): void {
    const op = `${this.name}.loadStateDict`;
    const { hyper, state } = decodeOptimizerState(op, this.name, stateDict, this.paramGroups, this.rules as Rules<H>, this.stateKinds);
    hyper.forEach((h, g) => this.checkGroup({ ...this.paramGroups[g], ...h }, `${op} (parameter group ${g})`));
    hyper.forEach((h, g) => {
      const group = this.paramGroups[g] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(h)) group[k] = v;
    });
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }
}

/** `defaults` with every option `given` that is not undefined (`{ lr: undefined }` keeps the default). */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Increments the 0-d step count of `state` and returns the new count. */
export function nextStep(state: ParamState): number {
  const step = (state.step === undefined ? 0 : state.step.item()) + 1;
  state.step = tensor(step, { dtype: 'float64' });
  return step;
}
