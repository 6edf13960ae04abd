import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import { Adam, FormatError, Linear, load, loadFile, mseLoss, parseSafetensors, save, writeFileAtomic } from '../src/index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const ref = JSON.parse(readFileSync(new URL('pytorch.json', fixtures), 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'tensorgrad-'));

/** A state dict of random names, shapes and dtypes. */
const stateDicts = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_.]{0,12}$/), { minLength: 0, maxLength: 5 }).chain((names) =>
  fc.tuple(...names.map((n) => fc.tuple(fc.constant(n), arb.tensor({ shape: arb.shape({ minSide: 0 }), dtype: 'float32' }), fc.boolean())))
    .map((entries) => new Map(entries.map(([n, t, dbl]) => [n, dbl ? t.double() : t] as [string, Tensor]))),
);

describe('safetensors', () => {
  test('loads a file PyTorch wrote (F32, F64, a scalar, an empty tensor, metadata)', () => {
    const { tensors, metadata } = loadFile(new URL('torch_written.safetensors', fixtures).pathname);
    expect(metadata).toEqual({ format: 'pt', made_by: 'make_fixtures.py' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(ref.safetensors).sort());
    for (const [k, e] of Object.entries(ref.safetensors as Record<string, { shape: number[]; values: number[] }>)) {
      const t = tensors.get(k)!;
      expect(t.shape).toEqual(e.shape);
      expect(Array.from(t.data)).toEqual(e.values.map((v) => (t.dtype === 'float32' ? Math.fround(v) : v)));
    }
    expect(tensors.get('scalar')!.dtype).toBe('float64');
  });

  test('our writer produces the committed file byte for byte (which PyTorch read back: make_fixtures.py)', () => {
    const dir = tmp();
    save(join(dir, 'x.safetensors'), new Map([
      ['weight', tensor([[1, 2], [3, 4]])],
      ['bias', tensor([0.5, -0.5], { dtype: 'float64' })],
    ]), { epoch: '3' });
    expect(readFileSync(join(dir, 'x.safetensors'))).toEqual(readFileSync(new URL('tensorgrad_written.safetensors', fixtures)));
  });

  test('save → load round-trips any state dict (property)', () => {
    const dir = tmp();
    fc.assert(fc.property(stateDicts, fc.dictionary(fc.string(), fc.string()), (sd, meta) => {
      const path = join(dir, 'rt.safetensors');
      save(path, sd, meta);
      const back = loadFile(path);
      expect(back.metadata).toEqual(Object.keys(meta).length ? meta : {});
      expect([...back.tensors.keys()].sort()).toEqual([...sd.keys()].sort());
      for (const [k, t] of sd) {
        const u = back.tensors.get(k)!;
        expect(u.dtype).toBe(t.dtype);
        expect(u.shape).toEqual(t.shape);
        expect(Array.from(u.data)).toEqual(Array.from(t.data));
      }
    }), { numRuns: 50 });
  });

  test('corrupt files always give a FormatError, never another crash (fuzzed)', () => {
    const good = readFileSync(new URL('torch_written.safetensors', fixtures));
    const mutations = fc.oneof(
      fc.integer({ min: 0, max: good.length - 1 }).map((n) => (b: Buffer) => b.subarray(0, n)),
      fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => (b: Buffer) => {
        const c = Buffer.from(b);
        c[i % c.length] = v;
        return c;
      }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => (b: Buffer) => {
        const c = Buffer.from(b);
        c.writeBigUInt64LE(n, 0);
        return c;
      }),
      fc.string().map((s) => (b: Buffer) => {
        const json = Buffer.from(s);
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(json.length));
        return Buffer.concat([len, json, b.subarray(8)]);
      }),
    );
    fc.assert(fc.property(mutations, (mutate) => {
      try {
        parseSafetensors(mutate(good), 'fuzz.safetensors');
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        expect((e as Error).message).toMatch(/^load: fuzz\.safetensors: /);
      }
    }), { numRuns: 500 });
  });

  test('int32 and bool tensors round-trip as I32 and BOOL; I64 and U8 (as PyTorch writes them) read as int32', () => {
    const dir = tmp();
    const sd = new Map<string, Tensor>([['n', tensor([-(2 ** 31), 0, 2 ** 31 - 1], { dtype: 'int32' })], ['m', tensor([[true, false], [false, true]])]]);
    save(join(dir, 'ints.safetensors'), sd);
    const back = load(join(dir, 'ints.safetensors'));
    for (const [k, t] of sd) {
      expect(back.get(k)!.dtype).toBe(t.dtype);
      expect(back.get(k)!.toArray()).toEqual(t.toArray());
    }
    const headerLen = Number(readFileSync(join(dir, 'ints.safetensors')).readBigUInt64LE(0));
    const header = JSON.parse(readFileSync(join(dir, 'ints.safetensors')).subarray(8, 8 + headerLen).toString());
    expect([header.n.dtype, header.m.dtype]).toEqual(['I32', 'BOOL']);
    // A file as PyTorch writes num_batches_tracked (I64) and uint8 images (U8).
    const file = (dtype: string, shape: number[], data: Buffer) => {
      const json = Buffer.from(JSON.stringify({ t: { dtype, shape, data_offsets: [0, data.length] } }));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, json, data]);
    };
    const i64 = (vs: bigint[]) => Buffer.from(new BigInt64Array(vs).buffer);
    const t64 = parseSafetensors(file('I64', [3], i64([5n, -7n, 2147483647n]))).tensors.get('t')!;
    expect([t64.dtype, t64.toArray()]).toEqual(['int32', [5, -7, 2147483647]]);
    expect(() => parseSafetensors(file('I64', [2], i64([1n, 2147483648n])), 'big.safetensors'))
      .toThrow('load: big.safetensors: tensor t: I64 value 2147483648 at element 1 does not fit int32, the dtype I64 is read as');
    const u8 = parseSafetensors(file('U8', [2], Buffer.from([0, 255]))).tensors.get('t')!;
    expect([u8.dtype, u8.toArray()]).toEqual(['int32', [0, 255]]);
    expect(parseSafetensors(file('BOOL', [2], Buffer.from([0, 1]))).tensors.get('t')!.toArray()).toEqual([false, true]);
  });

  test('specific lies are named: truncated data, bad offsets, unknown dtype', () => {
    const good = readFileSync(new URL('torch_written.safetensors', fixtures));
    expect(() => parseSafetensors(good.subarray(0, good.length - 4), 'f')).toThrow(/outside the .*data section \(truncated file\?\)|data section is/);
    const header = (h: object) => {
      const json = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, json, Buffer.alloc(16)]);
    };
    expect(() => parseSafetensors(header({ a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }), 'f')).toThrow('load: f: tensor a: unsupported dtype "BF16" (expected one of F32, F64, I32, BOOL, U8, I64)');
    expect(() => parseSafetensors(header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }), 'f')).toThrow(/needs 12 bytes, data_offsets give 16/);
    expect(() => parseSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }), 'f')).toThrow(/overlap or hole/);
    expect(() => load('/nonexistent/x.safetensors')).toThrow(FormatError);
  });

  test('an interrupted write leaves the old file intact and no temp file behind', () => {
    const dir = tmp();
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    // The second chunk is not bytes: the write fails midway, as a crash would.
    expect(() => writeFileAtomic(path, [new Uint8Array([1, 2, 3]), { length: 5 } as Uint8Array])).toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old contents');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});

test('optimizer state goes through a checkpoint and training resumes exactly', () => {
  const dir = tmp();
  const X = tensor([[1, 2], [3, 4], [5, 6]]);
  const Y = tensor([[1], [0], [1]]);
  const train = (lin: Linear, opt: Adam, steps: number) => {
    for (let i = 0; i < steps; i++) {
      opt.zeroGrad();
      mseLoss(lin.forward(X), Y).backward();
      opt.step();
    }
  };
  const a = new Linear(2, 1);
  const b = new Linear(2, 1);
  b.loadStateDict(a.stateDict());
  const optA = new Adam(a.parameters(), { lr: 0.05 });
  train(a, optA, 6);

  const optB = new Adam(b.parameters(), { lr: 0.05 });
  train(b, optB, 3);
  save(join(dir, 'model.safetensors'), b.stateDict());
  save(join(dir, 'optim.safetensors'), optB.stateDict());
  const c = new Linear(2, 1);
  const optC = new Adam(c.parameters(), { lr: 0.9 });
  c.loadStateDict(load(join(dir, 'model.safetensors')));
  optC.loadStateDict(load(join(dir, 'optim.safetensors')));
  expect(optC.lr).toBe(0.05);
  train(c, optC, 3);
  expect(c.weight.toArray()).toEqual(a.weight.toArray());
  expect(c.bias!.toArray()).toEqual(a.bias!.toArray());
});
