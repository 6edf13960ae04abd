// Serves the page on 127.0.0.1 with the latent explorer's hardening (packages/vae/src/explore.ts):
// one fixed route held in memory, so no request reaches any other file; requests must name this
// machine in their Host (DNS rebinding gets a 421); no framing, no type sniffing; close() drops
// every connection at once, so Ctrl-C ends it even while a client trickles a request.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LearnServerOptions {
  /** Port on 127.0.0.1 (default 8090; 0 picks a free one). */
  port?: number;
}

export interface LearnServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A mistake in how the server was asked for: the CLI prints it as one line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The built page: one self-contained HTML file (the bundle inlined), also usable from disk. */
export const PAGE_FILE = new URL('../dist/page/index.html', import.meta.url);

/** Headers on every response: no framing by other sites (old and new browsers), no type guessing. */
function securityHeaders(): OutgoingHttpHeaders {
  return { 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'x-content-type-options': 'nosniff' };
}

/** Whether the request names this server as a browser on this machine does: 127.0.0.1, localhost or [::1], with the port. */
function ownHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined) return false;
  // A browser leaves the port out only when it is the scheme's default.
  return ['127.0.0.1', 'localhost', '[::1]'].some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}

/** Starts the server once the page is read; an unbuilt page or a port in use is a UsageError. */
export async function startLearnServer(options: LearnServerOptions = {}): Promise<LearnServer> {
  const port = options.port ?? 8090;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be an integer from 0 to 65535, got ${port}`);
  if (!existsSync(PAGE_FILE)) throw new UsageError('the page is not built (dist/page/index.html is missing): run `npx --yes pnpm@10 build`');
  const routes = new Map<string, [string, Uint8Array]>([['/', ['text/html; charset=utf-8', readFileSync(PAGE_FILE)]]]);
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
