// The gpu backend in a real browser: Chromium (Debian's, driven by playwright-core) loads a page
// with the core bundled by esbuild, runs the gpu.js kernels on WebGL2 (SwiftShader here) and
// compares them with the CPU kernels in the same page (browser/page.ts).
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { runInChromium } from '../../../scripts/browser.mjs';

interface PageResult {
  mode: string;
  cases: { name: string; maxError: number; tolerance: number; ok: boolean }[];
}

test('gpu kernels on WebGL2 in Chromium equal the cpu kernels in the page', async () => {
  const result = (await runInChromium(fileURLToPath(new URL('./browser/page.ts', import.meta.url)))) as PageResult;
  expect(result.mode).toBe('webgl2');
  expect(result.cases.length).toBeGreaterThan(0);
  for (const c of result.cases) expect(c, `${c.name}: max error ${c.maxError} > ${c.tolerance}`).toMatchObject({ ok: true });
});
