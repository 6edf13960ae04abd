import { ValueError, describe } from '@tensorgrad/core';

// Argument checks shared by the optimizers and the schedules. Plain JavaScript (or `any`, or
// JSON) can hand a constructor an options object where a number belongs, a string, NaN or a
// negative rate; each check throws a ValueError that names the class and the parameter instead of
// letting the value reach the arithmetic (`0.1 ** {}` is NaN and would become the learning rate).

export { describe };

/** A closed or open bound on a number: `[0, true]` is ≥ 0, `[1, false]` is < 1. */
export type Bound = readonly [number, boolean];

export interface NumberRule {
  readonly kind: 'number';
  readonly min?: Bound;
  readonly max?: Bound;
  readonly integer?: boolean;
}
export interface FlagRule {
  readonly kind: 'flag';
}
/** Two numbers, each in [0, 1) (Adam's betas). */
export interface BetasRule {
  readonly kind: 'betas';
}
export type Rule = NumberRule | FlagRule | BetasRule;

export const nonNegative: NumberRule = { kind: 'number', min: [0, true] };
export const positive: NumberRule = { kind: 'number', min: [0, false] };
export const unitInterval: NumberRule = { kind: 'number', min: [0, true], max: [1, true] };
export const flag: FlagRule = { kind: 'flag' };
export const betas: BetasRule = { kind: 'betas' };
export const positiveInteger: NumberRule = { kind: 'number', min: [1, true], integer: true };
export const nonNegativeInteger: NumberRule = { kind: 'number', min: [0, true], integer: true };

function range(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) return `${kind} in ${min[1] ? '[' : '('}${min[0]}, ${max[0]}${max[1] ? ']' : ')'}`;
  if (min !== undefined) return `${kind} ${min[1] ? '≥' : '>'} ${min[0]}`;
  if (max !== undefined) return `${kind} ${max[1] ? '≤' : '<'} ${max[0]}`;
  return kind;
}

function fits(rule: NumberRule, v: unknown): v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) return false;
  if (rule.integer && !Number.isInteger(v)) return false;
  if (rule.min !== undefined && !(rule.min[1] ? v >= rule.min[0] : v > rule.min[0])) return false;
  if (rule.max !== undefined && !(rule.max[1] ? v <= rule.max[0] : v < rule.max[0])) return false;
  return true;
}

/** Throws `owner: name must be …, got …` unless `value` satisfies `rule`. */
export function checkValue(owner: string, name: string, value: unknown, rule: Rule): void {
  if (rule.kind === 'flag') {
    if (typeof value !== 'boolean') throw new ValueError(owner, `${name} must be true or false, got ${describe(value)}`);
    return;
  }
  if (rule.kind === 'betas') {
    const ok = Array.isArray(value) && value.length === 2 && value.every((b: unknown) => typeof b === 'number' && b >= 0 && b < 1);
    if (!ok) throw new ValueError(owner, `${name} must be two numbers in [0, 1), got ${describe(value)}`);
    return;
  }
  if (name === 'lr' && !fits(rule, value)) {
    throw new ValueError(owner, `invalid learning rate ${describe(value)}; expected ${range(rule)}`);
  }
  if (!fits(rule, value)) throw new ValueError(owner, `${name} must be ${range(rule)}, got ${describe(value)}`);
}

/** `checkValue` for a number, returning it typed. */
export function checkNumber(owner: string, name: string, value: unknown, rule: NumberRule): number {
  checkValue(owner, name, value, rule);
  return value as number;
}

/** A number, or one number per parameter group (`maxLr: [0.1, 0.01]`); returns one per group. */
export function perGroup(owner: string, name: string, value: unknown, groups: number, rule: NumberRule): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new ValueError(owner, `${name} must be a number or a list of ${groups} (one per parameter group), got ${value.length} numbers`);
    value.forEach((v: unknown, i) => checkValue(owner, `${name}[${i}]`, v, rule));
    return [...(value as number[])];
  }
  checkValue(owner, name, value, rule);
  return Array.from({ length: groups }, () => value as number);
}

/** One of the listed strings. */
export function checkChoice<T extends string>(owner: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new ValueError(owner, `${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describe(value)}`);
  }
  return value as T;
}
