// Every ```ts block in docs/*.md runs here, as its own program (compiled by esbuild, run by node
// from docs/, so it imports the packages as a reader would). Where a ```text block follows it,
// that is the program's expected output, compared exactly. The docs cannot rot silently.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, test } from 'vitest';

const docs = fileURLToPath(new URL('..', import.meta.url));
const run = join(docs, '.run');
mkdirSync(run, { recursive: true });

interface Block { page: string; index: number; line: number; code: string; expected: string | null }

/** The ```ts blocks of a page, each with the ```text block right after it (if any). */
function blocks(page: string): Block[] {
  const text = readFileSync(join(docs, page), 'utf8');
  const fences = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1], body: m[2], line: text.slice(0, m.index).split('\n').length, end: m.index! + m[0].length,
  }));
  const out: Block[] = [];
  fences.forEach((f, i) => {
    if (f.lang !== 'ts') return;
    const next = fences[i + 1];
    const between = next === undefined ? '' : text.slice(f.end, text.indexOf('```', f.end + 1));
    const expected = next?.lang === 'text' && between.trim() === '' ? next.body : null;
    out.push({ page, index: out.length, line: f.line, code: f.body, expected });
  });
  return out;
}

const pages = readdirSync(docs).filter((f) => f.endsWith('.md')).sort();

test('every page is linked from the index, and the docs have code to run', () => {
  const index = readFileSync(join(docs, 'README.md'), 'utf8');
  for (const p of pages.filter((p) => p !== 'README.md')) expect(index, p).toContain(`(${p})`);
  expect(pages.flatMap(blocks).length).toBeGreaterThan(20);
});

test('links to source files point at files that exist', () => {
  for (const page of pages) {
    const text = readFileSync(join(docs, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\((\.\.\/[^)#\s]+)(?:#[^)]*)?\)/g)) {
      expect(() => readFileSync(join(docs, target)), `${page} links to ${target}`).not.toThrow();
    }
  }
});

describe.each(pages)('%s', (page) => {
  const list = blocks(page);
  // The index page has no code: it still gets a test, that its links resolve (above).
  if (list.length === 0) return test('has no code blocks to run', () => expect(page).toBe('README.md'));
  test.each(list.map((b) => [`block ${b.index + 1} (line ${b.line})`, b] as const))('%s', (_, b) => {
    const js = transformSync(b.code, { loader: 'ts', format: 'esm', target: 'node20' }).code;
    const file = join(run, `${page.replace(/\.md$/, '')}-${b.index + 1}.mjs`);
    writeFileSync(file, js);
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, [file], { cwd: docs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new Error(`${page}:${b.line}: the block failed:\n${(e as { stderr?: string }).stderr ?? e}`);
    }
    if (b.expected !== null) expect(stdout.trimEnd(), `${page}:${b.line}`).toBe(b.expected.trimEnd());
  });
});
