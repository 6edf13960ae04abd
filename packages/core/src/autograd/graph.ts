import { fmtShape } from '../errors.js';
import { topologicalOrder } from './engine.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';

/**
 * The tape behind `root`: every tensor it was computed from, inputs before the tensors made from
 * them (the order `backward()` reverses). Tensors that need no gradient (constants, data) are
 * included when an op used them, so the listing shows everything each op read.
 */
export function tape(root: Tensor): Tensor[] {
  return topologicalOrder([root], () => true);
}

export interface GraphOptions {
  /**
   * Names for tensors, e.g. `model.namedParameters()` or a Map of tensor → name. A tensor's own
   * `name` (`mu.name = 'mu'`) is used where this gives none.
   */
  names?: Iterable<[string, Tensor]> | ReadonlyMap<Tensor, string>;
  /**
   * Label each node with its gradient: `.grad` for leaves and `retainGrad()` tensors after
   * `backward()`, and for any node the one `grads` holds. Shown as values when `showValues`,
   * else as the norm ‖grad‖.
   */
  showGrad?: boolean;
  /** Gradients of intermediate tensors to show, e.g. collected with `onBackwardStep` (see docs/tape.md). */
  grads?: ReadonlyMap<Tensor, Tensor>;
  /** Label each node with its value: up to 6 elements in full, larger tensors as min, mean and max. */
  showValues?: boolean;
  /**
   * Draw only what lies within this many ops of the root; what is farther is summarised as one
   * "⋯ N more" node feeding the ops at the edge (default: everything).
   */
  maxDepth?: number;
}

interface GraphNode {
  id: string;
  lines: string[];
  kind: 'op' | 'param' | 'const' | 'more';
}

/** The graph as nodes and edges, shared by the DOT and Mermaid writers. */
/** An edge from an input to the op that read it; `slot` is its position among the op's inputs when there are several. */
type Edge = [from: string, to: string, slot: number | null];

function build(root: Tensor, options: GraphOptions): { nodes: GraphNode[]; edges: Edge[] } {
  const { names, showGrad = false, grads, showValues = false, maxDepth = Infinity } = checkOptions(
    'toDot', options, ['names', 'showGrad', 'grads', 'showValues', 'maxDepth'], '{ showGrad: true }');
  const nameOf = new Map<Tensor, string>();
  if (names !== undefined) {
    if (names instanceof Map) for (const [t, n] of names) nameOf.set(t, n);
    else for (const [n, t] of names as Iterable<[string, Tensor]>) nameOf.set(t, n);
  }
  // Depth = fewest ops between a tensor and the root.
  const depth = new Map<Tensor, number>([[root, 0]]);
  const queue = [root];
  while (queue.length > 0) {
    const t = queue.shift()!;
    for (const input of t.gradFn?.inputs ?? []) {
      if (!depth.has(input)) {
        depth.set(input, depth.get(t)! + 1);
        queue.push(input);
      }
    }
  }
  const order = tape(root);
  const ids = new Map(order.map((t, i) => [t, `t${i}`] as const));
  const shown = (t: Tensor) => depth.get(t)! <= maxDepth;
  const nodes: GraphNode[] = [];
  const edges: Edge[] = [];
  const hidden = order.filter((t) => !shown(t)).length;
  const named = (t: Tensor): string[] => {
    const n = nameOf.get(t) ?? t.name;
    return n === undefined ? [] : [n];
  };
  const extras = (t: Tensor): string[] => {
    const out: string[] = [];
    if (showValues) out.push(`= ${summary(t)}`);
    const g = grads?.get(t) ?? t.grad;
    if (showGrad && g !== null && g !== undefined) out.push(showValues ? `grad ${summary(g)}` : `‖grad‖ = ${l2(g.data).toPrecision(4)}`);
    return out;
  };
  for (const t of order) {
    if (!shown(t)) continue;
    const id = ids.get(t)!;
    const shape = fmtShape(t.shape);
    if (t.gradFn !== null) {
      nodes.push({ id, lines: [...named(t), t.gradFn.name, shape, ...extras(t)], kind: 'op' });
      const inputs = t.gradFn.inputs;
      let cut = false;
      inputs.forEach((input, slot) => {
        if (shown(input)) edges.push([ids.get(input)!, id, inputs.length > 1 ? slot : null]);
        else cut = true;
      });
      if (cut) edges.push(['more', id, null]);
    } else if (!t.requiresGrad && t.numel() === 1 && named(t).length === 0) {
      // A number the user wrote (x.mul(2)): its value says more than "[] constant".
      nodes.push({ id, lines: [format(t.data[0])], kind: 'const' });
    } else {
      const lines = [...named(t), shape, t.requiresGrad ? 'requires_grad' : 'constant', ...extras(t)];
      nodes.push({ id, lines, kind: t.requiresGrad ? 'param' : 'const' });
    }
  }
  if (hidden > 0) nodes.unshift({ id: 'more', lines: [`⋯ ${hidden} more`, `beyond depth ${maxDepth}`], kind: 'more' });
  return { nodes, edges };
}

/** Up to 6 elements in full ([1.5, -2]); more as their range and mean. */
function summary(t: Tensor): string {
  const v = t.data;
  if (t.ndim === 0) return format(v[0]);
  if (v.length <= 6) return `[${Array.from(v, format).join(', ')}]`;
  let lo = Infinity, hi = -Infinity, sum = 0;
  for (let i = 0; i < v.length; i++) {
    lo = Math.min(lo, v[i]);
    hi = Math.max(hi, v[i]);
    sum += v[i];
  }
  return `min ${format(lo)} mean ${format(sum / v.length)} max ${format(hi)}`;
}

/** 4 significant digits, without trailing zeros (2, 0.5, 1.235e-7). */
function format(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function l2(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

const FILL: Record<GraphNode['kind'], string> = { op: '#e5e7eb', param: '#bfdbfe', const: '#f3f4f6', more: '#ffffff' };

/**
 * The computation graph behind `t` in Graphviz's DOT language (`dot -Tsvg graph.dot > graph.svg`):
 * one box per op (`MatmulBackward` and its output shape), leaves with their shape and whether they
 * require grad (blue) or are constants (grey; a single number shows its value), edges from inputs
 * to the ops that read them, numbered by input position where an op has several.
 */
export function toDot(t: Tensor, options: GraphOptions = {}): string {
  const { nodes, edges } = build(t, options);
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lines = [
    'digraph tensorgrad {',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    ...nodes.map((n) => `  ${n.id} [label="${n.lines.map(esc).join('\\n')}", fillcolor="${FILL[n.kind]}"${n.kind === 'more' ? ', style="dashed"' : ''}];`),
    ...edges.map(([a, b, slot]) => `  ${a} -> ${b}${slot === null ? '' : ` [label="${slot}"]`};`),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** The same graph as a Mermaid flowchart (renders in GitHub markdown inside a ```mermaid block). */
export function toMermaid(t: Tensor, options: GraphOptions = {}): string {
  const { nodes, edges } = build(t, options);
  const esc = (s: string) => s.replace(/"/g, '#quot;').replace(/\[/g, '#91;').replace(/\]/g, '#93;');
  const lines = [
    'flowchart TB',
    ...nodes.map((n) => `  ${n.id}["${n.lines.map(esc).join('<br/>')}"]`),
    ...edges.map(([a, b, slot]) => `  ${a} -->${slot === null ? '' : `|${slot}|`} ${b}`),
    ...nodes.map((n) => `  style ${n.id} fill:${FILL[n.kind]}${n.kind === 'more' ? ',stroke-dasharray:4' : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
