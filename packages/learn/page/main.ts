// The page: runs an expression with tensorgrad in the browser, records one real backward() pass
// step by step (onBackwardStep), and replays it over the graph; forward mode and a nudge check the
// same derivative two more ways. Bundled with the rule sources by scripts/build-page.mjs.
import { backendInfo, listBackends, setBackend } from '@tensorgrad/core';
import type { RuleSource } from '../scripts/rule-sources.mjs';
import { describeError, evaluateExpression, type Precision } from '../src/expression.js';
import { traceTangents, type TangentTrace } from '../src/forward-trace.js';
import { dot, nudge } from '../src/nudge.js';
import { PRESETS, presetById } from '../src/presets.js';
import { traceBackward, type Trace, type TraceNode } from '../src/trace.js';
import { esc, fmt, fmtShape } from './format.js';
import { graphSvg, layoutGraph, type Layout, type NodeView } from './graph-view.js';
import { stepPanel, valueHtml } from './panels.js';

/** name → { comment, source } of every gradient rule in core, read from its source at build time. */
declare const __RULES__: Record<string, RuleSource>;
const RULES = __RULES__;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface Loaded {
  code: string;
  dtype: Precision;
  trace: Trace;
  layout: Layout;
  /** Each step's position, by node id. */
  stepOf: Map<number, number>;
  params: { name: string; shape: readonly number[]; size: number }[];
}

let loaded: Loaded | null = null;
/** Steps taken so far (0 … steps.length): the k-th step is the current one. */
let k = 0;
let playing = 0;
let tangents: TangentTrace | null = null;

const dtype = (): Precision => ($<HTMLInputElement>('float64').checked ? 'float64' : 'float32');
const retainGraph = (): boolean => $<HTMLInputElement>('retain').checked;

function showError(message: string): void {
  $('error').textContent = message;
  $('error').hidden = message === '';
}

// ---- running an expression --------------------------------------------------------------------

/** Evaluates `code`, records its backward pass and lays out its graph; errors are shown, never thrown. */
function run(code: string): void {
  stop();
  const t0 = performance.now();
  const evaluation = evaluateExpression(code, { dtype: dtype() });
  if (!evaluation.ok) {
    showError(evaluation.error);
    return;
  }
  let trace: Trace;
  try {
    trace = traceBackward(evaluation.loss, evaluation.params, { retainGraph: retainGraph() });
  } catch (e) {
    showError(describeError(e));
    return;
  }
  const ms = performance.now() - t0;
  showError('');
  const params = [...evaluation.params].map(([name, t]) => ({ name, shape: [...t.shape], size: t.numel() }));
  loaded = { code, dtype: dtype(), trace, layout: layoutGraph(trace.nodes), stepOf: new Map(trace.steps.map((s, i) => [s.node, i])), params };
  k = 0;
  $('summary').innerHTML = `loss <b>${esc(fmt(trace.loss))}</b> · ${trace.nodes.length} tensors on the tape, ${trace.gradNodes} need a gradient
    · the engine took <b id="engine-steps">${trace.steps.length}</b> steps · forward + backward ${ms.toFixed(1)} ms on ${esc(backendLabel())}, ${loaded.dtype}`;
  const scrub = $<HTMLInputElement>('scrub');
  scrub.max = String(trace.steps.length);
  fillDirectionControls();
  updateDirection();
  render();
}

// ---- drawing ----------------------------------------------------------------------------------

/** What the reverse graph shows for a node after k steps. */
function reverseView(n: TraceNode): NodeView {
  const { trace, stepOf } = loaded!;
  const own = stepOf.get(n.id);
  const current = k > 0 ? trace.steps[k - 1] : null;
  const classes: string[] = [];
  const data: Record<string, string> = {};
  if (current?.node === n.id) classes.push('current');
  if (current?.flows.some((f) => f.input === n.id && f.grad !== null)) classes.push('receiving');
  if (own !== undefined && own < k) {
    classes.push('done');
    if (trace.steps[own].freed) classes.push('freed');
    const step = trace.steps[own];
    const values = step.leafGrad ?? step.gradOutput;
    data.grad = JSON.stringify(values);
    return { classes, data, extra: { label: n.kind === 'param' ? `${n.label ?? 'leaf'}.grad` : '∂L/∂out (complete)', values } };
  }
  // Not complete yet: what has arrived so far, from the steps already taken.
  let partial: readonly number[] | null = null;
  for (let i = 0; i < k; i++) for (const f of trace.steps[i].flows) if (f.input === n.id && f.after !== null) partial = f.after;
  if (partial !== null) return { classes: [...classes, 'partial'], data, extra: { label: '∂L/∂out so far (partial)', values: partial, partial: true } };
  return { classes, data, extra: n.requiresGrad ? { label: '∂L/∂out: not yet', values: null } : null };
}

