// The rule sources the page shows come from core's ops/*.ts at build time: every rule name in
// those files must have an entry with its math comment and its record call, and every rule a
// preset's backward pass runs must be among them.
import { describe, expect, test } from 'vitest';
import { extractRuleSources, scanRuleNames } from '../scripts/rule-sources.mjs';
import { PRESETS, evaluateExpression, traceBackward } from '../src/index.js';

const rules = extractRuleSources();

describe('extractRuleSources', () => {
  test('has an entry for every rule name in core/src/ops (a plain text scan finds the names)', () => {
    const names = scanRuleNames();
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((n) => rules[n] === undefined)).toEqual([]);
    expect(Object.keys(rules).sort()).toEqual(names);
  });

  test('each entry holds a doc comment and the source that records the rule', () => {
    for (const [name, r] of Object.entries(rules)) {
      expect(r.comment.trim(), name).not.toBe('');
      // The record call itself, or (a name handed to a helper) the function that names it.
      expect(r.source.includes(`'${name}'`) || /\brecord(Elementwise)?\(/.test(r.source), name).toBe(true);
      expect(r.file, name).toMatch(/\.ts$/);
      expect(r.line, name).toBeGreaterThan(0);
    }
  });

  test('the math comes from the op itself, not retyped', () => {
    expect(rules.DivBackward.comment).toContain('x / y.   ∂/∂x = 1/y, ∂/∂y = −x/y²');
    expect(rules.DivBackward.source).toMatch(/^record\(out, 'DivBackward', \[x, y\]/);
    expect(rules.DivBackward).toMatchObject({ file: 'arithmetic.ts', fn: 'div' });
    expect(rules.TanhBackward.comment).toContain('1 − tanh²x');
    expect(rules.TanhBackward.source).toContain("recordElementwise(out, 'TanhBackward'");
    // A name handed to a helper: the function it sits in, and its comment.
    expect(rules.FloorBackward).toMatchObject({ fn: 'floor', comment: expect.stringContaining('d/dx = 0') });
    // A helper without a doc comment borrows its caller's (cummax's math).
    expect(rules.CummaxBackward.comment).toContain('Running maximum');
    // Two names in one ternary share the record call.
    expect(rules.MinBackward.source).toBe(rules.MaxBackward.source);
  });

  test("every rule the presets' backward passes run has an entry", () => {
    const seen = new Set<string>();
    for (const p of PRESETS) {
      const run = evaluateExpression(p.code);
      if (!run.ok) throw new Error(`${p.id}: ${run.error}`);
      for (const s of traceBackward(run.loss, run.params).steps) if (s.rule !== null) seen.add(s.rule);
    }
    expect([...seen].filter((n) => rules[n] === undefined)).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
