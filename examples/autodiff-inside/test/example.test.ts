import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('prints the tape in order, and every gradient equals its hand-derived formula', () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  expect(lines.slice(0, 3)).toEqual(['0. x [1,2]', '1. W1 [2,2]', '2. MmBackward [1,2]']);
  expect(lines.filter((l) => /^\d+\. /.test(l)).at(-1)).toMatch(/^\d+\. SumBackward \[\]$/);
  const grads = lines.filter((l) => l.startsWith('∂L/∂'));
  expect(grads.map((l) => l.slice(0, 6))).toEqual(['∂L/∂W2', '∂L/∂b2', '∂L/∂W1', '∂L/∂b1']);
  for (const l of grads) {
    const [, tapeGrad, byHand] = /tape \[(.*)\] {2}by hand \[(.*)\]/.exec(l)!;
    expect(tapeGrad, l).toBe(byHand);
  }
});