function forwardView(n: TraceNode): NodeView {
  const t = tangents?.ok ? tangents.tangents[n.id] : null;
  return { classes: t === null ? ['no-tangent'] : ['has-tangent'], data: {}, extra: { label: t === null ? 'tangent: none (0)' : 'tangent ẏ', values: t } };
}

function render(): void {
  if (loaded === null) return;
  const { trace, layout } = loaded;
  const current = k > 0 ? trace.steps[k - 1] : null;
  const hot = new Set(current === null ? [] : current.flows.filter((f) => f.grad !== null).map((f) => `${f.input}-${current.node}-${f.slot}`));
  for (const [id, view, edges] of [['reverse-graph', reverseView, hot], ['forward-graph', forwardView, new Set<string>()]] as const) {
    const svg = $(id);
    svg.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);
    svg.setAttribute('width', String(layout.width));
    svg.setAttribute('height', String(layout.height));
    svg.innerHTML = graphSvg(layout, trace.nodes, view, edges);
  }
  $('position').textContent = `${k} / ${trace.steps.length}`;
  $<HTMLInputElement>('scrub').value = String(k);
  $('step-panel').innerHTML = stepPanel(trace, k, RULES, retainGraph());
  // Keep the current node in sight in a tall graph.
  const node = $('reverse-graph').querySelector<SVGGElement>('g.node.current');
  if (node !== null) {
    const pane = $('reverse-pane');
    const box = loaded.layout.boxes.get(current!.node)!;
    const top = box.y - pane.clientHeight / 2 + box.h / 2, left = box.x - pane.clientWidth / 2 + box.w / 2;
    pane.scrollTo({ top: Math.max(0, top), left: Math.max(0, left) });
  }
}

// ---- stepping ---------------------------------------------------------------------------------

function goTo(next: number): void {
  if (loaded === null) return;
  k = Math.max(0, Math.min(loaded.trace.steps.length, next));
  render();
}

function stop(): void {
  if (playing !== 0) clearInterval(playing);
  playing = 0;
  $('play').textContent = 'play';
}

function play(): void {
  if (playing !== 0 || loaded === null) return stop();
  if (k === loaded.trace.steps.length) goTo(0);
  $('play').textContent = 'pause';
  playing = window.setInterval(() => {
    if (loaded === null || k >= loaded.trace.steps.length) return stop();
    goTo(k + 1);
  }, 700);
}

// ---- one direction, three ways ----------------------------------------------------------------

/** A fixed direction of unit length (the same on every run, so the numbers can be compared). */
function fixedDirection(size: number): number[] {
  const d = Array.from({ length: size }, (_, i) => Math.sin(1 + 2.39996 * i));
  const norm = Math.hypot(...d) || 1;
  return d.map((v) => v / norm);
}

function fillDirectionControls(): void {
  const { params } = loaded!;
  const pick = $<HTMLSelectElement>('nudge-param');
  const before = pick.value;
  pick.textContent = '';
  for (const p of params) pick.add(new Option(`${p.name} ${fmtShape(p.shape)}`, p.name));
  if (params.some((p) => p.name === before)) pick.value = before;
  fillElements();
}

function fillElements(): void {
  const p = loaded!.params.find((q) => q.name === $<HTMLSelectElement>('nudge-param').value);
  const el = $<HTMLSelectElement>('nudge-dir');
  el.textContent = '';
  if (p === undefined) return;
  if (p.size > 1) el.add(new Option('a fixed unit direction', 'all'));
  for (let i = 0; i < Math.min(p.size, 64); i++) el.add(new Option(p.size === 1 ? 'δ = 1' : `element ${i} (δ = e${i})`, String(i)));
}

function direction(): { param: string; delta: number[] } | null {
  const p = loaded!.params.find((q) => q.name === $<HTMLSelectElement>('nudge-param').value);
  if (p === undefined) return null;
  const which = $<HTMLSelectElement>('nudge-dir').value;
  const delta = which === 'all' ? fixedDirection(p.size) : Array.from({ length: p.size }, (_, i) => (String(i) === which ? 1 : 0));
  return { param: p.name, delta };
}

