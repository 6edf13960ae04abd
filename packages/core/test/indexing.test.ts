// x.index(...) — PyTorch's subscript — against an element-by-element reference on random shapes
// and index mixes, against PyTorch's values and gradients (fixtures/pytorch_dtypes.json), and
// indexPut, select, maskedSelect, nonzero and take.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DTypeError, IndexError, ShapeError, Slice, gradcheck, indexPut, maskedSelect, nonzero, select, slice, take, tensor,
  type IndexEntry, type Tensor,
} from '../src/index.js';
import { thrownBy } from '../src/testing/index.js';

// ---- the reference: every output element found by walking the index expression -------------------

type Entry = number | Slice | null | '...' | { idx: number[]; shape: number[] } | { mask: boolean[]; shape: number[] };

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const unravel = (i: number, s: readonly number[]): number[] => {
  const out = new Array<number>(s.length);
  for (let k = s.length - 1; k >= 0; k--) {
    out[k] = i % s[k];
    i = Math.floor(i / s[k]);
  }
  return out;
};
const broadcast = (shapes: number[][]): number[] => {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: n }, (_, i) => Math.max(...shapes.map((s) => s[s.length - n + i] ?? 1)));
};

/** Python's slice.indices: start, step and length for a dim of `size`. */
function sliceRange(s: Slice, size: number): [number, number, number] {
  const step = s.step ?? 1;
  const clip = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const start = s.start === null ? 0 : clip(s.start);
  const stop = s.stop === null ? size : clip(s.stop);
  return [start, step, Math.max(0, Math.ceil((stop - start) / step))];
}

/** The shape and flat values of x[entries] with PyTorch's rules (integers are basic, as PyTorch applies them). */
function reference(xShape: number[], xValues: number[], entries: Entry[]): { shape: number[]; values: number[] } {
  const used = entries.reduce((n: number, e) => n + (e === null || e === '...' ? 0 : typeof e === 'object' && 'mask' in e ? e.shape.length : 1), 0);
  const at = entries.indexOf('...');
  const fill = Array.from({ length: xShape.length - used }, () => new Slice());
  const full = at < 0 ? [...entries, ...fill] : [...entries.slice(0, at), ...fill, ...entries.slice(at + 1)];
  // Masks become one integer list per dim they cover.
  const es: (number | Slice | null | { idx: number[]; shape: number[] })[] = [];
  for (const e of full) {
    if (e !== null && typeof e === 'object' && 'mask' in e) {
      const hits = e.mask.flatMap((b, i) => (b ? [unravel(i, e.shape)] : []));
      e.shape.forEach((_, k) => es.push({ idx: hits.map((h) => h[k]), shape: [hits.length] }));
    } else es.push(e as never);
  }
  // Walk the entries: basic ones give output dims in place, advanced ones share one broadcast block.
  type Part = { kind: 'slice'; dim: number; start: number; step: number; len: number } | { kind: 'new' } | { kind: 'int'; dim: number; i: number } | { kind: 'adv'; dim: number; idx: number[]; shape: number[] };
  const parts: Part[] = [];
  let dim = 0;
  for (const e of es) {
    if (e === null) parts.push({ kind: 'new' });
    else if (typeof e === 'number') parts.push({ kind: 'int', dim, i: e < 0 ? e + xShape[dim] : e }), dim++;
    else if (e instanceof Slice) {
      const [start, step, len] = sliceRange(e, xShape[dim]);
      parts.push({ kind: 'slice', dim, start, step, len }), dim++;
    } else parts.push({ kind: 'adv', dim, idx: e.idx.map((v) => (v < 0 ? v + xShape[dim] : v)), shape: e.shape }), dim++;
  }
  const adv = parts.filter((p) => p.kind === 'adv') as Extract<Part, { kind: 'adv' }>[];
  const B = broadcast(adv.map((a) => a.shape));
  // Output dims that are not ints, with the advanced block either in place or first.
  const kept = parts.filter((p) => p.kind !== 'int');
  const advPos = kept.map((p, i) => (p.kind === 'adv' ? i : -1)).filter((i) => i >= 0);
  const adjacent = advPos.every((p, k) => p === advPos[0] + k);
  const basic = kept.filter((p) => p.kind !== 'adv');
  const before = adv.length === 0 ? basic.length : adjacent ? advPos[0] : 0;
  const layout: (Part | 'B')[] = [...basic.slice(0, before), ...(adv.length ? ['B' as const] : []), ...basic.slice(before)];
  const shape = layout.flatMap((p) => (p === 'B' ? B : p.kind === 'new' ? [1] : p.kind === 'slice' ? [p.len] : []));
  const xStrides = xShape.map((_, i) => sizeOf(xShape.slice(i + 1)));
  const values: number[] = [];
  for (let o = 0; o < sizeOf(shape); o++) {
    const oi = unravel(o, shape);
    const src = new Array<number>(xShape.length).fill(0);
    let k = 0;
    for (const p of layout) {
      if (p === 'B') {
        const b = oi.slice(k, k + B.length);
        for (const a of adv) {
          const ai = a.shape.map((d, j) => (d === 1 ? 0 : b[B.length - a.shape.length + j]));
          src[a.dim] = a.idx[ai.reduce((f, v, j) => f * a.shape[j] + v, 0)];
        }
        k += B.length;
      } else if (p.kind === 'new') k++;
      else if (p.kind === 'slice') src[p.dim] = p.start + p.step * oi[k++];
    }
    for (const p of parts) if (p.kind === 'int') src[p.dim] = p.i;
    values.push(xValues[src.reduce((f, v, j) => f + v * xStrides[j], 0)]);
  }
  return { shape, values };
}

