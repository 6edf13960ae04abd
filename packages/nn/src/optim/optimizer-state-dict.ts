import { Tensor, TensorgradError, fmtShape, noGrad, tensor } from '@tensorgrad/core';
import { StateDictError } from '../errors.js';
import { asStateDict, type StateDict } from '../module.js';
import { checkValue, nonNegative, type Rule } from './check.js';
import type { BaseHyper, ParamGroup, ParamState, Rules, StateKind } from './optimizer.js';

// An optimizer's state dict, flat so that it fits a safetensors file beside the model's:
//   param_groups.<g>.<hyper-parameter>   0-d float64 (flags 0/1; betas as beta1 and beta2)
//   param_groups.<g>.params              int32, the numbers of the group's parameters
//   state.<i>.<entry>                    a copy of parameter i's state tensor
// Parameters are numbered across the groups in order, as PyTorch numbers them. The names are
// PyTorch's (weight_decay, exp_avg_sq, momentum_buffer…), so the keys read like its state_dict().

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The stored names of one hyper-parameter: `betas` → beta1, beta2; `weightDecay` → weight_decay. */
function storedNames(key: string, rule: Rule): string[] {
  if (rule.kind !== 'betas') return [snake(key)];
  const stem = snake(key).replace(/s$/, '');
  return [`${stem}1`, `${stem}2`];
}

export function encodeOptimizerState<H extends BaseHyper>(groups: readonly ParamGroup<H>[], state: ReadonlyMap<Tensor, ParamState>, rules: Rules<H>): StateDict {
  const sd: StateDict = new Map();
  const number = (v: number) => tensor(v, { dtype: 'float64' });
  let first = 0;
  groups.forEach((group, g) => {
    const at = `param_groups.${g}.`;
    for (const [k, rule] of Object.entries(rules) as [keyof H & string, Rule][]) {
      const v = group[k] as unknown;
      const names = storedNames(k, rule);
      if (rule.kind === 'betas') names.forEach((n, j) => sd.set(at + n, number((v as [number, number])[j])));
      else sd.set(at + names[0], number(typeof v === 'boolean' ? Number(v) : (v as number)));
    }
    if (group.initialLr !== undefined) sd.set(`${at}initial_lr`, number(group.initialLr));
    sd.set(`${at}params`, tensor(group.params.map((_, j) => first + j), { dtype: 'int32' }));
    first += group.params.length;
  });
  noGrad(() => groups.flatMap((g) => g.params).forEach((p, i) => {
    for (const [k, v] of Object.entries(state.get(p) ?? {})) sd.set(`state.${i}.${k}`, v.clone());
  }));
  return sd;
}

export interface DecodedState {
  /** Per group, the hyper-parameters the state dict sets (camelCase, typed as the groups hold them). */
  hyper: Record<string, unknown>[];
  state: Map<Tensor, ParamState>;
}

/** Reads and checks a state dict against the optimizer's groups; changes nothing. */
export function decodeOptimizerState<H extends BaseHyper>(
  op: string, owner: string, stateDict: unknown, groups: readonly ParamGroup<H>[], rules: Rules<H>, kinds: Readonly<Record<string, StateKind>>,
): DecodedState {
  const sd = asStateDict(op, stateDict);
  const params = groups.flatMap((g) => g.params);
  const byName = new Map<string, [keyof H & string, Rule, number]>();
  for (const [k, rule] of Object.entries(rules) as [keyof H & string, Rule][]) storedNames(k, rule).forEach((n, j) => byName.set(n, [k, rule, j]));
  const hyper: Record<string, unknown>[] = groups.map(() => ({}));
  const seen = new Set<number>();
  const state = new Map<Tensor, ParamState>();
  noGrad(() => {
    for (const [key, t] of sd) {
      const m = /^(?:param_groups\.(\d+)\.(\w+)|state\.(\d+)\.(\w+))$/.exec(key);
      if (m === null) throw new StateDictError(op, `unexpected key ${key} (expected param_groups.<g>.<name> or state.<i>.<name>)`);
      if (m[1] !== undefined) {
        const g = Number(m[1]);
        const name = m[2];
        if (g >= groups.length) throw new StateDictError(op, `${key}: this ${owner} has ${groups.length} parameter group${groups.length === 1 ? '' : 's'}`);
        seen.add(g);
        if (name === 'params') {
          if (t.numel() !== groups[g].params.length) {
            throw new StateDictError(op, `${key}: the saved group has ${t.numel()} parameters, this ${owner}'s group ${g} has ${groups[g].params.length}`);
          }
          continue;
        }
        if (t.numel() !== 1) throw new StateDictError(op, `${key}: expected one number, got a tensor of shape ${fmtShape(t.shape)}`);
        const v = t.item();
        if (name === 'initial_lr') {
          hyper[g].initialLr = v;
          continue;
        }
        const entry = byName.get(name);
        if (entry === undefined) throw new StateDictError(op, `${key}: ${owner} has no hyper-parameter ${name} (its own: ${[...byName.keys()].join(', ')})`);
        const [k, rule, part] = entry;
        if (rule.kind === 'betas') {
          const pair = (hyper[g][k] as [number, number] | undefined) ?? [...(groups[g][k] as [number, number])];
          pair[part] = v;
          hyper[g][k] = pair;
        } else hyper[g][k] = rule.kind === 'flag' ? v !== 0 : v;
        continue;
      }
      const i = Number(m[3]);
      const name = m[4];
      const p = params[i];
      if (p === undefined) throw new StateDictError(op, `${key}: the optimizer has only ${params.length} parameters`);
      const kind = kinds[name];
      if (kind === undefined) throw new StateDictError(op, `${key}: ${owner} keeps no state named ${name} (its state: ${Object.keys(kinds).join(', ')})`);
      let value: Tensor;
      if (kind === 'scalar') {
        if (t.numel() !== 1) throw new StateDictError(op, `${key}: expected one number, got a tensor of shape ${fmtShape(t.shape)}`);
        value = t.reshape([]).clone();
      } else {
        if (t.numel() !== p.numel()) throw new StateDictError(op, `${key}: state has shape ${fmtShape(t.shape)}, parameter ${i} has shape ${fmtShape(p.shape)}`);
        value = t.to(p.dtype).reshape(p.shape).clone();
      }
      const entry = state.get(p) ?? {};
      entry[name] = value;
      state.set(p, entry);
    }
  });
  if (seen.size > 0 && seen.size !== groups.length) {
    throw new StateDictError(op, `the state dict holds ${seen.size} parameter group${seen.size === 1 ? '' : 's'}, this ${owner} has ${groups.length}`);
  }
  hyper.forEach((h, g) => {
    for (const [k, v] of Object.entries(h)) {
      try {
        checkValue(op, `param_groups.${g}.${k}`, v, k === 'initialLr' ? nonNegative : rules[k as keyof H & string]);
      } catch (e) {
        throw e instanceof TensorgradError ? new StateDictError(op, e.message.replace(`${op}: `, '')) : e;
      }
    }
  });
  return { hyper, state };
}
