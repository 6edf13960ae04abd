// One real backward() pass, recorded step by step with onBackwardStep, as plain numbers the page
// can replay (and the tests can compare): the graph in the order tape() lists it, and for each step
// the engine took, what came in, what the rule sent to each input and what had piled up there.
import { onBackwardStep, tape, type Tensor } from '@tensorgrad/core';

export type NodeKind = 'op' | 'param' | 'data' | 'number';

export interface TraceNode {
  /** Position in tape(loss): inputs come before the tensors made from them. */
  readonly id: number;
  readonly kind: NodeKind;
  /** The op's rule name (`MulBackward`) for an op, the param's name, or null. */
  readonly label: string | null;
  readonly shape: readonly number[];
  readonly value: readonly number[];
  /** Ids of the op's inputs, in the rule's order (empty for a leaf). */
  readonly inputs: readonly number[];
  readonly requiresGrad: boolean;
}

/** What one step sent to one input of the node. */
export interface TraceFlow {
  readonly slot: number;
  readonly input: number;
  /** The rule's output for this input; null where it sends none (the input needs no gradient). */
  readonly grad: readonly number[] | null;
  /** What the input had gathered before this contribution; null if it had nothing yet. */
  readonly before: readonly number[] | null;
  /** What it holds after (before + grad). */
  readonly after: readonly number[] | null;
}

export interface TraceStep {
  /** The engine's step index (BackwardStep.index). */
  readonly index: number;
  readonly node: number;
  /** The rule that ran, or null at a leaf (its gradient is complete and stored). */
  readonly rule: string | null;
  /** ∂L/∂(this tensor), complete: every contribution summed. */
  readonly gradOutput: readonly number[];
  readonly flows: readonly TraceFlow[];
  /** A leaf's `.grad` after this step; null for an op. */
  readonly leafGrad: readonly number[] | null;
  /** Whether the engine had freed the node's rule when the step ended (a pass without retainGraph). */
  readonly freed: boolean;
  /** What the rule kept to read (GradNode.savedTensors): released with it when it is freed. */
  readonly saved: readonly { readonly role: string; readonly shape: readonly number[] }[];
}

export interface Trace {
  readonly nodes: readonly TraceNode[];
  readonly steps: readonly TraceStep[];
  readonly root: number;
  readonly loss: number;
  /** How many tensors on the tape need a gradient: the nodes the engine visits. */
  readonly gradNodes: number;
  /** Each param's `.grad` after the pass, by name. */
  readonly grads: Readonly<Record<string, readonly number[]>>;
}

const values = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>);

/** The graph behind `loss`, as tape(loss) lists it (constants an op read included). */
export function graphOf(loss: Tensor, params: ReadonlyMap<string, Tensor>): { nodes: TraceNode[]; ids: Map<Tensor, number> } {
  const order = tape(loss);
  const ids = new Map(order.map((t, i) => [t, i] as const));
  const nameOf = new Map([...params].map(([n, t]) => [t, n] as const));
  const nodes = order.map((t, id): TraceNode => {
    const kind: NodeKind = t.gradFn !== null ? 'op' : t.requiresGrad ? 'param' : t.numel() === 1 && t.ndim === 0 ? 'number' : 'data';
    const label = t.gradFn?.name ?? nameOf.get(t) ?? t.name ?? null;
    return { id, kind, label, shape: [...t.shape], value: values(t), inputs: (t.gradFn?.inputs ?? []).map((i) => ids.get(i)!), requiresGrad: t.requiresGrad };
  });
  return { nodes, ids };
}

/**
 * Runs `loss.backward()` once (with `retainGraph` as given) and records every step the engine
 * reports. Leaves' `.grad` should be empty before (a fresh evaluation's are).
 */
export function traceBackward(loss: Tensor, params: ReadonlyMap<string, Tensor>, { retainGraph = false } = {}): Trace {
  const { nodes, ids } = graphOf(loss, params);
  const steps: TraceStep[] = [];
  // What each tensor has gathered so far, as this recorder saw it arrive.
  const gathered = new Map<Tensor, number[]>();
  const handle = onBackwardStep((s) => {
    const flows: TraceFlow[] = [];
    const inputs = s.node?.inputs ?? [];
    inputs.forEach((input, slot) => {
      const g = s.gradInputs[slot];
      if (g === null || g === undefined || !input.requiresGrad) {
        flows.push({ slot, input: ids.get(input)!, grad: null, before: null, after: null });
        return;
      }
      const before = gathered.get(input) ?? null;
      const grad = values(g);
      // The last time this input appears in the step, the engine's own sum is the truth; an input
      // read twice by one op (a + a) gets its first share summed here.
      const last = inputs.lastIndexOf(input) === slot;
      const after = last ? values(s.accumulated[slot]!) : before === null ? grad : before.map((v, i) => v + grad[i]);
      gathered.set(input, after);
      flows.push({ slot, input: ids.get(input)!, grad, before, after });
    });
    steps.push({
      index: s.index,
      node: ids.get(s.tensor)!,
      rule: s.node?.name ?? null,
      gradOutput: values(s.gradOutput),
      flows,
      leafGrad: s.node === null && s.grad !== null ? values(s.grad) : null,
      freed: s.node !== null && s.node.backward === null,
      saved: s.node === null ? [] : s.node.savedTensors.map(({ role, shape }) => ({ role, shape: [...shape] })),
    });
  });
  try {
    loss.backward(undefined, { retainGraph });
  } finally {
    handle.remove();
  }
  const grads = Object.fromEntries([...params].map(([n, t]) => [n, t.grad === null ? [] : values(t.grad)]));
  return { nodes, steps, root: ids.get(loss)!, loss: loss.item(), gradNodes: nodes.filter((n) => n.requiresGrad).length, grads };
}
