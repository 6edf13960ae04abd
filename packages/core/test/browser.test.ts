// The gpu backend in a real browser: Chromium (Debian's, driven by playwright-core) loads a page
// with the core bundled by esbuild, runs the gpu.js kernels on WebGL2 (SwiftShader here) and
// compares them with the CPU kernels in the same page.
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { expect, test } from 'vitest';

function chromiumPath(): string {
  try {
    return execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run `bash scripts/setup.sh` (apt-get install chromium)');
  }
}

test('gpu kernels on WebGL2 in Chromium equal the cpu kernels in the page', async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--headless=new', '--disable-background-networking', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const result = (await page.evaluate(() => (globalThis as unknown as { tensorgradResult: unknown }).tensorgradResult)) as {
      error?: string; mode: string; cases: { name: string; maxError: number; tolerance: number; ok: boolean }[];
    };
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.mode).toBe('webgl2');
    expect(result.cases.length).toBeGreaterThan(0);
    for (const c of result.cases) expect(c, `${c.name}: max error ${c.maxError} > ${c.tolerance}`).toMatchObject({ ok: true });
  } finally {
    await browser.close();
  }
});
