// The gpu and wasm backends in a real browser: Chromium (Debian's, driven by playwright-core) loads
// a page with the core bundled by esbuild, runs the gpu.js kernels on WebGL2 (SwiftShader here) and
// the WebAssembly SIMD kernels (the page's default backend; one thread, as the page is not
// cross-origin isolated) and compares both with the CPU kernels in the same page (browser/page.ts).
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { runInChromium } from '../../../scripts/browser.mjs';

interface PageResult {
  mode: string;
  defaultBackend: { name: string; sharedMemory?: boolean };
  cases: { name: string; maxError: number; tolerance: number; ok: boolean }[];
}

test('gpu kernels on WebGL2 and the default wasm kernels in Chromium equal the cpu kernels in the page', async () => {
  const result = (await runInChromium(fileURLToPath(new URL('./browser/page.ts', import.meta.url)))) as PageResult;
  expect(result.mode).toBe('webgl2');
  expect(result.defaultBackend).toMatchObject({ name: 'wasm', simd: true });
  expect(result.cases.length).toBeGreaterThan(0);
  for (const c of result.cases) expect(c, `${c.name}: max error ${c.maxError} > ${c.tolerance}`).toMatchObject({ ok: true });
});
