// The latent-space explorer, end to end: `tensorgrad-vae explore` serves a tiny trained checkpoint,
// Chromium (Debian's, driven by playwright-core) opens the page, a slider moves and the decoded
// digit must equal the decoder's output computed here in Node for the same code; a drawn stroke
// must come back reconstructed. Plus the server's safety: loopback only, nothing outside its routes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { noGrad, tensor } from '@tensorgrad/core';
import { launchChromium } from '../../../scripts/browser.mjs';
import { loadVae, main } from '../src/index.js';
import { sink, tmp } from './helpers.js';
import { connect } from 'node:net';
import { rawRequest } from './http.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const output = fileURLToPath(new URL('./output/', import.meta.url));
let checkpoint = '';
let server: ChildProcess;
let url = '';

beforeAll(async () => {
  // The page as the sources are now (the CLI serves dist/explorer/).
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-explorer.mjs', import.meta.url))]);
  const out = tmp();
  expect(await main(['train', '--out', out, '--epochs', '2', '--limit-train', '1024', '--limit-test', '64', '--hidden', '64'], { stdout: sink(), stderr: sink() })).toBe(0);
  checkpoint = join(out, 'model.safetensors');
  ({ server, url } = await startExplore(checkpoint));
}, 120_000);

afterAll(() => {
  server?.kill('SIGTERM');
});

/** `tensorgrad-vae explore` on `checkpoint`, and the address it serves once it says so. */
async function startExplore(checkpoint: string): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, [cli, 'explore', '--checkpoint', checkpoint, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /explorer at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) resolve(m[1]);
    });
    server.stderr!.on('data', (d: Buffer) => reject(new Error(d.toString())));
    server.on('exit', (code) => reject(new Error(`explore exited with ${code}`)));
  });
  return { server, url };
}

/** Opens the page at `url` and waits until the explorer is ready (or says why not). */
async function openExplorer(browser: Awaited<ReturnType<typeof launchChromium>>, url: string, errors: string[]) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { explorer?: { ready: boolean }; explorerError?: string }).explorer?.ready === true
    || (globalThis as { explorerError?: string }).explorerError !== undefined, null, { timeout: 60_000 });
  expect(await page.evaluate(() => (globalThis as { explorerError?: string }).explorerError)).toBeUndefined();
  return page;
}

/** The exact 28×28 grey levels the page drew for the current code. */
const readDigit = () => (globalThis as unknown as { document: { getElementById(id: string): { getContext(c: string): { getImageData(...a: number[]): { data: Uint8ClampedArray } } } } })
  .document.getElementById('digit-src').getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0);