function toEntry(e: Entry): IndexEntry {
  if (e === null || typeof e !== 'object' || e instanceof Slice) return e;
  if ('mask' in e) return tensor(e.mask, { shape: e.shape });
  return tensor(e.idx, { shape: e.shape, dtype: 'int32' });
}

// ---- random index expressions -----------------------------------------------------------------------

const side = fc.integer({ min: 1, max: 4 });
const xShapeArb = fc.array(side, { minLength: 1, maxLength: 4 });

/** Random entries for x of `shape`: ints, slices, new axes, an ellipsis, integer arrays of one broadcast shape, or one mask. */
function entriesFor(shape: number[]): fc.Arbitrary<Entry[]> {
  const advShape = fc.constantFrom<number[]>([2], [3], [1], [2, 1], [1, 2]);
  return fc.tuple(advShape, fc.integer({ min: 0, max: shape.length }), fc.boolean(), fc.integer({ min: 0, max: 3 })).chain(([B, take_, ellipsis, nones]) => {
    const dims = shape.slice(0, take_);
    const perDim = dims.map((s, d) => fc.oneof(
      fc.integer({ min: -s, max: s - 1 }).map((i): Entry => i),
      fc.tuple(fc.option(fc.integer({ min: -s - 1, max: s + 1 })), fc.option(fc.integer({ min: -s - 1, max: s + 1 })), fc.option(fc.integer({ min: 1, max: 3 })))
        .map(([a, b, c]): Entry => new Slice(a, b, c)),
      fc.array(fc.integer({ min: -s, max: s - 1 }), { minLength: sizeOf(B), maxLength: sizeOf(B) }).map((idx): Entry => ({ idx, shape: B })),
      ...(d === 0 ? [fc.array(fc.boolean(), { minLength: s, maxLength: s }).map((mask): Entry => ({ mask, shape: [s] }))] : []),
    ));
    return fc.tuple(fc.tuple(...perDim), fc.array(fc.integer({ min: 0, max: take_ }), { minLength: nones, maxLength: nones })).map(([es, at]) => {
      let out: Entry[] = [...es];
      // A mask with other advanced entries needs matching counts: keep only the mask then.
      if (out.some((e) => e !== null && typeof e === 'object' && 'mask' in e)) out = out.map((e) => (e !== null && typeof e === 'object' && 'idx' in e ? new Slice() : e));
      for (const i of at.sort((a, b) => b - a)) out.splice(i, 0, null);
      if (ellipsis) out.push('...');
      return out;
    });
  });
}

const cases = xShapeArb.chain((s) => fc.tuple(fc.constant(s), entriesFor(s)));

