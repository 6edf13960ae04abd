import { expect, test } from 'vitest';
import { Progress, formatSeconds } from '../src/index.js';

test('on a terminal the bar redraws one line with rate, loss and ETA', () => {
  let out = '';
  const p = new Progress('epoch 1/3', 1000, { write: (s: string) => (out += s), isTTY: true, columns: 200 });
  p.tick(250, 123.456);
  expect(out).toMatch(/^\repoch 1\/3 \[######\.{18}\] 250\/1000 {2}\d+ ex\/s {2}loss 123\.46 {2}ETA \d+:\d\d\x1b\[K$/);
  p.finish();
  expect(out.endsWith('\r\x1b[K')).toBe(true);
});

test('off a terminal it prints a plain line at each fifth, never a carriage return', () => {
  let out = '';
  const p = new Progress('epoch 2/3', 100, { write: (s: string) => (out += s), isTTY: false });
  for (let i = 0; i < 10; i++) p.tick(10, 50);
  expect(out).not.toContain('\r');
  expect(out.trim().split('\n')).toHaveLength(4); // at 20, 40, 60, 80 %; the epoch line follows at 100 %
});

test('formatSeconds', () => {
  expect(formatSeconds(59.4)).toBe('0:59');
  expect(formatSeconds(3725)).toBe('1:02:05');
  expect(formatSeconds(Infinity)).toBe('?');
});
