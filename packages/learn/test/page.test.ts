// The page end to end in Chromium (Debian's, driven by playwright-core, as the latent explorer's
// test does): each preset is loaded and stepped to the end, and every leaf's .grad the page shows
// must equal the one computed here in Node for the same expression (the presets module is shared),
// with one step per tensor the engine visits; typed code runs, typed mistakes are shown, not
// thrown; forward mode and the nudge agree with reverse mode; the static file works from disk.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../../scripts/browser.mjs';
import { PAGE_FILE, PRESETS, evaluateExpression, startLearnServer, traceBackward, type LearnServer, type Precision } from '../src/index.js';

const output = fileURLToPath(new URL('./output/', import.meta.url));
let server: LearnServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-page.mjs', import.meta.url))]);
  server = await startLearnServer({ port: 0 });
  browser = await launchChromium();
  mkdirSync(output, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface LearnHook { ready: boolean; steps(): number; position(): number }

/** The little of the browser's globals these tests touch. */
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string | undefined>; value: string }>;
    getElementById(id: string): { textContent: string | null } | null;
    createElement(tag: 'canvas'): { getContext(kind: 'webgl2'): unknown };
  };
}

/** Opens the page and waits until it has run its first preset (or says why not). */
async function open(url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1250 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { learn?: LearnHook }).learn?.ready === true || (globalThis as { learnError?: string }).learnError !== undefined, null, { timeout: 60_000 });
  expect(await page.evaluate(() => (globalThis as { learnError?: string }).learnError)).toBeUndefined();
  return page;
}

/** The same expression in Node: each param's .grad and the number of steps the engine took. */
function inNode(code: string, dtype: Precision): { grads: Readonly<Record<string, readonly number[]>>; steps: number; gradNodes: number } {
  const run = evaluateExpression(code, { dtype });
  if (!run.ok) throw new Error(run.error);
  const trace = traceBackward(run.loss, run.params);
  return { grads: trace.grads, steps: trace.steps.length, gradNodes: trace.gradNodes };
}

/** Each leaf's .grad as the page shows it (the leaf node's data-grad, set once it is filled). */
function shownGrads(page: Page): Promise<Record<string, number[] | null>> {
  // (The page's DOM, typed here by hand: the tests compile without the DOM library.)
  return page.evaluate(() => Object.fromEntries(Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#reverse-graph g.node.param'))
    .map((g) => [g.dataset.label!, g.dataset.grad === undefined ? null : JSON.parse(g.dataset.grad) as number[]])));
}

/** Largest |a − b| over every param, relative to the largest |b| (or absolute below 1). */
function worst(shown: Record<string, number[] | null>, expected: Readonly<Record<string, readonly number[]>>): number {
  expect(Object.keys(shown).sort()).toEqual(Object.keys(expected).sort());
  let w = 0;
  for (const [name, g] of Object.entries(expected)) {
    const s = shown[name];
    expect(s, `${name}.grad is shown`).not.toBeNull();
    expect(s!.length).toBe(g.length);
    const scale = Math.max(1, ...g.map(Math.abs));
    g.forEach((v, i) => (w = Math.max(w, Math.abs(s![i] - v) / scale)));
  }
  return w;
}

const steps = (page: Page) => page.evaluate(() => (globalThis as unknown as { learn: LearnHook }).learn.steps());
const position = (page: Page) => page.textContent('#position');

