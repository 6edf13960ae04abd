import { allocate } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { describe } from '../shape.js';
import { Tensor, fromStorage } from '../tensor.js';
import { full } from '../creation.js';
import { cat } from './join.js';
import { indexSelect, slice } from './select.js';

export interface PadOptions {
  /** 'constant' (default: `value` outside), 'reflect' (mirror without the edge), 'replicate' (repeat the edge) or 'circular' (wrap around). */
  mode?: 'constant' | 'reflect' | 'replicate' | 'circular';
  /** The fill of 'constant' (default 0). */
  value?: number;
}

const MODES = ['constant', 'reflect', 'replicate', 'circular'] as const;

/**
 * PyTorch's `F.pad`: `pads` lists (before, after) pairs from the last dim backwards —
 * `[left, right, top, bottom]` pads W then H. Negative pads crop. One dim at a time: a crop is a
 * slice (a view); constant padding concatenates filled blocks; the other modes pick input
 * positions by index (reflect maps −1 to 1, replicate to 0, circular to size − 1), so the gradient
 * of a repeated position sums, through indexSelect's rule.
 */
export function pad(x: Tensor, pads: readonly number[], options: PadOptions = {}): Tensor {
  const op = 'pad';
  if (!(x instanceof Tensor)) throw new ValueError(op, `expected a tensor, got ${describe(x)}`);
  const { mode = 'constant', value = 0 } = checkOptions(op, options, ['mode', 'value'], "{ mode: 'reflect' }");
  if (!MODES.includes(mode)) throw new ValueError(op, `mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${describe(mode)}`);
  if (typeof value !== 'number') throw new ValueError(op, `value must be a number, got ${describe(value)}`);
  if (mode !== 'constant' && value !== 0) throw new ValueError(op, `value is the fill of mode 'constant' only, not '${mode}'`);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.some((p) => !Number.isInteger(p))) {
    throw new ValueError(op, `pads must be an even-length list of integers (before, after) from the last dim back, got ${describe(pads)}`);
  }
  if (pads.length / 2 > x.ndim) throw new ShapeError(op, `${pads.length / 2} dims of pads for a ${x.ndim}-D input ${fmtShape(x.shape)}`);
  let out = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    let [before, after] = [pads[2 * i], pads[2 * i + 1]];
    const size = out.shape[d];
    if (size + Math.min(before, 0) + Math.min(after, 0) < 0) throw new ShapeError(op, `pads ${describe(pads)} crop more than dim ${d} of ${fmtShape(x.shape)} has`);
    if (before < 0 || after < 0) {
      out = slice(out, d, Math.max(-before, 0), size - Math.max(-after, 0));
      before = Math.max(before, 0);
      after = Math.max(after, 0);
    }
    if (before === 0 && after === 0) continue;
    out = mode === 'constant' ? padConstant(out, d, before, after, value) : padByIndex(op, out, d, before, after, mode, x.shape);
  }
  return out;
}

function padConstant(x: Tensor, d: number, before: number, after: number, value: number): Tensor {
  const block = (n: number): Tensor => full(x.shape.map((s, i) => (i === d ? n : s)), value, { dtype: x.dtype });
  return cat([...(before > 0 ? [block(before)] : []), x, ...(after > 0 ? [block(after)] : [])], d);
}

function padByIndex(op: string, x: Tensor, d: number, before: number, after: number, mode: 'reflect' | 'replicate' | 'circular', shape: readonly number[]): Tensor {
  const size = x.shape[d];
  if (size === 0) throw new ShapeError(op, `mode '${mode}' cannot pad the empty dim ${d} of ${fmtShape(shape)}`);
  if (mode === 'reflect' && (before >= size || after >= size)) {
    throw new ShapeError(op, `mode 'reflect' needs pads smaller than the dim: dim ${d} of ${fmtShape(shape)} has ${size}, pads (${before}, ${after})`);
  }
  if (mode === 'circular' && (before > size || after > size)) {
    throw new ShapeError(op, `mode 'circular' needs pads at most the dim's size: dim ${d} of ${fmtShape(shape)} has ${size}, pads (${before}, ${after})`);
  }
  const source = (i: number): number => {
    if (mode === 'replicate') return Math.min(Math.max(i, 0), size - 1);
    if (mode === 'circular') return ((i % size) + size) % size;
    return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
  };
  const index = allocate('int32', before + size + after);
  for (let i = 0; i < index.length; i++) index[i] = source(i - before);
  return indexSelect(x, d, fromStorage(index, [index.length]));
}
