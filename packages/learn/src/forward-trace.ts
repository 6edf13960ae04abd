// Forward mode on the same expression: each param gets a tangent (a direction v), the expression
// runs again inside a dual level, and every tensor on its tape carries ẏ = Σ ∂y/∂x·ẋ, pushed
// forward by each op's tangent rule as it ran. The loss's tangent is the directional derivative
// ∇L·v, which reverse mode gives as Σ ⟨∂L/∂param, v⟩: one number, computed both ways.
import { dualLevel, noGrad, tape, unpackDual, type Tensor } from '@tensorgrad/core';
import { evaluateExpression, type Precision } from './expression.js';
import type { TraceNode } from './trace.js';

export type TangentTrace =
  | { ok: true; tangents: readonly (readonly number[] | null)[]; lossTangent: number }
  | { ok: false; error: string };

/**
 * Runs `code` with `direction` (tangents by param name; params without one get none) and returns
 * each node's tangent, by the node ids of `nodes` (the reverse pass's graph of the same code).
 * The two runs build the same graph, except that makeDual puts an alias between each param and its
 * readers; those aliases are left out, and the graphs must then match op for op.
 */
export function traceTangents(code: string, nodes: readonly TraceNode[], direction: ReadonlyMap<string, ArrayLike<number>>, dtype: Precision): TangentTrace {
  return dualLevel((): TangentTrace => {
    const run = evaluateExpression(code, { dtype, tangents: direction });
    if (!run.ok) return run;
    const order = tape(run.loss).filter((t) => !run.duals.has(t));
    const same = order.length === nodes.length && order.every((t, i) => (t.gradFn?.name ?? null) === (nodes[i].kind === 'op' ? nodes[i].label : null) && t.shape.join() === nodes[i].shape.join());
    if (!same) return { ok: false, error: 'the expression built a different graph the second time (does it use Math.random?); forward mode needs the same graph' };
    const dualOf = new Map([...run.duals].map(([dual, primal]) => [primal, dual] as const));
    const tangentOf = (t: Tensor): readonly number[] | null => {
      const tangent = noGrad(() => unpackDual(dualOf.get(t) ?? t).tangent);
      return tangent === null ? null : Array.from(tangent.data as ArrayLike<number>);
    };
    const tangents = order.map(tangentOf);
    return { ok: true, tangents, lossTangent: tangents[tangents.length - 1]?.[0] ?? 0 };
  });
}
