import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UsageError } from './errors.js';

/** A server `serveLocally` started: where it listens, and how to stop it. */
export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A route's content type and body. */
export type Route = [contentType: string, body: Uint8Array | string];

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
 * Serves a fixed set of routes held in memory on 127.0.0.1 only, for the pages that run tensorgrad
 * in a browser (the latent explorer here, the backward stepper of @tensorgrad/learn): no request
 * can reach any other file (`/../package.json` is a 404), only requests addressed to this machine
 * by name are answered (see ownHost), nothing may frame the pages, and `close` ends every
 * connection at once, idle or mid-request, so that Ctrl-C exits even while a client sends a
 * request slowly. A port in use (or one needing privileges) is a UsageError.
 */
export async function serveLocally(routes: ReadonlyMap<string, Route>, port: number): Promise<LocalServer> {
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
