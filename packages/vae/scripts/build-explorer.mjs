// Bundles the latent-space explorer (explorer/page.ts and what it imports: tensorgrad's core, nn
// and the VAE model) for the browser into dist/explorer/, next to its index.html. Node built-ins
// that nn and vae import for their file code (never called in the page) become empty stubs.
//   node scripts/build-explorer.mjs        (part of `pnpm build`)
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/explorer/`;
mkdirSync(out, { recursive: true });

/** `node:*` imports resolve to an empty CommonJS module: named imports are undefined, never called. */
const nodeStubs = {
  name: 'node-stubs',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

await build({
  entryPoints: [`${root}explorer/page.ts`],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: `${out}explorer.js`,
  conditions: ['source'],
  plugins: [nodeStubs],
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync(`${root}explorer/index.html`, `${out}index.html`);
console.log(`built ${out}explorer.js`);
