import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('a shortened run learns: the loss falls below chance and test accuracy is far above 10 %', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const out = execFileSync(process.execPath, [main, '--epochs', '1', '--limit-train', '3000', '--limit-test', '1000'], { encoding: 'utf8' });
  const last = out.trim().split(/[\r\n]/).at(-1)!;
  const m = /^epoch 1: loss (\d+\.\d+), test accuracy (\d+\.\d+) %/.exec(last);
  expect(m, out).not.toBe(null);
  expect(Number(m![1])).toBeLessThan(Math.log(10)); // below the loss of guessing
  expect(Number(m![2])).toBeGreaterThan(70);
});
