import { grad as gradients } from '../autograd/engine.js';
import { enableGrad } from '../autograd/grad-mode.js';
import { onesLike, zeros } from '../creation.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { stack } from '../ops/join.js';
import { reshape } from '../ops/view.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { release, track } from './track.js';
import { flatten, selectArguments, type Tree } from './tree.js';

/**
 * Reverse mode as functions (`torch.func.vjp`, `grad`, `jacrev`): run f once on fresh tensors
 * standing for the arguments (`track`), then pull cotangents back through the tape it recorded:
 *   vjp:  v ↦ vᵀ·J,   one backward pass per cotangent;
 *   grad: the vjp of a scalar output with v = 1;
 *   jacrev: one vjp per output element, the rows of J.
 * The backward pass keeps its own graph only when something outside differentiates through the
 * transform (an argument requires grad), which is what makes `grad(grad(f))` work.
 */

/** f's options in the transforms: which arguments to differentiate, and whether f returns `[output, aux]`. */
export interface TransformOptions {
  /** The argument (or arguments) to differentiate with respect to (default 0). */
  argnums?: number | readonly number[];
  /** f returns `[output, aux]`: aux is passed through, not differentiated. */
  hasAux?: boolean;
}

/** A function the transforms take: any arguments (tensors, or arrays and objects of them), returning the same kinds. */
export type Fn = (...args: never[]) => unknown;

/** Runs f on tracked copies of its selected arguments; the pieces every reverse transform needs. */
export interface Traced {
  output: unknown;
  aux: unknown;
  /** The output's tensors, in order. */
  outputs: Tensor[];
  rebuildOutput: <T>(leaves: readonly T[]) => unknown;
  /** The tracked stand-ins of the selected arguments' tensors. */
  inputs: Tensor[];
  /** Rebuilds the selected arguments' structure (one tree, or an array of trees for an array of argnums). */
  rebuildInputs: <T>(leaves: readonly T[]) => unknown;
  /** Whether an argument requires grad: then results stay on the tape for whoever differentiates outside. */
  outer: boolean;
}

export function trace(op: string, f: Fn, args: readonly unknown[], argnums: number | readonly number[], hasAux: boolean): Traced {
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  const selected = selectArguments(op, args, argnums);
  const outer = selected.leaves.some((x) => x.requiresGrad);
  const inputs = selected.leaves.map((x, i) => track(op, x, `input ${i}`));
  let result = enableGrad(() => f(...(selected.call(inputs) as never[])));
  let aux: unknown;
  if (hasAux) {
    if (!Array.isArray(result) || result.length !== 2) throw new ValueError(op, 'with hasAux, f must return [output, aux]');
    [result, aux] = result as [unknown, unknown];
  }
  const out = flatten(op, "f's output", result);
  out.leaves.forEach((t, i) => {
    if (!isDifferentiable(t)) throw new DTypeError(op, `output ${i} is ${t.dtype}; only float outputs can be differentiated`);
  });
  return { output: result, aux, outputs: out.leaves, rebuildOutput: out.rebuild, inputs, rebuildInputs: selected.rebuild, outer };
}

const isDifferentiable = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';

/** ∂⟨cotangents, outputs⟩/∂inputs: zeros for an input the outputs do not reach. */
export function pullBack(op: string, t: Traced, cotangents: readonly Tensor[]): Tensor[] {
  const live = t.outputs.map((o, i) => [o, cotangents[i]] as const).filter(([o]) => o.requiresGrad);
  if (live.length === 0) return t.inputs.map((x) => zeros(x.shape, { dtype: x.dtype }));
  return enableGrad(() => gradients(live.map(([o]) => o), t.inputs, {
    gradOutputs: live.map(([, c]) => c), retainGraph: true, createGraph: t.outer, allowUnused: true,
  })).map((g) => release(g, t.outer));
}

function checkCotangents(op: string, t: Traced, v: unknown): Tensor[] {
  const flat = flatten(op, 'cotangent', v);
  if (flat.leaves.length !== t.outputs.length) throw new ValueError(op, `got ${flat.leaves.length} cotangents for ${t.outputs.length} outputs; give one per output, in the output's structure`);
  return flat.leaves.map((c, i) => {
    const o = t.outputs[i];
    if (!sameShape(c.shape, o.shape)) throw new ShapeError(op, `cotangent ${i} has shape ${fmtShape(c.shape)}, but output ${i} has shape ${fmtShape(o.shape)}`);
    if (c.dtype !== o.dtype) throw new DTypeError(op, `cotangent ${i} is ${c.dtype}, but output ${i} is ${o.dtype}; convert it with .to('${o.dtype}')`);
    return c;
  });
}

function releaseOutput(t: Traced): unknown {
  return t.rebuildOutput(t.outputs.map((o) => release(o, t.outer)));
}

/**
 * `[output, vjpFn]` (and aux, with `hasAux`): vjpFn(v) is vᵀ·J for a cotangent v shaped like the
 * output, one gradient per primal (an array, as `torch.func.vjp` returns a tuple). vjpFn may be
 * called again with other cotangents: the tape is kept.
 */
