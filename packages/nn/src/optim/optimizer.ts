import { StateDictError } from '../errors.js';
import { Tensor, tensor, ValueError, fmtShape } from '@tensorgrad/core';
import { asStateDict, type StateDict } from '../module.js';

/**
 * Per-parameter state: moment estimates of the parameter's size — typed arrays, or tensors where
 * the update runs as a backend kernel (so a GPU keeps them as textures between steps) — and
 * counters as numbers.
 */
export type ParamState = Record<string, Float32Array | Float64Array | Tensor | number>;

/**
 * Base of the optimizers. `step()` updates the parameters in place inside `noGrad` (SGD with
 * in-place tensor ops, Adam with core's fused `adamStep_` kernel): an update is not part of any
 * graph. `stateDict()` captures hyper-parameters and the per-parameter state as tensors, so a
 * checkpoint resumes training exactly.
 */
export abstract class Optimizer {
  readonly params: Tensor[];
  protected readonly state = new Map<number, ParamState>();

  constructor(params: Iterable<Tensor>, public lr: number) {
    const name = new.target.name;
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new ValueError(name, `expected the parameters to optimise (e.g. model.parameters()), got ${String(params)}`);
    }
    this.params = [...params];
    if (this.params.length === 0) throw new ValueError(name, 'got an empty parameter list');
    if (typeof lr !== 'number' || !(lr >= 0)) throw new ValueError(name, `invalid learning rate ${JSON.stringify(lr)}; expected a number ≥ 0`);
    for (const p of this.params) {
      if (!p.isContiguous() || p.offset !== 0) throw new ValueError(this.constructor.name, 'parameters must own contiguous storage (use Parameter)');
    }
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Numeric hyper-parameters saved with the state (`lr` and the optimizer's own). */
  protected abstract hyperParameters(): Record<string, number>;
  protected abstract setHyperParameters(h: Record<string, number>): void;

  /** Hyper-parameters as `param_groups.0.<name>` and state as `state.<i>.<name>`, all tensors. */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [k, v] of Object.entries({ lr: this.lr, ...this.hyperParameters() })) {
      sd.set(`param_groups.0.${k}`, tensor(v, { dtype: 'float64' }));
    }
    for (const [i, s] of this.state) {
      for (const [k, v] of Object.entries(s)) {
        const values = v instanceof Tensor ? v.data : v;
        sd.set(`state.${i}.${k}`, typeof values === 'number' ? tensor(values, { dtype: 'float64' }) : tensor(values.slice(), { shape: this.params[i].shape }));
      }
    }
    return sd;
  }

  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): void {
    const sd = asStateDict('Optimizer.loadStateDict', stateDict);
    const h: Record<string, number> = {};
    const state = new Map<number, ParamState>();
    for (const [key, t] of sd) {
      const m = /^(?:param_groups\.0\.(\w+)|state\.(\d+)\.(\w+))$/.exec(key);
      if (m === null) throw new StateDictError('Optimizer.loadStateDict', `unexpected key ${key}`);
      if (m[1] !== undefined) {
        h[m[1]] = t.item();
        continue;
      }
      const i = Number(m[2]);
      const p = this.params[i];
      if (p === undefined) throw new StateDictError('Optimizer.loadStateDict', `${key}: the optimizer has only ${this.params.length} parameters`);
      const entry = state.get(i) ?? {};
      if (t.ndim === 0) entry[m[3]] = t.item();
      else if (t.numel() !== p.numel()) {
        throw new StateDictError('Optimizer.loadStateDict', `${key}: state has shape ${fmtShape(t.shape)}, parameter ${i} has shape ${fmtShape(p.shape)}`);
      } else entry[m[3]] = p.dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data);
      state.set(i, entry);
    }
    if (h.lr !== undefined) this.lr = h.lr;
    this.setHyperParameters(h);
    this.state.clear();
    for (const [i, s] of state) this.state.set(i, s);
  }

  /** The state of parameter i, created by `init` on first use. */
  protected stateOf(i: number, init: () => ParamState): ParamState {
    let s = this.state.get(i);
    if (s === undefined) {
      s = init();
      this.state.set(i, s);
    }
    return s;
  }
}

export function like(p: Tensor): Float32Array | Float64Array {
  return p.dtype === 'float64' ? new Float64Array(p.numel()) : new Float32Array(p.numel());
}
