// A raw HTTP client for the server tests (the explorer's here, and @tensorgrad/learn's): no URL normalisation on the way (so /../ reaches the
// server as written) and any Host header, or none.
import { connect } from 'node:net';

export interface RawResponse { status: number; headers: Record<string, string>; body: string }

/** GET (or `method`) `path` on 127.0.0.1:`port`; `host: null` sends no Host header. */
export function rawRequest(port: number, path: string, { address = '127.0.0.1', host = `localhost:${port}` as string | null, method = 'GET' } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, address, () => socket.end(`${method} ${path} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('end', () => {
      const [head, ...body] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let rest = body.join('\r\n\r\n');
      if (headers['transfer-encoding'] === 'chunked') {
        // Each chunk: its size in hex, CRLF, the bytes, CRLF; a size of 0 ends the body.
        let decoded = '';
        for (let size = parseInt(rest, 16); size > 0; size = parseInt(rest, 16)) {
          const start = rest.indexOf('\r\n') + 2;
          decoded += rest.slice(start, start + size);
          rest = rest.slice(start + size + 2);
        }
        rest = decoded;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(statusLine)?.[1]), headers, body: rest });
    });
    socket.on('error', reject);
  });
}
