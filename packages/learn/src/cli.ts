#!/usr/bin/env node
/**
 * tensorgrad-learn: serve the page that steps through backward() on 127.0.0.1.
 *   tensorgrad-learn [--port 8090]
 * Mistakes print one line and exit with 2; Ctrl-C (or SIGTERM) closes every connection and exits 0.
 */
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PAGE_FILE, UsageError, startLearnServer } from './serve.js';

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const HELP = `tensorgrad-learn — watch backward() happen, node by node, with tensorgrad running in your browser

  tensorgrad-learn [--port N]

  --port N    port on 127.0.0.1 to serve the page on (default 8090; 0 picks a free one)
  --help      show this help

The page is also a file you can open without the server: ${fileURLToPath(PAGE_FILE)}
`;

/** Runs the command; resolves to the exit code once the server has stopped (or at once on a mistake). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, stop?: AbortSignal): Promise<number> {
  try {
    let values: { port?: string; help?: boolean };
    try {
      ({ values } = parseArgs({ args: argv, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const port = values.port === undefined ? 8090 : Number(values.port);
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`--port must be a whole number, got ${JSON.stringify(values.port)}`);
    const server = await startLearnServer({ port });
    io.stdout.write(`tensorgrad-learn at ${server.url} (Ctrl+C to stop)\n`);
    const signal = stop ?? stopSignal();
    if (!signal.aborted) await once(signal, 'abort');
    await server.close();
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`tensorgrad-learn: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`tensorgrad-learn: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

/** Aborted by the first SIGINT or SIGTERM; the handlers go then, so a second Ctrl-C ends at once. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const handler = (name: NodeJS.Signals) => {
    for (const s of signals) process.removeListener(s, handler);
    controller.abort(name);
  };
  for (const s of signals) process.on(s, handler);
  return controller.signal;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
