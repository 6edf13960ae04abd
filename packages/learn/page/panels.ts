// The side panels as HTML: what the current step did (the rule's math and source, the gradient
// in and the gradients out, sums where they meet), and the three views of one directional
// derivative (forward mode, reverse mode, a nudge).
import type { RuleSource } from '../scripts/rule-sources.mjs';
import type { Trace, TraceNode, TraceStep } from '../src/trace.js';
import { esc, fmt, fmtShape, maxAbs } from './format.js';
import { heatmapSize, heatmapUrl } from './heatmap.js';

/** A number for one element, else a heatmap with its scale (for panels, larger than in the graph). */
export function valueHtml(values: readonly number[] | null, shape: readonly number[], cls = ''): string {
  if (values === null) return '<span class="none">none</span>';
  if (values.length === 1) return `<span class="num ${cls}">${esc(fmt(values[0]))}</span>`;
  const [w, h] = heatmapSize(shape, 220, 90);
  return `<span class="pic ${cls}"><img src="${heatmapUrl(values, shape)}" width="${w}" height="${h}" alt="heatmap of a ${esc(fmtShape(shape))} tensor"><span class="scale">${esc(fmtShape(shape))} ±${esc(fmt(maxAbs(values)))}</span></span>`;
}

/**
 * A doc comment as prose: the source wraps it at ~100 columns, so wrapped lines are joined again;
 * blank lines and indented lines (formulas set apart) keep their own line.
 */
export function reflow(comment: string): string {
  const out: string[] = [];
  for (const line of comment.split('\n')) {
    const prev = out.length - 1;
    if (line.trim() === '' || /^\s/.test(line) || prev < 0 || out[prev].trim() === '' || /^\s/.test(out[prev])) out.push(line);
    else out[prev] = `${out[prev]} ${line}`;
  }
  return out.join('\n');
}

/** How a node is named in prose: its param name, its rule, or "data". */
export function nodeName(n: TraceNode): string {
  if (n.kind === 'param') return `<b>${esc(n.label ?? 'leaf')}</b>`;
  if (n.kind === 'op') return `<b>${esc(n.label ?? 'op')}</b> <span class="muted">#${n.id}</span>`;
  return n.kind === 'number' ? `the number ${esc(fmt(n.value[0]))}` : `data <span class="muted">#${n.id}</span>`;
}

/** The panel for step `k` (1-based: the k-th step the engine took), or the start. */
export function stepPanel(trace: Trace, k: number, rules: Readonly<Record<string, RuleSource>>, retainGraph: boolean): string {
  if (k === 0) {
    return `<p>Nothing has run yet. The loss is ${esc(fmt(trace.loss))}; backward() starts there with ∂L/∂L = 1 and visits
      ${trace.steps.length} tensors, each once its gradient is complete (the order the engine took, recorded with
      <code>onBackwardStep</code>). Press <b>step</b>.</p>`;
  }
  const step: TraceStep = trace.steps[k - 1];
  const node = trace.nodes[step.node];
  const parts: string[] = [];
  parts.push(`<h3>Step ${k} of ${trace.steps.length}: ${nodeName(node)}</h3>`);
  parts.push(`<div class="row"><span class="what">∂L/∂out, complete</span>${valueHtml(step.gradOutput, node.shape, 'grad')}</div>`);
  if (step.rule === null) {
    parts.push(`<p>A leaf: nothing to call. Its gradient is complete, so the engine stores it in <code>.grad</code>:</p>`);
    parts.push(`<div class="row"><span class="what">${esc(node.label ?? 'leaf')}.grad</span>${valueHtml(step.leafGrad, node.shape, 'grad')}</div>`);
    return parts.join('');
  }
  const rule = rules[step.rule];
  if (rule === undefined) {
    parts.push(`<p class="muted">No source found for ${esc(step.rule)} (a defineOp of your own?).</p>`);
  } else {
    parts.push(`<div class="rule"><div class="comment">${esc(reflow(rule.comment))}</div><pre><code>${esc(rule.source)}</code></pre>`
      + `<div class="where">core/src/ops/${esc(rule.file)}:${rule.line}, in ${esc(rule.fn)}()</div></div>`);
  }
  parts.push('<h4>Sent to the inputs</h4>');
  for (const f of step.flows) {
    const input = trace.nodes[f.input];
    const to = `input ${f.slot}: ${nodeName(input)}`;
    if (f.grad === null) {
      parts.push(`<div class="flow muted">${to} — needs no gradient</div>`);
      continue;
    }
    parts.push(`<div class="flow">${to}<div class="row">${valueHtml(f.grad, input.shape, 'grad')}</div>`);
    if (f.before !== null && f.after !== null) {
      // Where contributions meet: the engine adds, never overwrites.
      parts.push(`<div class="sum">it already had ${valueHtml(f.before, input.shape)} so it now holds the sum ${valueHtml(f.after, input.shape, 'grad')}</div>`);
    }
    parts.push('</div>');
  }
  const saved = step.saved.length === 0 ? 'nothing' : step.saved.map((s) => `${s.role} [${s.shape.join(', ')}]`).join(', ');
  parts.push(step.freed
    ? `<p class="freed">The rule ran, so the engine freed it (<code>gradFn.backward = null</code>), and with it what it saved: <span class="saved">${saved}</span>. Its closure and those tensors can now be collected. The node turns grey.</p>`
    : `<p class="muted">${retainGraph ? `retainGraph: the rule and what it saved (<span class="saved">${saved}</span>) are kept for another pass.` : ''}</p>`);
  return parts.join('');
}