describe('index() equals the element-by-element reference (property)', () => {
  test('values and shapes, on random shapes and index mixes', () => {
    fc.assert(fc.property(cases, ([shape, entries]) => {
      const values = Array.from({ length: sizeOf(shape) }, (_, i) => i * 1.5 - 3);
      const x = tensor(values, { shape });
      const ref = reference(shape, values, entries);
      const out = x.index(...entries.map(toEntry));
      expect(out.shape).toEqual(ref.shape);
      expect(Array.from(out.data)).toEqual(ref.values);
      // Basic indexing is a view of x's storage; advanced indexing a copy.
      const basic = entries.every((e) => e === null || typeof e !== 'object' || e instanceof Slice);
      expect(out.buffer === x.buffer).toBe(basic);
    }), { numRuns: 300 });
  });
  test('gradients match finite differences (float64, each element picked any number of times)', () => {
    fc.assert(fc.property(cases, ([shape, entries]) => {
      const x = tensor(Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(i + 1)), { shape, dtype: 'float64' });
      const es = entries.map(toEntry);
      const r = gradcheck((t) => t.index(...es).mul(t.index(...es)), [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 60 });
  });
});

// ---- PyTorch's values and gradients -------------------------------------------------------------------

type JsonEntry = { int: number } | { slice: (number | null)[] } | { none: true } | { ellipsis: true } | { tensor: { shape: number[]; values: number[] } } | { mask: { shape: number[]; values: boolean[] } };
interface IndexCase { name: string; x: { shape: number[]; values: number[] }; index: JsonEntry[]; out: { shape: number[]; values: number[] }; g: number[]; grad: number[] }
interface PutCase { name: string; x: { shape: number[]; values: number[] }; index: JsonEntry[]; values: { shape: number[]; values: number[] }; accumulate: boolean; out: { shape: number[]; values: number[] }; g: number[]; grad_x: number[]; grad_values: number[] }
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/pytorch_dtypes.json', import.meta.url), 'utf8')) as { indexing: IndexCase[]; index_put: PutCase[] };

function decode(e: JsonEntry): IndexEntry {
  if ('int' in e) return e.int;
  if ('slice' in e) return slice(...(e.slice as [number | null, number | null, number | null]));
  if ('none' in e) return null;
  if ('ellipsis' in e) return '...';
  if ('tensor' in e) return tensor(e.tensor.values, { shape: e.tensor.shape, dtype: 'int32' });
  return tensor(e.mask.values, { shape: e.mask.shape });
}

const close = (ours: ArrayLike<number>, theirs: number[], what: string): void => {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) expect(Math.abs(ours[i] - theirs[i]), `${what}[${i}]`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(theirs[i])));
};

describe('index() equals PyTorch (float64 values and gradients)', () => {
  test.each(fixtures.indexing.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const x = tensor(c.x.values, { shape: c.x.shape, dtype: 'float64', requiresGrad: true });
    const out = x.index(...c.index.map(decode));
    expect(out.shape).toEqual(c.out.shape);
    close(out.data, c.out.values, 'out');
    out.mul(tensor(c.g, { shape: out.shape, dtype: 'float64' })).sum().backward();
    close(x.grad!.data, c.grad, 'grad');
  });
});

describe('indexPut equals PyTorch\'s index_put (float64 values and gradients)', () => {
  test.each(fixtures.index_put.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const x = tensor(c.x.values, { shape: c.x.shape, dtype: 'float64', requiresGrad: true });
    const v = tensor(c.values.values, { shape: c.values.shape, dtype: 'float64', requiresGrad: true });
    const out = x.indexPut(c.index.map(decode), v, { accumulate: c.accumulate });
    expect(out.shape).toEqual(c.out.shape);
    close(out.data, c.out.values, 'out');
    out.mul(tensor(c.g, { shape: out.shape, dtype: 'float64' })).sum().backward();
    close(x.grad!.data, c.grad_x, 'grad x');
    close(v.grad!.data, c.grad_values, 'grad values');
  });
});

