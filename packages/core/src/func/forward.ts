import { dualLevel, makeDual, unpackDual } from '../autograd/forward.js';
import { zeros, zerosLike } from '../creation.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { stack } from '../ops/join.js';
import { reshape } from '../ops/view.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTransformOptions, type Fn, type TransformOptions } from './reverse.js';
import { flatten, selectArguments } from './tree.js';

/**
 * Forward mode as functions (`torch.func.jvp`, `jacfwd`, `linearize`): run f once inside a dual
 * level with each input carrying a tangent (`makeDual`), and read the outputs' tangents:
 *   jvp:  v ↦ J·v, in the same pass as f itself, keeping no tape;
 *   jacfwd: one jvp per input element, the columns of J.
 */

/** The primals' tensors made dual with the tangents' (checked to match), f called on them, and every output's value and tangent. */
function pushForward(op: string, f: Fn, primals: readonly unknown[], tangents: readonly unknown[], hasAux: boolean): { outputs: unknown; tangents: unknown; aux: unknown } {
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new ValueError(op, 'primals and tangents must be arrays (one entry per argument of f)');
  if (primals.length !== tangents.length) throw new ValueError(op, `got ${primals.length} primals but ${tangents.length} tangents`);
  const p = flatten(op, 'primals', primals), t = flatten(op, 'tangents', tangents);
  if (p.leaves.length !== t.leaves.length) throw new ValueError(op, `the tangents hold ${t.leaves.length} tensors where the primals hold ${p.leaves.length}; give one tangent per primal tensor, in the same structure`);
  p.leaves.forEach((x, i) => {
    const v = t.leaves[i];
    if (!sameShape(x.shape, v.shape)) throw new ShapeError(op, `tangent ${i} has shape ${fmtShape(v.shape)}, but its primal has shape ${fmtShape(x.shape)}`);
    if (x.dtype !== v.dtype) throw new DTypeError(op, `tangent ${i} is ${v.dtype}, but its primal is ${x.dtype}; convert it with .to('${x.dtype}')`);
  });
  return dualLevel(() => {
    const duals = p.leaves.map((x, i) => makeDual(x, t.leaves[i]));
    let result = f(...(p.rebuild(duals) as never[]));
    let aux: unknown;
    if (hasAux) {
      if (!Array.isArray(result) || result.length !== 2) throw new ValueError(op, 'with hasAux, f must return [output, aux]');
      [result, aux] = result as [unknown, unknown];
    }
    const out = flatten(op, "f's output", result);
    const unpacked = out.leaves.map((y) => unpackDual(y));
    return {
      outputs: out.rebuild(unpacked.map((u) => u.primal)),
      tangents: out.rebuild(unpacked.map((u, i) => u.tangent ?? zerosLike(out.leaves[i]))),
      aux,
    };
  });
}

/**
 * `[output, J·v]` for primals x and tangents v (arrays, one entry per argument of f, as
 * `torch.func.jvp`); with `{ hasAux: true }`, `[output, J·v, aux]`. One forward pass, no tape.
 */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], options: { hasAux?: boolean } = {}): unknown[] {
  const op = 'func.jvp';
  const hasAux = checkAux(op, options);
  const r = pushForward(op, f, primals, tangents, hasAux);
  return hasAux ? [r.outputs, r.tangents, r.aux] : [r.outputs, r.tangents];
}

function checkAux(op: string, options: { hasAux?: unknown }): boolean {
  if (typeof options !== 'object' || options === null) throw new ValueError(op, 'options must be an object such as { hasAux: true }');
  for (const k of Object.keys(options)) if (k !== 'hasAux') throw new ValueError(op, `unknown option '${k}'; expected hasAux`);
  if (options.hasAux !== undefined && typeof options.hasAux !== 'boolean') throw new ValueError(op, `hasAux must be a boolean, got ${typeof options.hasAux}`);
  return options.hasAux === true;
}

/**
 * `[output, jvpFn]`: jvpFn(...tangents) is J·v at these primals (`torch.func.linearize`). Here
 * each call runs f forward again with the new tangents (no tape is kept to replay), so it costs a
 * forward pass per call, the same as `jvp`.
 */
export function linearize(f: Fn, ...primals: unknown[]): [unknown, (...tangents: unknown[]) => unknown] {
  const op = 'func.linearize';
  const first = pushForward(op, f, primals, primals.map((x) => zerosOf(op, x)), false);
  return [first.outputs, (...tangents) => pushForward(op, f, primals, tangents, false).tangents];
}

const zerosOf = (op: string, tree: unknown): unknown => {
  const flat = flatten(op, 'primals', tree);
  return flat.rebuild(flat.leaves.map((x) => zerosLike(x)));
};

/**
 * The Jacobian by forward mode (`torch.func.jacfwd`): one jvp per element of the selected
 * arguments, each giving a column ∂out/∂x_j. Same layout as `jacrev`: `[...out.shape, ...x.shape]`
 * for a tensor in and out. Cheap when inputs are few and outputs many (a tall Jacobian).
 */
export function jacfwd(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => unknown {
  const op = 'func.jacfwd';
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  const { argnums, hasAux } = checkTransformOptions(op, options);
  return (...args) => {
    const inp = selectArguments(op, args, argnums);
    // f of the selected arguments' tensors alone, the others fixed.
    const g = (...leaves: Tensor[]): unknown => (f as (...a: unknown[]) => unknown)(...inp.call(leaves));
    const columns: Tensor[][][] = inp.leaves.map(() => []); // [input leaf][input element] → the output tangents
    let value: unknown, aux: unknown;
    inp.leaves.forEach((x, k) => {
      for (let e = 0; e < x.numel(); e++) {
        const tangents = inp.leaves.map((y, j) => {
          const v = zeros(y.shape, { dtype: y.dtype });
          if (j === k) v.mutableData()[e] = 1;
          return v;
        });
        const r = pushForward(op, g, inp.leaves, tangents, hasAux);
        value = r.outputs;
        aux = r.aux;
        columns[k].push(flatten(op, "f's output", r.tangents).leaves);
      }
    });
    if (value === undefined) {
      // No input elements: f still runs once, for the output's structure and shapes.
      const r = pushForward(op, g, inp.leaves, inp.leaves.map((x) => zerosLike(x)), hasAux);
      value = r.outputs;
      aux = r.aux;
    }
    const out = flatten(op, "f's output", value);
    const J = out.rebuild(out.leaves.map((o, i) => inp.rebuild(inp.leaves.map((x, k) => {
      if (x.numel() === 0) return zeros([...o.shape, ...x.shape], { dtype: o.dtype });
      // Columns stacked last: [...out.shape, numel(x)], then the last dim unflattened.
      const cols = stack(columns[k].map((c) => c[i]), o.ndim);
      return reshape(cols, [...o.shape, ...x.shape]);
    }))));
    return hasAux ? [J, aux] : J;
  };
}
