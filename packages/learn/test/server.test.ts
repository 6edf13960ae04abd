// The server's safety, as the latent explorer's: loopback only, one route and nothing else
// (traversal, other paths and methods are 404), Host checked against DNS rebinding (421), no
// framing or sniffing, and Ctrl-C ends it even while a client is half-way through a request.
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLearnServer, type LearnServer } from '../src/index.js';
import { main } from '../src/cli.js';
import { rawRequest, sink } from './http.js';

let server: LearnServer;

beforeAll(async () => {
  // The page as the sources are now.
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-page.mjs', import.meta.url))]);
  server = await startLearnServer({ port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('the server', () => {
  test('serves the page at / and nothing else: traversal, other paths and other methods are 404', async () => {
    const ok = await rawRequest(server.port, '/');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.body).toContain('Watch backward() happen');
    expect((await rawRequest(server.port, '/?preset=mlp')).status).toBe(200);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/page/../../package.json', '//etc/passwd', '/src/serve.ts', '/index.html', '/dist/page/index.html', '/nope']) {
      expect((await rawRequest(server.port, path)).status, path).toBe(404);
    }
    expect((await rawRequest(server.port, '/', { method: 'POST' })).status).toBe(404);
    expect((await rawRequest(server.port, '/', { method: 'HEAD' })).status).toBe(200);
  });

  test('answers only requests addressed to 127.0.0.1, localhost or [::1] with its port: any other Host is a 421', async () => {
    const port = server.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
      expect((await rawRequest(port, '/', { host })).status, host).toBe(200);
    }
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost', `localhost:${port + 1}`, `127.0.0.1:${port}@evil.example`, '', null]) {
      const r = await rawRequest(port, '/', { host });
      expect(r.status, String(host)).toBe(421);
      expect(r.body).toBe(`this server answers only to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}\n`);
    }
  });

  test('every response forbids framing and type sniffing', async () => {
    const port = server.port;
    for (const [path, host, status] of [['/', `127.0.0.1:${port}`, 200], ['/nope', `localhost:${port}`, 404], ['/', 'evil.example', 421]] as const) {
      const r = await rawRequest(port, path, { host });
      expect(r.status, path).toBe(status);
      expect(r.headers, `${path} via ${host}`).toMatchObject({ 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'x-content-type-options': 'nosniff' });
    }
  });

  test('listens on 127.0.0.1 only: another interface of this machine is refused', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external === undefined) return; // no other interface here to try
    await expect(rawRequest(server.port, '/', { address: external.address })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('tensorgrad-learn', () => {
  test('prints its address, serves until stopped, exits 0', async () => {
    const stdout = sink(), stderr = sink();
    const stop = new AbortController();
    const done = main(['--port', '0'], { stdout, stderr }, stop.signal);
    await expect.poll(() => stdout.text()).toMatch(/^tensorgrad-learn at http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl\+C to stop\)\n$/);
    const port = Number(/:(\d+)\//.exec(stdout.text())![1]);
    expect((await rawRequest(port, '/')).status).toBe(200);
    stop.abort();
    expect(await done).toBe(0);
    await expect(rawRequest(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });

  test('a port in use, a bad port and an unknown flag each get one line and exit 2', async () => {
    const run = async (...argv: string[]) => {
      const stderr = sink();
      const code = await main(argv, { stdout: sink(), stderr }, AbortSignal.abort());
      return [code, stderr.text()];
    };
    expect(await run('--port', String(server.port))).toEqual([2, `tensorgrad-learn: port ${server.port} on 127.0.0.1 is in use; pass another --port (0 picks a free one)\n`]);
    expect(await run('--port', '70000')).toEqual([2, 'tensorgrad-learn: port must be an integer from 0 to 65535, got 70000\n']);
    expect(await run('--port', 'x')).toEqual([2, 'tensorgrad-learn: --port must be a whole number, got "x"\n']);
    expect(await run('--nope')).toEqual([2, expect.stringMatching(/^tensorgrad-learn: Unknown option '--nope'/)]);
    const help = sink();
    expect(await main(['--help'], { stdout: help, stderr: sink() })).toBe(0);
    expect(help.text()).toContain('tensorgrad-learn [--port N]');
  });

  test('the first Ctrl-C ends it, even while a client is half-way through sending a request', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /at http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`tensorgrad-learn exited with ${code}`)));
    });
    // A request that never ends its headers, then a whole one: once the second is answered, the
    // server has accepted the first connection too (it accepts in order).
    const slow = connect(port, '127.0.0.1');
    const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    slow.on('error', () => undefined);
    await new Promise<void>((resolve) => slow.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `, () => resolve()));
    expect((await rawRequest(port, '/')).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toEqual([0, null]);
    await slowClosed;
  }, 30_000);
});
