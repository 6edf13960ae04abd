import { ValueError } from '../errors.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * The argument kinds public ops take, and the check of each: what plain JavaScript may pass
 * where. A JS array where a tensor or number belongs is refused (wrapped with `tensor()` it is
 * accepted); strings, null, booleans and objects where a tensor or number belongs are refused;
 * a required argument left out is named as missing.
 */
export const KINDS = {
  tensor: { expected: 'a tensor', ok: (v: unknown) => v instanceof Tensor },
  tensorLike: { expected: 'a tensor or a number', ok: (v: unknown) => v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean' },
  tensorOrNull: { expected: 'a tensor or null', ok: (v: unknown) => v instanceof Tensor || v === null },
  tensors: { expected: 'an array of tensors', ok: (v: unknown) => Array.isArray(v) && v.every((t) => t instanceof Tensor) },
  number: { expected: 'a number', ok: (v: unknown) => typeof v === 'number' },
  int: { expected: 'an integer', ok: (v: unknown) => Number.isInteger(v) },
  ints: { expected: 'an array of integers', ok: (v: unknown) => Array.isArray(v) && v.every((d) => Number.isInteger(d)) },
  dims: { expected: 'an integer or an array of integers', ok: (v: unknown) => Number.isInteger(v) || (Array.isArray(v) && v.every((d) => Number.isInteger(d))) },
  pair: { expected: 'an integer or a pair of integers', ok: (v: unknown) => Number.isInteger(v) || (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d))) },
  boolean: { expected: 'true or false', ok: (v: unknown) => typeof v === 'boolean' },
  string: { expected: 'a string', ok: (v: unknown) => typeof v === 'string' },
  options: { expected: 'an options object', ok: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) },
  indexLike: { expected: 'an int32 tensor or an array of integers', ok: (v: unknown) => v instanceof Tensor || Array.isArray(v) },
  array: { expected: 'an array', ok: (v: unknown) => Array.isArray(v) },
  function: { expected: 'a function', ok: (v: unknown) => typeof v === 'function' },
  any: { expected: 'anything', ok: () => true },
} as const;

export type Kind = keyof typeof KINDS;
/** One parameter: `kind:name`, `kind?:name` (may be left out: undefined passes), `...kind:name` (every remaining argument). */
export type Param = `${'' | '...'}${Kind}${'' | '?'}:${string}`;

export interface Parsed {
  kind: Kind;
  name: string;
  optional: boolean;
  rest: boolean;
}

/** One parameter's `kind`, `name` and whether it may be left out or takes the rest. */
export function parse(p: Param): Parsed {
  const m = /^(\.\.\.)?([a-zA-Z]+)(\?)?:(.+)$/.exec(p)!;
  return { rest: m[1] !== undefined, kind: m[2] as Kind, optional: m[3] !== undefined, name: m[4] };
}

/** A checker for one op's parameters; throws a ValueError naming the op and the argument. */
export function argumentChecker(op: string, params: readonly Param[]): (args: readonly unknown[]) => void {
  const ps = params.map(parse);
  const fail = (p: Parsed, v: unknown, at: string): never => {
    if (v === undefined && !p.optional) throw new ValueError(op, `missing argument ${p.name} (${KINDS[p.kind].expected})`);
    const hint = Array.isArray(v) && (p.kind === 'tensor' || p.kind === 'tensorLike') ? '; wrap it with tensor()' : '';
    throw new ValueError(op, `${at} must be ${KINDS[p.kind].expected}${p.optional ? ' (or left out)' : ''}, got ${Array.isArray(v) ? 'an array ' : ''}${describe(v)}${hint}`);
  };
  return (args) => {
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (p.rest) {
        for (let j = i; j < args.length; j++) if (!KINDS[p.kind].ok(args[j])) fail(p, args[j], `${p.name}[${j - i}]`);
        return;
      }
      const v = args[i];
      if (v === undefined ? !p.optional : !KINDS[p.kind].ok(v)) fail(p, v, p.name);
    }
  };
}
