import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('the op works, its rule passes checkGradients, and the broken rule is reported at its worst element', () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  expect(lines[0]).toBe('tensor([-0.6667, -0.3333,  0.3333,  0.7500], grad_fn=<SoftsignBackward>)');
  expect(lines[1]).toBe('grad: tensor([0.1111, 0.4444, 0.4444, 0.0625])');
  expect(lines[2]).toBe('checkGradients(softsign): the rule holds on random shapes, values and layouts');
  // At x = 3 the broken rule gives 1/4 where 1/16 is right: the largest error.
  expect(lines[3]).toMatch(/^gradcheck FAILED .*worst at input 0\[2\] → output\[2\] \(reverse mode\): analytic 0\.25, numerical 0\.0625\d*$/);
});