export function vjp(f: Fn, ...primals: unknown[]): [unknown, (v: unknown) => unknown[]];
export function vjp(f: Fn, primals: readonly unknown[], options: { hasAux: true }): [unknown, (v: unknown) => unknown[], unknown];
export function vjp(f: Fn, ...rest: unknown[]): unknown[] {
  const op = 'func.vjp';
  const withOptions = rest.length === 2 && Array.isArray(rest[0]) && isOptions(rest[1]);
  const primals = withOptions ? (rest[0] as unknown[]) : rest;
  const hasAux = withOptions ? checkHasAux(op, rest[1]) : false;
  const t = trace(op, f, primals, primals.map((_, i) => i), hasAux);
  const vjpFn = (v: unknown): unknown[] => t.rebuildInputs(pullBack(op, t, checkCotangents(op, t, v))) as unknown[];
  return hasAux ? [releaseOutput(t), vjpFn, t.aux] : [releaseOutput(t), vjpFn];
}

const isOptions = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && 'hasAux' in v;

function checkHasAux(op: string, options: unknown): boolean {
  const { hasAux } = options as { hasAux?: unknown };
  if (hasAux !== undefined && typeof hasAux !== 'boolean') throw new ValueError(op, `hasAux must be a boolean, got ${typeof hasAux}`);
  return hasAux === true;
}

/** `argnums` and `hasAux` of a transform's options, checked (unknown keys, a non-boolean hasAux). */
export function checkTransformOptions(op: string, options: TransformOptions): { argnums: number | readonly number[]; hasAux: boolean } {
  if (typeof options !== 'object' || options === null) throw new ValueError(op, 'options must be an object such as { argnums: 1 }');
  for (const k of Object.keys(options)) if (k !== 'argnums' && k !== 'hasAux') throw new ValueError(op, `unknown option '${k}'; expected argnums or hasAux`);
  return { argnums: options.argnums ?? 0, hasAux: checkHasAux(op, options) };
}

/** The scalar output's vjp with v = 1: the gradient, shaped like the selected arguments. */
function scalarGradient(op: string, f: Fn, args: readonly unknown[], options: TransformOptions): [unknown, unknown, unknown] {
  const { argnums, hasAux } = checkTransformOptions(op, options);
  const t = trace(op, f, args, argnums, hasAux);
  if (t.outputs.length !== 1 || !(t.output instanceof Tensor)) {
    throw new ValueError(op, `f must return a tensor${hasAux ? ' (with hasAux: [tensor, aux])' : ''}, got ${t.outputs.length === 1 ? 'a structure holding one' : `${t.outputs.length} tensors`}; use func.vjp or func.jacrev for other outputs`);
  }
  const out = t.output;
  if (out.numel() !== 1) throw new ShapeError(op, `f must return a scalar (one element), got shape ${fmtShape(out.shape)}; reduce it (sum, mean) or use func.jacrev`);
  const g = t.rebuildInputs(pullBack(op, t, [onesLike(out)]));
  return [releaseOutput(t), g, t.aux];
}

/**
 * `grad(f)` is the function computing ∂f/∂x for a scalar-valued f (`torch.func.grad`): shaped like
 * argument `argnums` (a tree of tensors), or an array of such for an array of argnums. With
 * `hasAux`, f returns `[scalar, aux]` and the result is `[gradient, aux]`. Composes:
 * `grad(grad(f))` is the second derivative.
 */
export function grad(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => unknown {
  const op = 'func.grad';
  checkTransformOptions(op, options);
  return (...args) => {
    const [, g, aux] = scalarGradient(op, f, args, options);
    return options.hasAux ? [g, aux] : g;
  };
}

/** Like `grad`, returning `[value, gradient]` (with `hasAux`, `[[value, aux], gradient]`, as JAX's `value_and_grad`). */
export function valueAndGrad(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => [unknown, unknown] {
  const op = 'func.valueAndGrad';
  checkTransformOptions(op, options);
  return (...args) => {
    const [value, g, aux] = scalarGradient(op, f, args, options);
    return [options.hasAux ? [value, aux] : value, g];
  };
}

/**
 * The Jacobian by reverse mode (`torch.func.jacrev`): one backward pass per output element, each
 * giving a row ∂out_i/∂x. For a tensor output and one tensor argument the result has shape
 * `[...out.shape, ...x.shape]`; in general each output tensor holds the selected arguments'
 * structure of such blocks. Cheap when outputs are few (a scalar loss: one pass).
 */
export function jacrev(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => unknown {
  const op = 'func.jacrev';
  const { argnums, hasAux } = checkTransformOptions(op, options);
  return (...args) => {
    const t = trace(op, f, args, argnums, hasAux);
    const blocks = t.outputs.map((o, i) => {
      const rows: Tensor[][] = t.inputs.map(() => []);
      for (let e = 0; e < o.numel(); e++) {
        const seed = zeros(o.shape, { dtype: o.dtype });
        seed.mutableData()[e] = 1;
        const cot = t.outputs.map((p, j) => (j === i ? seed : zeros(p.shape, { dtype: p.dtype })));
        pullBack(op, t, cot).forEach((g, k) => rows[k].push(g));
      }
      const jac = t.inputs.map((x, k) => assemble(rows[k], o.shape, x));
      return t.rebuildInputs(jac);
    });
    const J = t.rebuildOutput(blocks);
    return hasAux ? [J, t.aux] : J;
  };
}

/** Rows (one per output element, each shaped like x) stacked into `[...outShape, ...x.shape]`. */
function assemble(rows: readonly Tensor[], outShape: readonly number[], x: Tensor): Tensor {
  if (rows.length === 0) return zeros([...outShape, ...x.shape], { dtype: x.dtype });
  return reshape(stack(rows, 0), [...outShape, ...x.shape]);
}
