// Runs a script in a real browser: Debian's Chromium (apt) driven by playwright-core, the script
// bundled for the browser by esbuild. Used by the browser test and the browser benchmark.
import { execSync } from 'node:child_process';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

/** Where `chromium` is installed (`bash scripts/setup.sh` installs it). */
export function chromiumPath() {
  try {
    return execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run `bash scripts/setup.sh` (it runs apt-get install chromium)');
  }
}

/** Debian's Chromium, headless, with WebGL2 on SwiftShader (Chromium's software GPU). */
export function launchChromium() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--headless=new', '--disable-background-networking', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
}

/**
 * Bundles `entry` (a .ts or .mjs file) for the browser, loads it into a blank page and resolves
 * to what the page stores in `globalThis.tensorgradResult` (the page may take `timeoutMs`).
 * Page errors reject. WebGL2 runs on SwiftShader, Chromium's software GPU.
 */
export async function runInChromium(entry, { timeoutMs = 120_000 } = {}) {
  // An ES module, loaded as <script type=module>: @tensorgrad/core/gpu awaits its optional gpu.js at the top level.
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text, type: 'module' });
    await page.waitForFunction(() => globalThis.tensorgradResult !== undefined || globalThis.tensorgradError !== undefined, undefined, { timeout: timeoutMs });
    const { result, error } = await page.evaluate(() => ({ result: globalThis.tensorgradResult, error: globalThis.tensorgradError }));
    if (errors.length > 0 || error !== undefined) throw new Error(`page failed: ${[...errors, error].filter(Boolean).join('; ')}`);
    return result;
  } finally {
    await browser.close();
  }
}
