// Finds every gradient rule in @tensorgrad/core's ops/*.ts, so the page shows the real source and
// its math comment rather than a retyped copy: each rule name passed to record() (or to a helper
// that calls it: recordElementwise, rounding, …) is a string literal such as 'DivBackward'; the
// rule's snippet is the record call around it (or, where the name is handed to a helper, the
// record calls of the function it sits in), and its comment is that function's doc comment.
// Parsed with TypeScript's own parser, so strings, comments and nesting are never guessed at.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Where core's ops live, from this script. */
export const OPS_DIR = fileURLToPath(new URL('../../core/src/ops/', import.meta.url));

/** A rule name: capitalised and containing "Backward" (the kernels' 'sigmoidBackward' are not rules). */
export const RULE_NAME = /^[A-Z][A-Za-z0-9]*Backward[A-Za-z0-9]*$/;

const RECORDERS = new Set(['record', 'recordElementwise']);

/** The text of a /** doc comment without its delimiters and leading stars. */
function docText(raw) {
  return raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The doc comment right before a top-level statement, or '' if it has none. */
function docComment(source, statement) {
  const ranges = ts.getLeadingCommentRanges(source.text, statement.getFullStart()) ?? [];
  const docs = ranges.filter((r) => source.text.startsWith('/**', r.pos));
  return docs.length === 0 ? '' : docText(source.text.slice(docs[docs.length - 1].pos, docs[docs.length - 1].end));
}

/**
 * A node's text as it reads in its file: the lines after the first lose the indentation of the
 * line the node starts on, so continuation lines keep their place relative to the first.
 */
function snippet(source, node) {
  const start = node.getStart(source);
  const lineStart = source.text.lastIndexOf('\n', start - 1) + 1;
  const base = /^ */.exec(source.text.slice(lineStart))[0].length;
  const [first, ...rest] = node.getText(source).split('\n');
  return [first, ...rest.map((l) => l.slice(Math.min(base, /^ */.exec(l)[0].length)))].join('\n');
}

/**
 * For a helper without a doc comment (cumulativeExtreme), the doc comment of the first top-level
 * function in the file that calls it: the exported op whose math it implements (cummax).
 */
function callersComment(source, helper) {
  const name = ts.isFunctionDeclaration(helper) ? helper.name?.text : undefined;
  if (name === undefined) return '';
  for (const statement of source.statements) {
    if (statement === helper) continue;
    let calls = false;
    const visit = (n) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) calls = true;
      if (!calls) ts.forEachChild(n, visit);
    };
    visit(statement);
    const doc = calls ? docComment(source, statement) : '';
    if (doc !== '') return doc;
  }
  return '';
}

const isRecordCall = (n) => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && RECORDERS.has(n.expression.text);

/** The record/recordElementwise calls under `node`. */
function recordCalls(node) {
  const out = [];
  const visit = (n) => {
    if (isRecordCall(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** The name a top-level statement declares (function or const), for the page's "in floor()". */
function declaredName(statement) {
  if (ts.isFunctionDeclaration(statement)) return statement.name?.text ?? '';
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  return '';
}

/**
 * Every rule name in the ops files, mapped to { comment, source, file, line, fn }: `file` relative
 * to core's src/ops, `line` 1-based, `fn` the function the name appears in. A name that appears in
 * several places (NormBackward: norm and its p-norm variant) keeps every snippet, joined.
 */
export function extractRuleSources(opsDir = OPS_DIR) {
  const rules = {};
  for (const file of readdirSync(opsDir).filter((f) => f.endsWith('.ts')).sort()) {
    const text = readFileSync(join(opsDir, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const visit = (node, statement) => {
      const top = statement ?? (node.parent === source ? node : undefined);
      if (ts.isStringLiteral(node) && RULE_NAME.test(node.text) && top !== undefined) {
        // The record call around the name; else (the name handed to a helper) the statement's own.
        let call = node.parent;
        while (call !== undefined && call !== top && !isRecordCall(call)) call = call.parent;
        const calls = call !== undefined && call !== top ? [call] : recordCalls(top);
        const code = calls.length > 0 ? calls.map((c) => snippet(source, c)).join('\n\n') : snippet(source, top);
        const entry = { comment: docComment(source, top) || callersComment(source, top), source: code, file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, fn: declaredName(top) };
        const prev = rules[node.text];
        if (prev === undefined) rules[node.text] = entry;
        else if (!prev.source.includes(entry.source)) rules[node.text] = { ...prev, source: `${prev.source}\n\n// ${entry.file}, ${entry.fn}:\n${entry.source}` };
      }
      ts.forEachChild(node, (child) => visit(child, top));
    };
    ts.forEachChild(source, (child) => visit(child, undefined));
  }
  return rules;
}

/**
 * The rule names in the ops files by a plain scan of their text (no parser): what the tests hold
 * extractRuleSources to, so a name it missed cannot go unnoticed.
 */
export function scanRuleNames(opsDir = OPS_DIR) {
  const names = new Set();
  for (const file of readdirSync(opsDir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(opsDir, file), 'utf8').matchAll(/'([A-Za-z0-9]+)'/g)) if (RULE_NAME.test(m[1])) names.add(m[1]);
  }
  return [...names].sort();
}
