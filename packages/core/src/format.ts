import type { Tensor } from './tensor.js';

const LINE_WIDTH = 80;
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/**
 * Prints like PyTorch: `tensor([[1.0000, 2.5000], …])`, whole floats as `1.`, scientific notation
 * when magnitudes span more than three decades, `...` for tensors over 1000 elements; int32 as
 * `tensor([7, 2, 1], dtype=int32)`, bool as `tensor([ True, False])`.
 */
export function formatTensor(t: Tensor): string {
  const data = t.data;
  const summarize = t.numel() > SUMMARY_THRESHOLD;
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const shownIndices = (dim: number): (number | null)[] => {
    const n = t.shape[dim];
    if (!summarize || n <= 2 * EDGE_ITEMS) return [...Array(n).keys()];
    return [...Array(EDGE_ITEMS).keys(), null, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)];
  };

  // Decide the number format from the values that will be shown.
  const shown: number[] = [];
  const collect = (dim: number, at: number): void => {
    if (dim === t.ndim) {
      shown.push(data[at]);
      return;
    }
    for (const i of shownIndices(dim)) if (i !== null) collect(dim + 1, at + i * strides[dim]);
  };
  collect(0, 0);
  const fmt = t.dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : t.dtype === 'int32' ? (v: number) => String(v) : chooseFormat(shown);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const cell = (v: number): string => fmt(v).padStart(width);

  const prefix = 'tensor(';
  const render = (dim: number, at: number, indent: number): string => {
    if (dim === t.ndim) return cell(data[at]);
    const items = shownIndices(dim);
    if (dim === t.ndim - 1) {
      const cells = items.map((i) => (i === null ? '...' : cell(data[at + i * strides[dim]])));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < cells.length; i += perLine) lines.push(cells.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const sep = `,${'\n'.repeat(t.ndim - dim - 1)}${' '.repeat(indent + 1)}`;
    return `[${items.map((i) => (i === null ? '...' : render(dim + 1, at + i * strides[dim], indent + 1))).join(sep)}]`;
  };

  const extras: string[] = [];
  // The default dtypes go unnamed, as in PyTorch: float32, and bool (its True/False say it).
  if (t.dtype !== 'float32' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requires_grad=True');
  const body = t.numel() === 0 && t.ndim > 0 ? '[]' : render(0, 0, prefix.length);
  return `${prefix}${body}${extras.map((e) => `, ${e}`).join('')})`;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

function chooseFormat(values: readonly number[]): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const mags = finite.map(Math.abs).filter((v) => v !== 0);
  const maxMag = mags.length ? Math.max(...mags) : 0;
  const minMag = mags.length ? Math.min(...mags) : 0;
  const allInts = finite.every((v) => Number.isInteger(v));
  const sci = maxMag > 1e8 || maxMag / minMag > 1000 || (!allInts && minMag < 1e-4);
  if (sci) return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  if (allInts) return (v) => special(v) ?? `${v.toFixed(0)}.`;
  return (v) => special(v) ?? v.toFixed(4);
}