/** Forward mode along δ, reverse mode's gᵀδ and the nudge's ΔL, side by side. */
function updateDirection(): void {
  if (loaded === null) return;
  const dir = direction();
  if (dir === null) {
    tangents = null;
    $('direction-panel').innerHTML = '<p class="muted">No param(...) to nudge.</p>';
    return;
  }
  const { trace, code } = loaded;
  tangents = traceTangents(code, trace.nodes, new Map([[dir.param, dir.delta]]), loaded.dtype);
  const g = trace.grads[dir.param];
  const gTd = dot(g, dir.delta);
  const eps = Number($<HTMLInputElement>('eps').value);
  const shape = loaded.params.find((p) => p.name === dir.param)!.shape;
  const rows: string[] = [];
  rows.push(`<div class="row"><span class="what">δ on ${esc(dir.param)}</span>${valueHtml(dir.delta, shape)}</div>`);
  rows.push(`<div class="row"><span class="what">forward mode: tangent of L</span>${tangents.ok ? `<span class="num" id="jvp">${esc(fmt(tangents.lossTangent))}</span>` : `<span class="err">${esc(tangents.error)}</span>`}</div>`);
  rows.push(`<div class="row"><span class="what">reverse mode: gᵀδ</span><span class="num" id="gtd">${esc(fmt(gTd))}</span></div>`);
  if (!(eps > 0) || !Number.isFinite(eps)) {
    rows.push('<div class="err">ε must be a positive number</div>');
  } else {
    const r = nudge(code, { param: dir.param, direction: dir.delta, eps, grad: g, dtype: loaded.dtype });
    if (!r.ok) rows.push(`<div class="err">${esc(r.error)}</div>`);
    else {
      rows.push(`<div class="row"><span class="what">nudge: ΔL = L(p + εδ) − L(p)</span><span class="num" id="delta-l">${esc(fmt(r.deltaL))}</span></div>`);
      rows.push(`<div class="row"><span class="what">beside ε·gᵀδ</span><span class="num" id="predicted">${esc(fmt(r.predicted))}</span></div>`);
      rows.push(`<div class="row"><span class="what">ΔL/ε</span><span class="num">${esc(fmt(r.deltaL / eps))}</span> <span class="muted">→ gᵀδ as ε → 0 (until ${loaded.dtype} rounding takes over)</span></div>`);
    }
  }
  $('direction-panel').innerHTML = rows.join('');
  render();
}

// ---- backends ---------------------------------------------------------------------------------

function backendLabel(): string {
  const info = backendInfo() as { name?: string; mode?: unknown };
  return info.mode === undefined ? String(info.name ?? '?') : `${String(info.name)} (${String(info.mode)})`;
}

async function useBackend(name: string): Promise<void> {
  if (name === 'gpu') await import('@tensorgrad/core/gpu');
  setBackend(name);
}

async function wireBackends(): Promise<void> {
  const select = $<HTMLSelectElement>('backend');
  const names = listBackends().filter((n) => n === 'wasm' || n === 'cpu');
  // gpu.js needs WebGL2: offered only where the browser has it.
  const webgl2 = document.createElement('canvas').getContext('webgl2') !== null;
  for (const n of [...names, ...(webgl2 ? ['gpu'] : [])]) select.add(new Option(n, n));
  select.value = names.includes('wasm') ? 'wasm' : 'cpu';
  await useBackend(select.value);
  select.onchange = async () => {
    try {
      await useBackend(select.value);
      run($<HTMLTextAreaElement>('code').value);
    } catch (e) {
      showError(`cannot use ${select.value}: ${(e as Error).message}`);
    }
  };
}

// ---- start ------------------------------------------------------------------------------------

function loadPreset(id: string): void {
  const preset = presetById(id) ?? PRESETS[0];
  $<HTMLTextAreaElement>('code').value = preset.code;
  $('lesson').textContent = preset.lesson;
  run(preset.code);
}

async function main(): Promise<void> {
  await wireBackends();
  const presets = $<HTMLSelectElement>('preset');
  for (const p of PRESETS) presets.add(new Option(p.title, p.id));
  presets.onchange = () => loadPreset(presets.value);
  $('run').onclick = () => run($<HTMLTextAreaElement>('code').value);
  $<HTMLTextAreaElement>('code').onkeydown = (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run($<HTMLTextAreaElement>('code').value);
  };
  $('float64').onchange = $('retain').onchange = () => run($<HTMLTextAreaElement>('code').value);
  $('start').onclick = () => goTo(0);
  $('back').onclick = () => goTo(k - 1);
  $('step').onclick = () => goTo(k + 1);
  $('end').onclick = () => goTo(Number.MAX_SAFE_INTEGER);
  $('play').onclick = play;
  $<HTMLInputElement>('scrub').oninput = () => goTo(Number($<HTMLInputElement>('scrub').value));
  $('nudge-param').onchange = () => {
    fillElements();
    updateDirection();
  };
  $('nudge-dir').onchange = $('eps').onchange = updateDirection;
  document.addEventListener('keydown', (e) => {
    if ((e.target as HTMLElement).tagName === 'TEXTAREA' || (e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === 'ArrowRight') goTo(k + 1);
    if (e.key === 'ArrowLeft') goTo(k - 1);
  });
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('preset');
  presets.value = presetById(fromHash ?? '')?.id ?? PRESETS[0].id;
  loadPreset(presets.value);
  // What the browser test reads: a ready flag and the counts the page works from.
  (globalThis as { learn?: unknown }).learn = {
    ready: true,
    steps: () => loaded?.trace.steps.length ?? 0,
    position: () => k,
    error: () => $('error').textContent ?? '',
  };
}

main().catch((e: unknown) => {
  showError(describeError(e));
  (globalThis as { learnError?: string }).learnError = describeError(e);
});
