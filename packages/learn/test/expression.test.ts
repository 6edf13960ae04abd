// The pieces the page is built from, in Node: expressions (presets and typed code), the recorded
// backward pass, forward-mode tangents and the nudge.
import { describe, expect, test } from 'vitest';
import { tape } from '@tensorgrad/core';
import { PRESETS, dot, evaluateExpression, nudge, traceBackward, traceTangents } from '../src/index.js';

describe('evaluateExpression', () => {
  test('micrograd’s neuron has micrograd’s gradients', () => {
    const run = evaluateExpression(PRESETS.find((p) => p.id === 'neuron')!.code);
    if (!run.ok) throw new Error(run.error);
    const { grads, loss } = traceBackward(run.loss, run.params);
    expect(loss).toBeCloseTo(0.7071, 4);
    expect(grads.x1[0]).toBeCloseTo(-1.5, 5);
    expect(grads.w1[0]).toBeCloseTo(1.0, 5);
    expect(grads.x2[0]).toBeCloseTo(0.5, 5);
    expect(grads.w2[0]).toBeCloseTo(0, 5);
  });

  test('errors come back as values with the line they happened on, never thrown', () => {
    expect(evaluateExpression('const a = param("a", 1);\nreturn a.foo();')).toEqual({ ok: false, error: 'TypeError: a.foo is not a function (line 2)' });
    expect(evaluateExpression('return (')).toMatchObject({ ok: false, error: expect.stringMatching(/^SyntaxError/) });
    expect(evaluateExpression('const a = param("a", [1, 2]);\nreturn a.add(tensor([1, 2, 3])).sum();')).toMatchObject({ ok: false, error: expect.stringMatching(/^ShapeError: .*\(line 2\)$/) });
    expect(evaluateExpression('return param("a", [1, 2]);')).toMatchObject({ ok: false, error: expect.stringContaining('scalar') });
    expect(evaluateExpression('return tensor(3);')).toMatchObject({ ok: false, error: expect.stringContaining('param') });
    expect(evaluateExpression('const x = 1;')).toMatchObject({ ok: false, error: expect.stringContaining('return') });
    expect(evaluateExpression('throw 7')).toEqual({ ok: false, error: 'thrown: 7' });
    expect(evaluateExpression('param("a", 1); return param("a", 2);')).toMatchObject({ ok: false, error: expect.stringContaining('already') });
  });

  test('float64 makes params, data and tensor() float64; random numbers repeat on every run', () => {
    const code = 'const w = param("w", randn(2, 2));\nreturn w.mul(tensor([1, 2])).add(data(ones(2))).sum();';
    const a = evaluateExpression(code, { dtype: 'float64' }), b = evaluateExpression(code, { dtype: 'float64' });
    if (!a.ok || !b.ok) throw new Error('failed');
    expect(a.loss.dtype).toBe('float64');
    expect(a.params.get('w')!.dtype).toBe('float64');
    expect(Array.from(a.params.get('w')!.data)).toEqual(Array.from(b.params.get('w')!.data));
  });
});

describe.each(PRESETS.map((p) => [p.id, p] as const))('%s', (_, preset) => {
  test('one step per tensor that needs a gradient, in the engine’s order; leaves end with .grad', () => {
    const run = evaluateExpression(preset.code);
    if (!run.ok) throw new Error(run.error);
    const trace = traceBackward(run.loss, run.params);
    expect(trace.steps.length).toBe(tape(run.loss).filter((t) => t.requiresGrad).length);
    expect(trace.steps.length).toBe(trace.gradNodes);
    expect(trace.steps.map((s) => s.index)).toEqual(trace.steps.map((_, i) => i));
    expect(trace.steps[0].node).toBe(trace.root);
    // Without retainGraph the engine frees every rule it ran; leaves have no rule.
    expect(trace.steps.every((s) => s.freed === (s.rule !== null))).toBe(true);
    // What each rule saved is listed (leaves save nothing); an op reading its inputs names them.
    expect(trace.steps.filter((s) => s.rule === null).every((s) => s.saved.length === 0)).toBe(true);
    for (const s of trace.steps) for (const k of s.saved) expect(k.role).toMatch(/^(input \d+|output|a saved tensor)$/);
    if (preset.id === 'neuron') expect(trace.steps.some((s) => s.rule === 'MulBackward' && s.saved.some((k) => k.role === 'input 0'))).toBe(true);
    for (const [name, t] of run.params) expect(trace.grads[name]).toEqual(Array.from(t.grad!.data));
    // Where contributions meet, the recorded sum is the engine's.
    for (const s of trace.steps) {
      for (const f of s.flows) if (f.before !== null && f.grad !== null) expect(f.after!.length).toBe(f.grad.length);
    }
  });

  test('forward mode’s tangent of the loss equals gᵀv, and a nudge agrees to first order', () => {
    const run = evaluateExpression(preset.code, { dtype: 'float64' });
    if (!run.ok) throw new Error(run.error);
    const trace = traceBackward(run.loss, run.params);
    const direction = new Map([...run.params].map(([n, t]) => [n, Array.from({ length: t.numel() }, (_, i) => Math.cos(i + n.length))]));
    const fwd = traceTangents(preset.code, trace.nodes, direction, 'float64');
    if (!fwd.ok) throw new Error(fwd.error);
    const gTv = [...direction].reduce((s, [n, v]) => s + dot(trace.grads[n], v), 0);
    expect(fwd.lossTangent).toBeCloseTo(gTv, 10);
    const [name, delta] = [...direction][0];
    const r = nudge(preset.code, { param: name, direction: delta, eps: 1e-6, grad: trace.grads[name], dtype: 'float64' });
    if (!r.ok) throw new Error(r.error);
    expect(Math.abs(r.deltaL - r.predicted)).toBeLessThan(1e-9 + 1e-3 * Math.abs(r.predicted));
  });
});

test('a retained graph keeps every rule', () => {
  const run = evaluateExpression(PRESETS[1].code);
  if (!run.ok) throw new Error(run.error);
  expect(traceBackward(run.loss, run.params, { retainGraph: true }).steps.some((s) => s.freed)).toBe(false);
});

test('a leaf read twice by one op: both shares are shown, summed in order', () => {
  const run = evaluateExpression('const a = param("a", 3);\nreturn a.add(a);');
  if (!run.ok) throw new Error(run.error);
  const trace = traceBackward(run.loss, run.params);
  expect(trace.steps[0].flows.map((f) => [f.grad, f.before, f.after])).toEqual([[[1], null, [1]], [[1], [1], [2]]]);
  expect(trace.grads.a).toEqual([2]);
});
