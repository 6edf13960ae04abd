// The server tests' raw HTTP client is the explorer's (packages/vae/test/http.ts); the CLI's output sink is this package's own.
export { rawRequest, type RawResponse } from '../../vae/test/http.js';

/** Collects what the CLI writes. */
export function sink(): { write(s: string): boolean; text(): string } {
  let out = '';
  return { write: (s: string) => ((out += s), true), text: () => out };
}
