import type { Shape } from '../shape.js';

/**
 * Drops size-1 dims and merges neighbours that are laid out back to back for every operand,
 * so a contiguous tensor of any rank becomes one long row. Both backends walk (or index) the
 * coalesced shape: fewer dims, fewer index computations.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): [number[], number[][]] {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && strides.every((s, j) => st[j][k] === s[d] * shape[d])) {
      dims[k] *= shape[d];
      strides.forEach((s, j) => (st[j][k] = s[d]));
    } else {
      dims.push(shape[d]);
      strides.forEach((s, j) => st[j].push(s[d]));
    }
  }
  return [dims, st];
}
