// Builds the page into dist/page/index.html: one self-contained file, the bundle (page/main.ts,
// tensorgrad's core, dagre) inlined as a module script, so that it runs from the server and just as
// well opened from disk (a file:// page may not load a module script from a separate file). The
// gradient rules' comments and sources are read from core's ops/*.ts now and bundled in.
//   node scripts/build-page.mjs        (part of `pnpm build`)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { extractRuleSources } from './rule-sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/page/`;
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [`${root}page/main.ts`],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  conditions: ['source'],
  define: { __RULES__: JSON.stringify(extractRuleSources()) },
  logLevel: 'warning',
  legalComments: 'none',
});
const js = result.outputFiles[0].text;
// esbuild escapes "</script" inside strings; a bundle that still held one would end the tag early.
if (/<\/script/i.test(js)) throw new Error('the bundle contains "</script": it cannot be inlined');
const html = readFileSync(`${root}page/index.html`, 'utf8');
if (!html.includes('<!--BUNDLE-->')) throw new Error('page/index.html has no <!--BUNDLE--> marker');
// A function replacement: the bundle's own "$&"-like sequences must stay as they are.
// Written whole, then renamed into place: a server (or a test) reading it meanwhile never sees half.
const tmp = `${out}index.html.${process.pid}.tmp`;
writeFileSync(tmp, html.replace('<!--BUNDLE-->', () => `<script type="module">\n${js}</script>`));
renameSync(tmp, `${out}index.html`);
console.log(`built ${out}index.html (${(js.length / 1024).toFixed(0)} KiB of script)`);
