// Serves the page on 127.0.0.1 with the latent explorer's hardening (`serveLocally` of
// @tensorgrad/vae): one fixed route held in memory, so no request reaches any other file;
// requests must name this machine in their Host (DNS rebinding gets a 421); no framing, no type
// sniffing; close() drops every connection at once, so Ctrl-C ends it even while a client
// trickles a request.
import { existsSync, readFileSync } from 'node:fs';
import { UsageError, serveLocally, type LocalServer, type Route } from '@tensorgrad/vae';

export { UsageError };

export interface LearnServerOptions {
  /** Port on 127.0.0.1 (default 8090; 0 picks a free one). */
  port?: number;
}

export type LearnServer = LocalServer;

/** The built page: one self-contained HTML file (the bundle inlined), also usable from disk. */
export const PAGE_FILE = new URL('../dist/page/index.html', import.meta.url);

/** Starts the server once the page is read; an unbuilt page or a port in use is a UsageError. */
export async function startLearnServer(options: LearnServerOptions = {}): Promise<LearnServer> {
  const port = options.port ?? 8090;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be an integer from 0 to 65535, got ${port}`);
  if (!existsSync(PAGE_FILE)) throw new UsageError('the page is not built (dist/page/index.html is missing): run `npx --yes pnpm@10 build`');
  return serveLocally(new Map<string, Route>([['/', ['text/html; charset=utf-8', readFileSync(PAGE_FILE)]]]), port);
}
