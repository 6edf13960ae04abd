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
  /** Names for leaves, e.g. `model.namedParameters()` or a Map of tensor → name. */
  names?: Iterable<[string, Tensor]> | ReadonlyMap<Tensor, string>;
  /** After `backward()`: label each leaf with the norm ‖grad‖ of its gradient. */
  showGrad?: boolean;
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
function build(root: Tensor, options: GraphOptions): { nodes: GraphNode[]; edges: [string, string][] } {
  const { names, showGrad = false, maxDepth = Infinity } = checkOptions('toDot', options, ['names', 'showGrad', 'maxDepth'], '{ showGrad: true }');
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
  const edges: [string, string][] = [];
  const hidden = order.filter((t) => !shown(t)).length;
  for (const t of order) {
    if (!shown(t)) continue;
    const id = ids.get(t)!;
    const shape = fmtShape(t.shape);
    if (t.gradFn !== null) {
      nodes.push({ id, lines: [t.gradFn.name, shape], kind: 'op' });
      let cut = false;
      for (const input of t.gradFn.inputs) {
        if (shown(input)) edges.push([ids.get(input)!, id]);
        else cut = true;
      }
      if (cut) edges.push(['more', id]);
    } else {
      const lines = [...(nameOf.has(t) ? [nameOf.get(t)!] : []), shape, t.requiresGrad ? 'requires_grad' : 'constant'];
      if (showGrad && t.grad !== null) lines.push(`‖grad‖ = ${l2(t.grad.data).toPrecision(4)}`);
      nodes.push({ id, lines, kind: t.requiresGrad ? 'param' : 'const' });
    }
  }
  if (hidden > 0) nodes.unshift({ id: 'more', lines: [`⋯ ${hidden} more`, `beyond depth ${maxDepth}`], kind: 'more' });
  return { nodes, edges };
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
 * require grad (blue) or are constants (grey), edges from inputs to the ops that read them.
 */
export function toDot(t: Tensor, options: GraphOptions = {}): string {
  const { nodes, edges } = build(t, options);
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lines = [
    'digraph tensorgrad {',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    ...nodes.map((n) => `  ${n.id} [label="${n.lines.map(esc).join('\\n')}", fillcolor="${FILL[n.kind]}"${n.kind === 'more' ? ', style="dashed"' : ''}];`),
    ...edges.map(([a, b]) => `  ${a} -> ${b};`),
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
    ...edges.map(([a, b]) => `  ${a} --> ${b}`),
    ...nodes.map((n) => `  style ${n.id} fill:${FILL[n.kind]}${n.kind === 'more' ? ',stroke-dasharray:4' : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
