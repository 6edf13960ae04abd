// Numbers and text for the page: short numbers for labels, exact ones for the tests' attributes.

/** 4 significant digits, without trailing zeros (2, 0.5, −1.235e−7). */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
  return s.replace('-', '−');
}

/** `[2, 3]`, or `scalar` for a 0-d tensor. */
export function fmtShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : `[${shape.join(', ')}]`;
}

/** Text safe inside HTML and SVG, attribute values included. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The largest |v| (0 for none). */
export function maxAbs(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}
