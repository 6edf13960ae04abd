import { isFloating } from '../dtype.js';
import { AutogradError, DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Forward mode: tangents ride along the forward pass. A tensor may carry, for each open *dual
 * level*, a tangent ṫ of its own shape: the directional derivative of its value along the
 * direction the level's inputs were given (`makeDual(x, v)`). Every op that records a gradient
 * rule also passes a tangent rule, the JVP: from the inputs' tangents to the output's,
 *   ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ,
 * written with tensor ops, so tangents are themselves differentiable (reverse over forward) and
 * a backward pass run under a dual level carries tangents through its rules (forward over
 * reverse, how `func.hessian` and `func.hvp` work). No tape is kept: a tangent is computed the
 * moment its op runs, and nothing holds on to the inputs afterwards.
 *
 * Levels nest (`func.jacfwd(func.jacfwd(f))`): each has its own number, and while the tangent rule
 * of level L runs, L and the levels opened inside it are hidden from the ops the rule calls, so the
 * rule's arithmetic is differentiated only by the levels outside it (no perturbation confusion). A
 * level the rule opens itself (a `defineOp` whose `jvp` calls `func.jvp`) is new, and visible.
 */

/** The tangent rule of an op: its inputs' tangents (null for an input without one at this level) to its output's tangent. */
export type JvpFn = (tangents: readonly (Tensor | null)[]) => Tensor;

/** Open levels, outermost first. */
const open: number[] = [];
/** Levels hidden from the ops a tangent rule calls while that rule runs. */
let hidden: ReadonlySet<number> = new Set();
let nextLevel = 1;

const tangents = new WeakMap<Tensor, Map<number, Tensor>>();

/** Whether any dual level is open (the fast check every op makes). */
export function forwardActive(): boolean {
  return open.length > 0;
}

/** The open levels ops see now, outermost first. */
function visibleLevels(): number[] {
  return hidden.size === 0 ? open : open.filter((l) => !hidden.has(l));
}

/** Runs `fn` with `level` and the open levels inside it hidden. */
function hiding<T>(level: number, fn: () => T): T {
  const before = hidden;
  hidden = new Set([...before, ...open.filter((l) => l >= level)]);
  try {
    return fn();
  } finally {
    hidden = before;
  }
}

/** `t`'s tangent at `level`, or null. */
export function tangentAt(t: Tensor, level: number): Tensor | null {
  return tangents.get(t)?.get(level) ?? null;
}

/** Whether `t` has a tangent at some open level. */
export function hasTangent(t: Tensor): boolean {
  const m = tangents.get(t);
  return m !== undefined && open.some((l) => m.has(l));
}

/** @internal Attaches `tangent` to `t` at `level` (checked by the callers). */
export function setTangent(t: Tensor, level: number, tangent: Tensor): void {
  let m = tangents.get(t);
  if (m === undefined) tangents.set(t, (m = new Map()));
  m.set(level, tangent);
}

/** @internal Every open level's tangent of `from`, given to `to` too (an alias of the same value). */
export function copyTangents(from: Tensor, to: Tensor, except?: number): void {
  const m = tangents.get(from);
  if (m === undefined) return;
  for (const [level, t] of m) if (level !== except && open.includes(level)) setTangent(to, level, t);
}

/**
 * Called by `record` after an op's forward kernel: for each visible level at which some input
 * has a tangent, runs the op's tangent rule and attaches the result to `out`.
 */
export function propagateTangents(out: Tensor, name: string, inputs: readonly Tensor[], jvp: JvpFn | null): void {
  if (!isFloating(out.dtype)) return;
  for (const level of visibleLevels()) {
    const ts = inputs.map((x) => tangentAt(x, level));
    if (ts.every((t) => t === null)) continue;
    if (jvp === null) {
      throw new AutogradError(name, `no tangent rule, so forward mode (jvp, jacfwd, hessian, makeDual) cannot go through this op; give defineOp a jvp`);
    }
    let t = hiding(level, () => jvp(ts));
    if (!(t instanceof Tensor)) throw new AutogradError(name, `the tangent rule returned ${typeof t}, not a tensor`);
    if (!sameShape(t.shape, out.shape)) t = t.expand(out.shape);
    if (t.dtype !== out.dtype) t = t.to(out.dtype);
    setTangent(out, level, t);
  }
}

/**
 * Runs `fn` inside a new dual level (PyTorch's `forward_ad.dual_level()`): `makeDual` attaches
 * tangents at this level, and every op inside propagates them. On leaving, the level's tangents
 * are gone (`unpackDual` returns none). `fn` must be synchronous.
 */
export function dualLevel<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError('dualLevel', `expected a function, got ${typeof fn}`);
  const level = nextLevel++;
  open.push(level);
  let result: T;
  try {
    result = fn();
  } finally {
    open.splice(open.indexOf(level), 1);
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new ValueError('dualLevel', 'takes a synchronous function, got one returning a promise: the level cannot follow an await');
  }
  return result;
}

function innermost(op: string): number {
  const levels = visibleLevels();
  if (levels.length === 0) throw new AutogradError(op, 'needs an open dual level: call it inside dualLevel(() => …)');
  return levels[levels.length - 1];
}

/**
 * A tensor with `primal`'s value and `tangent` as its tangent at the innermost dual level
 * (PyTorch's `make_dual`). It is an alias of `primal` for reverse mode (gradients flow back to
 * it) and keeps its tangents at outer levels. The tangent must have the primal's shape and dtype.
 */
export function makeDual(primal: Tensor, tangent: Tensor): Tensor {
  const op = 'makeDual';
  const level = innermost(op);
  if (!(primal instanceof Tensor)) throw new ValueError(op, 'primal must be a tensor');
  if (!(tangent instanceof Tensor)) throw new ValueError(op, 'tangent must be a tensor');
  if (!isFloating(primal.dtype)) throw new DTypeError(op, `only float tensors have tangents, got a ${primal.dtype} primal`);
  if (!sameShape(primal.shape, tangent.shape)) {
    throw new ShapeError(op, `tangent of shape ${fmtShape(tangent.shape)} must have the primal's shape ${fmtShape(primal.shape)}`);
  }
  if (tangent.dtype !== primal.dtype) throw new DTypeError(op, `tangent is ${tangent.dtype} but the primal is ${primal.dtype}; convert it with .to('${primal.dtype}')`);
  const dual = aliasOf(primal, level);
  setTangent(dual, level, tangent);
  return dual;
}

/** `dual`'s value without its tangent at the innermost level, and that tangent (null if none). */
export function unpackDual(dual: Tensor): { primal: Tensor; tangent: Tensor | null } {
  const op = 'unpackDual';
  const level = innermost(op);
  if (!(dual instanceof Tensor)) throw new ValueError(op, 'expected a tensor');
  return { primal: aliasOf(dual, level), tangent: tangentAt(dual, level) };
}

let alias: (t: Tensor) => Tensor = (t) => t.detach();

/** @internal The differentiable identity view `makeDual` and `unpackDual` use (installed by ops/view.ts, which autograd cannot import). */
export function setAliasOp(op: (t: Tensor) => Tensor): void {
  alias = op;
}

/** An alias of `t` on the tape, with `t`'s tangents except the one at `level`. */
function aliasOf(t: Tensor, level: number): Tensor {
  return hiding(level, () => alias(t)); // the alias op must not copy the level's tangent itself
}
