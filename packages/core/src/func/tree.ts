import { ValueError } from '../errors.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * What the transforms take and return, as `torch.func` and JAX do: a tensor, or arrays and plain
 * objects of them, nested ("pytrees"). A transform flattens a tree to its tensors (its leaves),
 * works on those, and rebuilds the same structure around its results.
 */
export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree };

/** A tree's leaves in order (arrays by index, objects by key order) and how to rebuild it around new ones. */
export interface Flat {
  leaves: Tensor[];
  rebuild: <T>(leaves: readonly T[]) => unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Flattens `tree`; anything but tensors, arrays and plain objects is a ValueError naming the transform (`op`) and what the tree is (`what`). */
export function flatten(op: string, what: string, tree: unknown): Flat {
  const leaves: Tensor[] = [];
  const walk = (v: unknown, path: string): ((next: () => unknown) => unknown) => {
    if (v instanceof Tensor) {
      leaves.push(v);
      return (next) => next();
    }
    if (Array.isArray(v)) {
      const parts = v.map((x, i) => walk(x, `${path}[${i}]`));
      return (next) => parts.map((p) => p(next));
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      const parts = keys.map((k) => walk(v[k], `${path}.${k}`));
      return (next) => Object.fromEntries(keys.map((k, i) => [k, parts[i](next)]));
    }
    throw new ValueError(op, `${what}${path} must be a tensor, or an array or object of tensors; got ${describe(v)}`);
  };
  const build = walk(tree, '');
  return {
    leaves,
    rebuild: <T>(values: readonly T[]) => {
      let i = 0;
      return build(() => values[i++]);
    },
  };
}

/**
 * The tensors of the arguments `argnums` selects (one tree, or an array of trees for an array of
 * argnums), how to rebuild that selection around other values, and `call`, which gives back the
 * call's arguments with those tensors replaced.
 */
export function selectArguments(op: string, args: readonly unknown[], argnums: number | readonly number[]): Flat & { call: (leaves: readonly Tensor[]) => unknown[] } {
  const positions = argPositions(op, argnums, args.length);
  const single = typeof argnums === 'number';
  const flat = flatten(op, single ? `argument ${positions[0]}` : `arguments ${JSON.stringify(positions)}`, single ? args[positions[0]] : positions.map((p) => args[p]));
  return {
    ...flat,
    call: (leaves) => {
      const rebuilt = flat.rebuild(leaves);
      const out = [...args];
      positions.forEach((p, i) => (out[p] = single ? rebuilt : (rebuilt as unknown[])[i]));
      return out;
    },
  };
}

/** `argnums` as a list of argument positions, checked against the call's arguments. */
export function argPositions(op: string, argnums: number | readonly number[], count: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : Array.isArray(argnums) ? [...argnums] : null;
  if (list === null || list.length === 0) throw new ValueError(op, `argnums must be an argument position or a non-empty array of them, got ${describe(argnums)}`);
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -count || a >= count) throw new ValueError(op, `argnums ${describe(a)} is out of range for a call with ${count} argument${count === 1 ? '' : 's'}`);
    return a < 0 ? a + count : a;
  });
}
