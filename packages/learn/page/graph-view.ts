// The forward graph as a DAG: dagre places the nodes and routes the edges (ranking, crossing
// reduction and coordinates are what a layout library does well), and this file draws the result
// as SVG. Each node shows its op, shape and value, and one more block that the caller fills: the
// gradient in the reverse view, the tangent in the forward view.
import dagre from '@dagrejs/dagre';
import type { TraceNode } from '../src/trace.js';
import { esc, fmt, fmtShape, maxAbs } from './format.js';
import { heatmapSize, heatmapUrl } from './heatmap.js';

const W = 168;
const PIC_W = W - 20, PIC_H = 44;
const NUMBER_W = 64, NUMBER_H = 26;

export interface Box { x: number; y: number; w: number; h: number }
export interface LaidEdge { from: number; to: number; slot: number; points: { x: number; y: number }[] }
export interface Layout { width: number; height: number; boxes: Map<number, Box>; edges: LaidEdge[] }

/** Height of a value block: a line for a scalar, else the heatmap and its scale. */
const blockHeight = (shape: readonly number[]): number => (shape.length === 0 ? 16 : heatmapSize(shape, PIC_W, PIC_H)[1] + 4);

/** Every node's box: ops and leaves hold a title, a shape line, the value and one more block. */
function size(n: TraceNode): [number, number] {
  if (n.kind === 'number') return [NUMBER_W, NUMBER_H];
  const block = blockHeight(n.shape);
  return [W, 6 + 15 + 13 + block + (n.requiresGrad ? 14 + block : 0) + 6];
}

/** Lays out the graph top to bottom: inputs above the ops that read them, the loss at the bottom. */
export function layoutGraph(nodes: readonly TraceNode[]): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 34, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const [width, height] = size(n);
    g.setNode(String(n.id), { width, height });
  }
  // One edge per input slot: a + a reads the same tensor twice, and both arrows are drawn.
  for (const n of nodes) n.inputs.forEach((input, slot) => g.setEdge(String(input), String(n.id), {}, `${slot}`));
  dagre.layout(g);
  const boxes = new Map<number, Box>();
  for (const n of nodes) {
    const v = g.node(String(n.id));
    boxes.set(n.id, { x: v.x - v.width / 2, y: v.y - v.height / 2, w: v.width, h: v.height });
  }
  const edges: LaidEdge[] = [];
  for (const n of nodes) {
    n.inputs.forEach((input, slot) => {
      const e = g.edge({ v: String(input), w: String(n.id), name: `${slot}` });
      edges.push({ from: input, to: n.id, slot, points: e.points ?? [] });
    });
  }
  const graph = g.graph();
  return { width: graph.width ?? 0, height: graph.height ?? 0, boxes, edges };
}

/** What one node shows beside its value: a gradient or a tangent (null: not there yet). */
export interface NodeExtra {
  label: string;
  values: readonly number[] | null;
  /** A partial sum, still waiting for contributions (drawn dashed). */
  partial?: boolean;
}

export interface NodeView {
  classes: string[];
  extra: NodeExtra | null;
  /** data-* attributes for tests and styling. */
  data: Record<string, string>;
}

/** The value block at (x, y): a number for a scalar, else a heatmap with its scale. */
function block(values: readonly number[], shape: readonly number[], x: number, y: number, cls: string): string {
  if (shape.length === 0 || values.length === 1 && shape.every((s) => s === 1)) {
    return `<text class="${cls}" x="${x}" y="${y + 12}">${esc(fmt(values[0]))}</text>`;
  }
  const [w, h] = heatmapSize(shape, PIC_W, PIC_H);
  return `<image href="${heatmapUrl(values, shape)}" x="${x}" y="${y + 2}" width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated"/>`
    + `<rect class="frame" x="${x}" y="${y + 2}" width="${w}" height="${h}"/>`
    + `<text class="scale" x="${x + w + 4}" y="${y + 11}">±${esc(fmt(maxAbs(values)))}</text>`;
}

function title(n: TraceNode): string {
  if (n.kind === 'op') return n.label ?? 'op';
  if (n.kind === 'param') return n.label ?? 'leaf';
  return n.label ?? 'data';
}

/** The graph as SVG markup; `view` says how each node looks now, `hot` which edges glow ("from-to-slot"). */
export function graphSvg(layout: Layout, nodes: readonly TraceNode[], view: (n: TraceNode) => NodeView, hot: ReadonlySet<string>): string {
  const parts: string[] = [];
  parts.push('<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#94a3b8"/></marker>'
    + '<marker id="arrow-hot" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#ea580c"/></marker></defs>');
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const isHot = hot.has(`${e.from}-${e.to}-${e.slot}`);
    // A hot edge is a gradient flowing back: the arrow points at the input.
    parts.push(`<path class="edge${isHot ? ' hot' : ''}" d="${d}" ${isHot ? 'marker-start="url(#arrow-hot)"' : 'marker-end="url(#arrow)"'}/>`);
    const many = nodes[e.to].inputs.length > 1;
    if (many && e.points.length > 0) {
      const p = e.points[e.points.length - 2] ?? e.points[0];
      parts.push(`<text class="slot" x="${(p.x + 3).toFixed(1)}" y="${(p.y).toFixed(1)}">${e.slot}</text>`);
    }
  }
  for (const n of nodes) {
    const b = layout.boxes.get(n.id)!;
    const v = view(n);
    const data = Object.entries({ id: String(n.id), kind: n.kind, label: n.label ?? '', ...v.data }).map(([k, val]) => ` data-${k}="${esc(val)}"`).join('');
    parts.push(`<g class="node ${n.kind} ${v.classes.join(' ')}"${data} transform="translate(${b.x.toFixed(1)},${b.y.toFixed(1)})">`);
    parts.push(`<rect class="box" width="${b.w}" height="${b.h}" rx="7"/>`);
    if (n.kind === 'number') {
      parts.push(`<text class="num" x="${b.w / 2}" y="17" text-anchor="middle">${esc(fmt(n.value[0]))}</text></g>`);
      continue;
    }
    let y = 6;
    parts.push(`<text class="title" x="9" y="${y + 11}">${esc(title(n))}</text>`);
    y += 15;
    parts.push(`<text class="shape" x="9" y="${y + 9}">${esc(fmtShape(n.shape))}${n.kind === 'data' ? ' · constant' : ''}</text>`);
    y += 13;
    parts.push(block(n.value, n.shape, 9, y, 'val'));
    y += blockHeight(n.shape);
    if (v.extra !== null && n.requiresGrad) {
      parts.push(`<text class="extra-label${v.extra.partial ? ' partial' : ''}" x="9" y="${y + 10}">${esc(v.extra.label)}</text>`);
      y += 14;
      if (v.extra.values !== null) parts.push(`<g class="extra${v.extra.partial ? ' partial' : ''}">${block(v.extra.values, n.shape, 9, y, 'grad')}</g>`);
    }
    parts.push('</g>');
  }
  return parts.join('');
}