describe('in Chromium', () => {
  test('a slider redraws the digit as the decoder computes it in Node; a drawn stroke is reconstructed; no errors', async () => {
    const browser = await launchChromium();
    try {
      const errors: string[] = [];
      const page = await openExplorer(browser, url, errors);
      expect(await page.textContent('#backend')).toContain('wasm');
      expect(await page.textContent('#timing')).toMatch(/^\d+\.\d\d ms$/);

      const before = Array.from(await page.evaluate(readDigit));
      await page.locator('input[data-slider="0"]').fill('2.5');
      await page.locator('input[data-slider="3"]').fill('-1.75');
      const after = Array.from(await page.evaluate(readDigit));
      expect(after).not.toEqual(before);
      const z = await page.evaluate(() => (globalThis as unknown as { explorer: { z(): number[] } }).explorer.z());
      expect(z[0]).toBe(2.5);
      expect(z[3]).toBe(-1.75);
      const model = loadVae(checkpoint).eval();
      const p = noGrad(() => model.decode(tensor([z])).data);
      const expected = Array.from(p, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
      const worst = Math.max(...after.map((v, i) => Math.abs(v - expected[i])));
      expect(worst, 'grey levels from the page vs the decoder in Node').toBeLessThanOrEqual(1);

      const box = (await page.locator('#draw').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
      await page.mouse.down();
      for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.05 * k));
      await page.mouse.up();
      const recon = await page.evaluate(() => {
        const c = (globalThis as unknown as { document: { getElementById(id: string): { getContext(c: string): { getImageData(...a: number[]): { data: Uint8ClampedArray } } } } }).document.getElementById('recon');
        return Array.from(c.getContext('2d').getImageData(0, 0, 112, 112).data.filter((_, i) => i % 4 === 0));
      });
      expect(Math.max(...recon), 'the reconstruction is drawn').toBeGreaterThan(0);
      const zDrawn = await page.evaluate(() => (globalThis as unknown as { explorer: { z(): number[] } }).explorer.z());
      expect(zDrawn).not.toEqual(z);

      await page.click('#sample');
      await page.click('#play');
      await page.waitForTimeout(300);
      await page.click('#play');
      mkdirSync(output, { recursive: true });
      await page.screenshot({ path: join(output, 'explorer.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  test('a ConvVAE checkpoint: the page decodes with its transposed convolutions, as Node does', async () => {
    const out = tmp();
    expect(await main(['train', '--model', 'conv', '--out', out, '--epochs', '1', '--limit-train', '256', '--limit-test', '64'], { stdout: sink(), stderr: sink() })).toBe(0);
    const conv = join(out, 'model.safetensors');
    const explore = await startExplore(conv);
    const browser = await launchChromium();
    try {
      const errors: string[] = [];
      const page = await openExplorer(browser, explore.url, errors);
      expect(await page.textContent('#model')).toContain('ConvVAE');
      await page.locator('input[data-slider="1"]').fill('-1.5');
      const drawn = Array.from(await page.evaluate(readDigit));
      const z = await page.evaluate(() => (globalThis as unknown as { explorer: { z(): number[] } }).explorer.z());
      const p = noGrad(() => loadVae(conv).eval().decode(tensor([z])).data);
      const worst = Math.max(...drawn.map((v, i) => Math.abs(v - Math.round(Math.min(1, Math.max(0, p[i])) * 255))));
      expect(worst, 'grey levels from the page vs the decoder in Node').toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      explore.server.kill('SIGTERM');
    }
  }, 120_000);
});


const rawGet = async (port: number, path: string, address = '127.0.0.1'): Promise<number> => (await rawRequest(port, path, { address })).status;

describe('the server', () => {
  test('serves its routes and nothing else: /../package.json and friends are 404', async () => {
    const port = Number(new URL(url).port);
    expect(await rawGet(port, '/')).toBe(200);
    expect(await rawGet(port, '/checkpoint.safetensors')).toBe(200);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/explorer/../../package.json', '//etc/passwd', '/src/explore.ts']) {
      expect(await rawGet(port, path), path).toBe(404);
    }
  });
  test('answers only requests addressed to 127.0.0.1, localhost or [::1] with its port (DNS rebinding): any other Host is a 421', async () => {
    const port = Number(new URL(url).port);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
      expect((await rawRequest(port, '/info.json', { host })).status, host).toBe(200);
    }
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost', `localhost:${port + 1}`, `127.0.0.1:${port}@evil.example`, '', null]) {
      const r = await rawRequest(port, '/checkpoint.safetensors', { host });
      expect(r.status, String(host)).toBe(421);
      expect(r.body).toBe(`this server answers only to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}\n`);
    }
  });
  test('every response forbids framing and type sniffing: X-Frame-Options, CSP frame-ancestors, nosniff', async () => {
    const port = Number(new URL(url).port);
    for (const [path, host, status] of [['/', `127.0.0.1:${port}`, 200], ['/explorer.js', `localhost:${port}`, 200], ['/nope', `localhost:${port}`, 404], ['/', 'evil.example', 421]] as const) {
      const r = await rawRequest(port, path, { host });
      expect(r.status, path).toBe(status);
      expect(r.headers, `${path} via ${host}`).toMatchObject({
        'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'x-content-type-options': 'nosniff',
      });
    }
  });
  test('the first Ctrl-C ends it, even while a client is half-way through sending a request', async () => {
    const explore = spawn(process.execPath, [cli, 'explore', '--checkpoint', checkpoint, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => explore.on('exit', (code, signal) => resolve([code, signal])));
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      explore.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /explorer at http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
        if (m) resolve(Number(m[1]));
      });
      explore.on('exit', (code) => reject(new Error(`explore exited with ${code}`)));
    });
    // A request that never ends its headers, then a whole one: once the second is answered, the
    // server has accepted the first connection too (it accepts in order).
    const slow = connect(port, '127.0.0.1');
    const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    slow.on('error', () => undefined);
    await new Promise<void>((resolve) => slow.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `, () => resolve()));
    expect((await rawRequest(port, '/info.json')).status).toBe(200);
    explore.kill('SIGINT');
    expect(await exited).toEqual([0, null]);
    await slowClosed;
  }, 30_000);
  test('listens on 127.0.0.1 only: another interface of this machine is refused', async () => {
    const port = Number(new URL(url).port);
    expect(url.startsWith('http://127.0.0.1:')).toBe(true);
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external === undefined) return; // no other interface here to try
    await expect(rawGet(port, '/', external.address)).rejects.toThrow(/ECONNREFUSED/);
  });
  test('a bad checkpoint, a port in use and missing data each get one line and exit 2', async () => {
    const run = async (...argv: string[]) => {
      const stderr = sink();
      const code = await main(argv, { stdout: sink(), stderr });
      return { code, err: stderr.text() };
    };
    const bad = await run('explore', '--checkpoint', '/nonexistent/model.safetensors');
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/^tensorgrad-vae: no checkpoint at \/nonexistent\/model\.safetensors; .*\n$/)]);
    const busy = await run('explore', '--checkpoint', checkpoint, '--port', new URL(url).port);
    expect([busy.code, busy.err]).toEqual([2, expect.stringMatching(/^tensorgrad-vae: port \d+ on 127\.0\.0\.1 is in use; pass another --port .*\n$/)]);
    const noData = await run('explore', '--checkpoint', checkpoint, '--data', '/nonexistent', '--port', '0');
    expect([noData.code, noData.err]).toEqual([2, expect.stringMatching(/no t10k-images-idx3-ubyte file .*\n$/)]);
    const badPort = await run('explore', '--port', '70000');
    expect(badPort.code).toBe(2);
  });
});
