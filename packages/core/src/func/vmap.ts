import { ShapeError, ValueError } from '../errors.js';
import { select } from '../ops/indexing.js';
import { stack } from '../ops/join.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Fn } from './reverse.js';
import { flatten } from './tree.js';

export interface VmapOptions {
  /**
   * Per argument, the dim to map over (`null`: the argument is shared, not mapped); one number
   * applies to every argument (default 0). For a tree argument, every tensor in it is mapped
   * along that dim.
   */
  inDims?: number | null | readonly (number | null)[];
  /** Where the mapped dim goes in each output tensor (default 0). */
  outDims?: number;
}

/**
 * `vmap(f)` maps f over a dim of its arguments (`torch.func.vmap`): out[i] = f(x[i], …), stacked.
 *
 * How it is done here: a loop. For each i the mapped arguments are sliced with `select` (a view),
 * f runs on the slices, and the outputs are stacked along `outDims`. There are no batching rules,
 * so it costs one call of f per element (PyTorch and JAX rewrite f to run once on the batch);
 * the results are the same. Everything is differentiable, so `vmap(grad(loss), { inDims: [null, 0, 0] })`
 * gives per-example gradients.
 */
export function vmap(f: Fn, options: VmapOptions = {}): (...args: unknown[]) => unknown {
  const op = 'func.vmap';
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  for (const k of Object.keys(options)) if (k !== 'inDims' && k !== 'outDims') throw new ValueError(op, `unknown option '${k}'; expected inDims or outDims`);
  const { inDims = 0, outDims = 0 } = options;
  if (!Number.isInteger(outDims)) throw new ValueError(op, `outDims must be an integer, got ${String(outDims)}`);
  return (...args) => {
    const dims = Array.isArray(inDims) ? inDims : args.map(() => inDims as number | null);
    if (dims.length !== args.length) throw new ValueError(op, `inDims has ${dims.length} entries for ${args.length} arguments`);
    let size: number | null = null;
    const mapped = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return null;
      if (!Number.isInteger(d)) throw new ValueError(op, `inDims[${i}] must be an integer or null, got ${String(d)}`);
      const flat = flatten(op, `argument ${i}`, a);
      const ds = flat.leaves.map((t) => normalizeDim(op, d, t.ndim));
      flat.leaves.forEach((t, k) => {
        const n = t.shape[ds[k]];
        if (size === null) size = n;
        else if (n !== size) throw new ShapeError(op, `argument ${i} has size ${n} along its mapped dim ${d}, but another mapped input has ${size}`);
      });
      return { flat, ds };
    });
    if (size === null) throw new ValueError(op, 'at least one argument must be mapped (inDims not all null)');
    const n: number = size;
    const results = Array.from({ length: n }, (_, j) => {
      const call = args.map((a, i) => {
        const m = mapped[i];
        return m === null ? a : m.flat.rebuild(m.flat.leaves.map((t, k) => select(t, m.ds[k], j)));
      });
      return (f as (...x: unknown[]) => unknown)(...call);
    });
    if (n === 0) throw new ValueError(op, 'the mapped dim has size 0: there is no call of f to take the output structure from');
    const outs = results.map((r) => flatten(op, "f's output", r));
    return outs[0].rebuild(outs[0].leaves.map((first, k) => {
      const d = normalizeDim(op, outDims, first.ndim + 1);
      return stack(outs.map((o) => o.leaves[k] as Tensor), d);
    }));
  };
}
