// An expression to step through: a few lines of JavaScript that use tensorgrad's API and return a
// scalar loss. The presets are such code, and so is what a reader types into the page's editor; both
// run through evaluateExpression, in the page and in the tests alike, so the two cannot drift apart.
import * as core from '@tensorgrad/core';
import { Tensor, makeDual, manualSeed, tensor } from '@tensorgrad/core';

/** The float dtype the expression computes in (the page's float64 toggle). */
export type Precision = 'float32' | 'float64';

export interface EvaluateOptions {
  dtype?: Precision;
  /** Added to a param's value before anything reads it, by name (the nudge: εδ). */
  perturb?: ReadonlyMap<string, ArrayLike<number>>;
  /**
   * Tangents by param name: each named param is returned as `makeDual(param, tangent)`, so the
   * caller must be inside `dualLevel` (forward mode).
   */
  tangents?: ReadonlyMap<string, ArrayLike<number>>;
}

export type Evaluation =
  | { ok: true; loss: Tensor; params: ReadonlyMap<string, Tensor>; duals: ReadonlyMap<Tensor, Tensor> }
  | { ok: false; error: string };

/**
 * Every random number an expression draws comes from the default generator, seeded afresh for
 * each evaluation: the page, the tests in Node and a nudged re-run all see the same values.
 */
const SEED = 2024;

/** Creation functions whose float results follow the page's dtype unless given one. */
type Creator = (...args: never[]) => Tensor;

/**
 * `fn` with `{ dtype }` added to its options when the caller passed none: ShapeArgs-style functions
 * (zeros, ones, rand, randn, full) take options last, as a plain object.
 */
function followingDtype(fn: Creator, dtype: Precision, at: number | 'last'): Creator {
  return ((...args: unknown[]) => {
    const i = at === 'last' ? (isOptions(args[args.length - 1]) ? args.length - 1 : args.length) : at;
    const given = isOptions(args[i]) ? (args[i] as { dtype?: string }) : undefined;
    if (given?.dtype !== undefined) return (fn as (...a: unknown[]) => Tensor)(...args);
    const next = [...args];
    next[i] = { ...given, dtype };
    return (fn as (...a: unknown[]) => Tensor)(...next);
  }) as Creator;
}

const isOptions = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor);

/** Names an expression may not be handed as parameters (reserved words: core exports `var`). */
function usableName(name: string): boolean {
  try {
    new Function(name, '');
    return true;
  } catch {
    return false;
  }
}

/** Core's exports an expression sees, by name (functions, classes and the `func` namespace). */
const CORE_API: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(core).filter(([name, v]) => (typeof v === 'function' || name === 'func') && usableName(name)),
);

/** The helpers the expression sees besides core's API, for the editor's help line. */
export const HELPERS = ['param(name, value)', 'data(value)', 'dtype'] as const;

/**
 * Runs `code` (the body of a function: it must `return` a scalar tensor) with tensorgrad's API in
 * scope, plus `param(name, value)` for a named leaf that requires grad, `data(value)` for a
 * constant and `dtype`. Never throws: any error, a syntax error included, comes back as
 * `{ ok: false, error }` with the line it happened on where the engine says.
 */
export function evaluateExpression(code: string, options: EvaluateOptions = {}): Evaluation {
  const dtype = options.dtype ?? 'float32';
  const params = new Map<string, Tensor>();
  const duals = new Map<Tensor, Tensor>();
  const toTensor = (value: unknown): Tensor => {
    if (value instanceof Tensor) return value.detach().to(dtype).contiguous();
    return tensor(value as number[], { dtype });
  };
  const param = (name: unknown, value: unknown): Tensor => {
    if (typeof name !== 'string' || name === '') throw new TypeError('param(name, value): name must be a non-empty string');
    if (params.has(name)) throw new TypeError(`param: there is already a param named ${JSON.stringify(name)}`);
    let t = toTensor(value);
    const delta = options.perturb?.get(name);
    if (delta !== undefined) t = core.noGrad(() => t.add(tensor(Array.from(delta), { dtype, shape: t.shape })));
    t.requiresGrad_();
    t.name = name;
    params.set(name, t);
    const tangent = options.tangents?.get(name);
    if (tangent === undefined) return t;
    const dual = makeDual(t, tensor(Array.from(tangent), { dtype, shape: t.shape }));
    duals.set(dual, t);
    return dual;
  };
  const data = (value: unknown): Tensor => toTensor(value);
  const scope: Record<string, unknown> = {
    ...CORE_API,
    tensor: ((values: unknown, opts?: { dtype?: string }) => {
      // Numbers make float32 by default; under float64 they follow the page, other dtypes stay.
      const t = tensor(values as number[], opts as core.TensorOptions);
      return opts?.dtype === undefined && t.dtype === 'float32' && dtype === 'float64' ? tensor(values as number[], { ...opts, dtype }) : t;
    }) as Creator,
    zeros: followingDtype(core.zeros as Creator, dtype, 'last'),
    ones: followingDtype(core.ones as Creator, dtype, 'last'),
    rand: followingDtype(core.rand as Creator, dtype, 'last'),
    randn: followingDtype(core.randn as Creator, dtype, 'last'),
    full: followingDtype(core.full as Creator, dtype, 2),
    param,
    data,
    dtype,
  };
  try {
    manualSeed(SEED);
    const fn = new Function(...Object.keys(scope), `'use strict';\n${code}`) as (...args: unknown[]) => unknown;
    const loss = fn(...Object.values(scope));
    if (!(loss instanceof Tensor)) return { ok: false, error: `the expression must return a tensor (the loss), got ${loss === undefined ? 'nothing: add a return' : typeof loss}` };
    if (loss.numel() !== 1) return { ok: false, error: `the loss must be a scalar (one element), got shape [${loss.shape.join(', ')}]: add .sum() or .mean()` };
    if (!loss.requiresGrad) return { ok: false, error: 'the loss does not depend on any param(...): nothing to differentiate' };
    return { ok: true, loss, params, duals };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

/**
 * `Name: message (line n)`: the line in the user's code, where the stack says. V8 numbers a
 * `new Function` body from line 3 (after `function anonymous(…\n) {`), and our 'use strict' takes that one.
 */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `thrown: ${String(e)}`;
  const where = /<anonymous>:(\d+):(\d+)/.exec(e.stack ?? '');
  const line = where === null ? '' : ` (line ${Number(where[1]) - 3})`;
  return `${e.name}: ${e.message}${line}`;
}
