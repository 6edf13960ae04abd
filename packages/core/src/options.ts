import { ValueError } from './errors.js';
import { describe } from './shape.js';

/**
 * Runtime checks for options objects, for callers TypeScript does not check (plain JavaScript,
 * `any`, JSON). `new DataLoader(ds, { batch_size: 64 })` must not silently mean batch size 1:
 * an unknown key is an error naming the closest valid one, and a number or string where the
 * options object belongs (`new Adam(params, 0.1)`) is an error showing the object form.
 *
 *   const { lr = 1e-3 } = checkOptions('Adam', options, ['lr', 'betas', 'eps'], '{ lr: 0.001 }');
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, allowed: readonly (keyof T & string)[], example?: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    const form = example ?? `{ ${allowed.slice(0, 2).map((k) => `${k}: …`).join(', ')} }`;
    throw new ValueError(op, `expected an options object such as ${form}, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if ((allowed as readonly string[]).includes(key)) continue;
    const near = closest(key, allowed);
    const hint = near === undefined ? '' : `; did you mean ${near}?`;
    throw new ValueError(op, `unknown option ${JSON.stringify(key)}${hint} (valid options: ${allowed.join(', ') || 'none'})`);
  }
  return options;
}

/**
 * The valid name a typo most likely meant: the same letters ignoring case, `_` and `-`
 * (`batch_size` → `batchSize`), else the nearest by edit distance if within a third of the longer
 * name, else one sharing a stem of at least 4 letters (`reduce` → `reduction`) or abbreviating it
 * (`epsilon` → `eps`).
 */
export function closest(key: string, names: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const same = names.find((n) => fold(n) === fold(key));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(fold(key), fold(n));
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(best.length, key.length) / 3))) return best;
  // A shared stem counts too (`reduce` → `reduction`), and an abbreviation (`epsilon` → `eps`).
  const stem = (n: string) => {
    let i = 0;
    while (i < n.length && fold(n)[i] === fold(key)[i]) i++;
    return i;
  };
  const abbreviates = (short: string, long: string) => short.length >= 3 && fold(long).startsWith(fold(short));
  return names.find((n) => stem(n) >= Math.max(4, Math.ceil(0.6 * key.length)) || abbreviates(n, key) || abbreviates(key, n));
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