describe('indexPut', () => {
  test('writes (or adds) at exactly the positions index() reads, by the reference (property)', () => {
    fc.assert(fc.property(cases, fc.boolean(), ([shape, entries], accumulate) => {
      const n = sizeOf(shape);
      const x = tensor(Array.from({ length: n }, (_, i) => i), { shape, dtype: 'float64' });
      const positions = reference(shape, Array.from({ length: n }, (_, i) => i), entries);
      const vals = positions.values.map((_, i) => 100 + i);
      const out = x.indexPut(entries.map(toEntry), tensor(vals, { shape: positions.shape, dtype: 'float64' }), { accumulate });
      const expected = Array.from({ length: n }, (_, i) => i);
      positions.values.forEach((p, i) => (expected[p] = accumulate ? expected[p] + vals[i] : vals[i]));
      expect(Array.from(out.data)).toEqual(expected);
      expect(Array.from(x.data)).toEqual(Array.from({ length: n }, (_, i) => i)); // out of place
    }), { numRuns: 200 });
  });
  test('gradients in x and values match finite differences', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    const v = tensor([0.5, -1], { dtype: 'float64' });
    const rows = tensor([1, 1], { dtype: 'int32' }), cols = tensor([0, 2], { dtype: 'int32' });
    for (const accumulate of [false, true]) {
      const r = gradcheck((a, b) => a.indexPut([rows, cols], b, { accumulate }).pow(2), [x, v]);
      expect(r.ok, r.message).toBe(true);
    }
    const mask = tensor([[true, false, true], [false, false, true]]);
    expect(gradcheck((a) => a.indexPut([mask], 0).mul(a), [x]).ok).toBe(true);
  });
  test('indexPut_ writes in place; a scalar value fills, bool masks and int values too', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(x.indexPut_([tensor([[true, false], [false, true]])], 0)).toBe(x);
    expect(x.toArray()).toEqual([[0, 2], [3, 0]]);
    const c = tensor([0, 0, 0], { dtype: 'int32' });
    c.indexPut_([tensor([0, 2, 0], { dtype: 'int32' })], tensor([1, 1, 1], { dtype: 'int32' }), { accumulate: true });
    expect(c.toArray()).toEqual([2, 0, 1]);
  });
  test('values of another dtype or a shape that does not broadcast are typed errors', () => {
    const x = tensor([1, 2, 3]);
    expect(thrownBy(() => indexPut(x, [tensor([0, 1], { dtype: 'int32' })], tensor([1, 2, 3])))).toBeInstanceOf(ShapeError);
    expect(thrownBy(() => indexPut(x, [tensor([0], { dtype: 'int32' })], tensor([1], { dtype: 'float64' })))).toBeInstanceOf(DTypeError);
  });
});

describe('select, maskedSelect, nonzero, take', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  test('select drops the dim and shares storage; negative counts from the end', () => {
    expect(select(x, 1, -1).toArray()).toEqual([3, 6]);
    expect(x.select(0, 1).buffer).toBe(x.buffer);
    expect(thrownBy(() => x.select(0, 2))).toBeInstanceOf(IndexError);
  });
  test('maskedSelect broadcasts the mask; nonzero gives int32 coordinates; take reads the flat elements', () => {
    expect(maskedSelect(x, tensor([true, false, true])).toArray()).toEqual([1, 3, 4, 6]);
    expect(nonzero(x.gt(3)).toArray()).toEqual([[1, 0], [1, 1], [1, 2]]);
    expect(x.gt(3).nonzero().dtype).toBe('int32');
    expect(nonzero(tensor([0, 0])).shape).toEqual([0, 1]);
    expect(take(x, tensor([[0, -1]], { dtype: 'int32' })).toArray()).toEqual([[1, 6]]);
    expect(x.take([5, 0]).toArray()).toEqual([6, 1]);
    const g = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expect(gradcheck((t) => t.maskedSelect(tensor([true, false, true])).pow(2), [g]).ok).toBe(true);
    expect(gradcheck((t) => t.take([1, 1, 4]).pow(2), [g]).ok).toBe(true);
  });
  test('bad indexing expressions are IndexErrors (or DTypeErrors) that say what is wrong', () => {
    expect(thrownBy(() => x.index(0, 0, 0)).message).toBe('index: too many indices for a tensor of dimension 2 (shape [2,3]): 3 given');
    expect(thrownBy(() => x.index(2)).message).toMatch(/^index: index 2 is out of range for dim 0 of size 2/);
    expect(thrownBy(() => x.index([0, 2])).message).toBe('index: index 2 is out of bounds for dim 0 with size 2');
    expect(thrownBy(() => x.index(tensor([true, false, true])))).toBeInstanceOf(IndexError);
    expect(thrownBy(() => x.index(tensor([0])))).toBeInstanceOf(DTypeError);
    expect(thrownBy(() => x.index('...', '...'))).toBeInstanceOf(IndexError);
    expect(thrownBy(() => x.index(0.5))).toBeInstanceOf(IndexError);
    expect(thrownBy(() => x.index('a' as never))).toBeInstanceOf(IndexError);
    expect(thrownBy(() => slice(0, 4, -1))).toBeInstanceOf(IndexError);
    expect(x.index().toArray()).toEqual(x.toArray());
    expect(x.index(slice(null, null, 2), [true, false, true]).toArray()).toEqual([[1, 3]]);
  });
});
