import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('writes the VAE loss graph: every layer by its PyTorch name, the ops of BCE + KL, gradient norms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vae-graph-'));
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url)), dir], { encoding: 'utf8' });
  expect(out).toMatch(/^wrote .*vae-loss\.dot \(\d+ nodes\)/);
  const dot = readFileSync(join(dir, 'vae-loss.dot'), 'utf8');
  for (const name of ['encoder.0.weight', 'encoder.2.bias', 'decoder.0.weight', 'decoder.2.bias']) expect(dot).toContain(`label="${name}\\n`);
  for (const op of ['AddmmBackward', 'ReluBackward', 'SigmoidBackward', 'ExpBackward', 'SliceBackward', 'BinaryCrossEntropyBackward', 'SumBackward']) expect(dot, op).toContain(op);
  expect(dot).toMatch(/‖grad‖ = \d/);
});