describe('in Chromium', () => {
  test('every preset, stepped to the end on the default backend (wasm, float32): each leaf shows Node’s .grad, one step per node the engine visits', async () => {
    const errors: string[] = [];
    const page = await open(server.url, errors);
    expect(await page.inputValue('#backend')).toBe('wasm');
    for (const preset of PRESETS) {
      await page.selectOption('#preset', preset.id);
      expect(await page.inputValue('#code')).toBe(preset.code);
      const node = inNode(preset.code, 'float32');
      const n = await steps(page);
      expect(n, preset.id).toBe(node.steps);
      expect(n, preset.id).toBe(node.gradNodes);
      expect(await page.textContent('#engine-steps')).toBe(String(n));
      expect(Object.values(await shownGrads(page)).every((g) => g === null), 'no .grad before the first step').toBe(true);
      let sums = 0;
      let savedNamed = false;
      for (let k = 1; k <= n; k++) {
        await page.click('#step');
        sums += await page.locator('#step-panel .sum').count();
        // A freed rule names what it saved, released with it.
        if (await page.locator('#step-panel .freed .saved').count() > 0) savedNamed ||= /input \d+|output/.test((await page.textContent('#step-panel .freed .saved'))!);
        if (k === 1) {
          // The first step is the loss's own rule, its source shown with its math.
          expect(await page.locator('#reverse-graph g.node.current').count()).toBe(1);
          expect(await page.textContent('#step-panel .rule .comment')).not.toBe('');
          expect(await page.textContent('#step-panel .rule pre')).toMatch(/record(Elementwise)?\(/);
        }
        // Pictures for the docs (docs/images/ holds copies): the neuron mid-pass, a sum in the VAE.
        if (preset.id === 'neuron' && k === 4) await page.screenshot({ path: join(output, 'learn-neuron.png') });
        if (preset.id === 'vae' && k === 8) await page.screenshot({ path: join(output, 'learn-vae.png') });
      }
      // Where a gradient meets one already there, the page shows the sum (the VAE, a + a, …).
      if (['twice', 'softmax-ce', 'attention', 'vae'].includes(preset.id)) expect(sums, preset.id).toBeGreaterThan(0);
      expect(savedNamed, `${preset.id}: some freed rule lists its saved tensors`).toBe(true);
      expect(await position(page)).toBe(`${n} / ${n}`);
      await page.click('#step'); // past the end: stays there
      expect(await position(page)).toBe(`${n} / ${n}`);
      const w = worst(await shownGrads(page), node.grads);
      expect(w, `${preset.id}: page (wasm) vs Node (cpu), float32`).toBeLessThan(1e-5);
      // Without retainGraph, every rule that ran was freed, and is greyed.
      const ops = await page.locator('#reverse-graph g.node.op').count();
      expect(await page.locator('#reverse-graph g.node.op.freed').count()).toBe(ops);

      // Forward mode's tangent of the loss and reverse mode's gᵀδ: one number, two ways.
      const [jvp, gtd] = await Promise.all([page.textContent('#jvp'), page.textContent('#gtd')]);
      expect(Number(jvp!.replace('−', '-')), preset.id).toBeCloseTo(Number(gtd!.replace('−', '-')), 2);
      await page.click('#back');
      expect(await position(page)).toBe(`${n - 1} / ${n}`);
    }
    await page.screenshot({ path: join(output, 'learn.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  test('cpu and float64: the page’s gradients equal Node’s exactly; retainGraph keeps every rule', async () => {
    const errors: string[] = [];
    const page = await open(server.url, errors);
    await page.selectOption('#backend', 'cpu');
    await page.check('#float64');
    for (const preset of PRESETS) {
      await page.selectOption('#preset', preset.id);
      await page.click('#end');
      expect(worst(await shownGrads(page), inNode(preset.code, 'float64').grads), preset.id).toBeLessThan(1e-12);
    }
    await page.check('#retain');
    await page.click('#end');
    expect(await page.locator('#reverse-graph g.node.op').count()).toBeGreaterThan(0);
    expect(await page.locator('#reverse-graph g.node.freed').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test('a typed expression runs and steps like a preset; a typed mistake is shown on the page, never thrown', async () => {
    const errors: string[] = [];
    const page = await open(server.url, errors);
    const code = 'const a = param("a", [1.5, -2]);\nconst b = param("b", 0.5);\nreturn a.mul(b).exp().add(a).sum();';
    await page.fill('#code', code);
    await page.click('#run');
    expect(await page.isHidden('#error')).toBe(true);
    const node = inNode(code, 'float32');
    expect(await steps(page)).toBe(node.steps);
    await page.click('#end');
    expect(worst(await shownGrads(page), node.grads)).toBeLessThan(1e-6);

    await page.fill('#code', 'const a = param("a", 1);\nreturn a.foo();');
    await page.click('#run');
    expect(await page.textContent('#error')).toBe('TypeError: a.foo is not a function (line 2)');
    await page.fill('#code', 'const a = param("a", [1, 2]);\nreturn a.add(tensor([1, 2, 3])).sum();');
    await page.press('#code', 'Control+Enter');
    expect(await page.textContent('#error')).toMatch(/^ShapeError: .*\(line 2\)$/);
    await page.fill('#code', 'return (');
    await page.click('#run');
    expect(await page.textContent('#error')).toMatch(/^SyntaxError/);
    expect(await page.isVisible('#error')).toBe(true);
    // The last good expression stays on screen and steps on.
    expect(await steps(page)).toBe(node.steps);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('the nudge: ΔL beside ε·gᵀδ, along one element or a fixed direction', async () => {
    const errors: string[] = [];
    const page = await open(`${server.url}#preset=mlp`, errors);
    expect(await page.inputValue('#preset')).toBe('mlp');
    await page.selectOption('#nudge-param', 'w1');
    const num = async (id: string) => Number((await page.textContent(id))!.replace('−', '-'));
    for (const dir of ['all', '0', '4']) {
      await page.selectOption('#nudge-dir', dir);
      const [deltaL, predicted] = [await num('#delta-l'), await num('#predicted')];
      expect(Math.abs(deltaL - predicted), dir).toBeLessThan(0.05 * Math.abs(predicted) + 1e-6);
      expect(await num('#jvp')).toBeCloseTo(await num('#gtd'), 3);
    }
    await page.fill('#eps', '-1');
    await page.dispatchEvent('#eps', 'change');
    expect(await page.textContent('#direction-panel')).toContain('ε must be a positive number');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('the gpu backend (gpu.js on WebGL2) is offered where WebGL2 exists, and gives the same gradients', async () => {
    const errors: string[] = [];
    const page = await open(server.url, errors);
    const offered = await page.evaluate(() => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#backend option'), (o) => o.value));
    const webgl2 = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.createElement('canvas').getContext('webgl2') !== null);
    expect(offered.includes('gpu')).toBe(webgl2);
    if (webgl2) {
      await page.selectOption('#backend', 'gpu');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('summary')?.textContent?.includes('gpu') === true, null, { timeout: 60_000 });
      await page.click('#end');
      expect(await page.textContent('#error')).toBe('');
      expect(worst(await shownGrads(page), inNode(PRESETS[0].code, 'float32').grads)).toBeLessThan(1e-5);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test('the static build works opened from disk (file://), without the server', async () => {
    const errors: string[] = [];
    const page = await open(`${pathToFileURL(fileURLToPath(PAGE_FILE)).href}#preset=twice`, errors);
    expect(await page.inputValue('#preset')).toBe('twice');
    await page.click('#end');
    expect(worst(await shownGrads(page), inNode(PRESETS.find((p) => p.id === 'twice')!.code, 'float32').grads)).toBeLessThan(1e-6);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
