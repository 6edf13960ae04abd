// What plain-JavaScript callers and unlucky file systems do to nn: unknown option keys, numbers
// where options belong, save/load disagreements, directories in the way, planted symlinks and the
// temp files a killed process leaves. Every case is a typed error naming what to fix.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { TensorgradError, ValueError, tensor, zeros } from '@tensorgrad/core';
import { thrownBy } from '@tensorgrad/core/testing';
import {
  Adam, AdamW, DataLoader, FileError, Linear, SGD, StateDictError, TensorDataset, binaryCrossEntropy, init, load, loadFile, mnist, mseLoss,
  parseSafetensors, readIdx, removeStaleTempFiles, save, writeFileAtomic,
} from '../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tensorgrad-robust-'));


describe('options are checked at run time', () => {
  const params = () => new Linear(2, 2).parameters();
  test('the issue\'s cases: batch_size, a positional learning rate, mnist({ train }) and mnist(\'train\')', () => {
    const ds = new TensorDataset(zeros([4, 2]));
    expect(() => new DataLoader(ds, { batch_size: 64 } as never)).toThrow('DataLoader: unknown option "batch_size"; did you mean batchSize?');
    expect(() => new Adam(params(), 0.1 as never)).toThrow('Adam: expected an options object such as { lr: 0.001 }, got 0.1');
    expect(() => new AdamW(params(), 0.1 as never)).toThrow(/^AdamW: expected an options object/);
    expect(() => new SGD(params(), 0.1 as never)).toThrow('SGD: expected an options object such as { lr: 0.1 }, got 0.1');
    expect(() => mnist({ train: false } as never)).toThrow(/^mnist: unknown option "train" .*valid options: split, dir/);
    expect(() => mnist('train' as never)).toThrow(`mnist: expected an options object such as { split: 'test' }, got "train"`);
    expect(() => mnist({ split: 'validation' as never })).toThrow(`mnist: split must be 'train' or 'test', got "validation"`);
  });
  test('layers, losses and initialisers', () => {
    expect(() => new Linear(2, 3, { biases: false } as never)).toThrow('Linear: unknown option "biases"; did you mean bias?');
    expect(() => mseLoss(zeros([2]), zeros([2]), { reduce: 'sum' } as never)).toThrow(/^mseLoss: unknown option "reduce"; did you mean reduction\?/);
    expect(() => binaryCrossEntropy(zeros([2]), zeros([2]), 'sum' as never)).toThrow(/^binaryCrossEntropy: expected an options object/);
    expect(() => init.kaimingUniform(zeros([2, 2]), { mode: 'fan_in' } as never)).toThrow(/^kaimingUniform: unknown option "mode"/);
    expect(() => init.normal(zeros([2]), 0, 1, { seed: 1 } as never)).toThrow(/^normal: unknown option "seed"/);
  });
  test('an optimizer without parameters or with a learning rate that is not a number says so', () => {
    expect(() => new Adam(undefined as never)).toThrow('Adam: expected the parameters to optimise (e.g. model.parameters()), got undefined');
    expect(() => new Adam(params(), { lr: '0.1' as never })).toThrow('Adam: invalid learning rate "0.1"; expected a number ≥ 0');
  });
  test('random option objects: unknown keys are always ValueErrors, valid ones always work', () => {
    const valid = ['batchSize', 'shuffle', 'dropLast', 'generator'];
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 12 }), (key) => {
      fc.pre(key !== '__proto__');
      const ds = new TensorDataset(zeros([4, 2]));
      if (valid.includes(key)) return;
      const e = thrownBy(() => new DataLoader(ds, { [key]: 2 } as never));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toContain(`unknown option ${JSON.stringify(key)}`);
    }));
    expect(new DataLoader(new TensorDataset(zeros([4, 2])), { batchSize: 2 }).length).toBe(2);
  });
  test('loadStateDict takes a plain object as well as a Map, and says what it needs otherwise', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    b.loadStateDict(Object.fromEntries(a.stateDict()));
    expect(b.weight.toArray()).toEqual(a.weight.toArray());
    expect(() => b.loadStateDict([1, 2] as never)).toThrow(StateDictError);
    expect(() => b.loadStateDict({ weight: [[1, 2], [3, 4]] } as never)).toThrow('loadStateDict: weight: expected a Tensor, got object');
    const opt = new Adam(a.parameters());
    expect(() => opt.loadStateDict(Object.fromEntries(opt.stateDict()))).not.toThrow();
  });
});

describe('save rejects what load would reject, before writing anything', () => {
  test('metadata that is not a string, a tensor named __metadata__, a value that is not a tensor', () => {
    const dir = tmp();
    const path = join(dir, 'm.safetensors');
    expect(() => save(path, new Map([['w', zeros([2])]]), { epoch: 3 } as never)).toThrow(
      'save: metadata "epoch" is number 3; safetensors metadata maps strings to strings (write String(3))');
    expect(() => save(path, new Map([['__metadata__', zeros([2])]]))).toThrow(/^save: a tensor cannot be named __metadata__/);
    expect(() => save(path, { w: [1, 2] } as never)).toThrow(StateDictError);
    expect(readdirSync(dir)).toEqual([]);
  });
  test('whatever save accepts, load reads back (random metadata strings and names)', () => {
    const dir = tmp();
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }), fc.string({ minLength: 1, maxLength: 10 }), (metadata, name) => {
      fc.pre(name !== '__metadata__' && name !== '__proto__' && !Object.keys(metadata).includes('__proto__'));
      const path = join(dir, 'r.safetensors');
      save(path, new Map([[name, tensor([1, 2])]]), metadata);
      const back = loadFile(path);
      expect(back.metadata).toEqual(Object.keys(metadata).length ? metadata : {});
      expect([...back.tensors.keys()]).toEqual([name]);
    }), { numRuns: 30 });
  });
  test('a plain object of tensors saves like a Map', () => {
    const path = join(tmp(), 'o.safetensors');
    save(path, { w: tensor([1, 2]) });
    expect(load(path).get('w')!.toArray()).toEqual([1, 2]);
  });
});

describe('file-system failures are FileErrors naming the file and what to do; nothing is left behind', () => {
  test('a missing directory', () => {
    const dir = tmp();
    const e = thrownBy(() => save(join(dir, 'nope', 'm.safetensors'), new Map([['w', zeros([2])]])));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toBe(`save: ${join(dir, 'nope', 'm.safetensors')}: its directory does not exist; create it first`);
    expect((e as FileError).code).toBe('ENOENT');
  });
  test('a directory where the file should go: the directory is untouched, no temp file stays', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors', 'keep'), 'x');
    const e = thrownBy(() => save(join(dir, 'model.safetensors'), new Map([['w', zeros([2])]])));
    expect(e).toBeInstanceOf(FileError);
    expect(e.message).toMatch(/model\.safetensors: is a directory; remove or rename it, or choose another path$/);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(join(dir, 'model.safetensors', 'keep'), 'utf8')).toBe('x');
  });
  test('a symlink at the target is replaced, never written through', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'victim'), 'precious');
    symlinkSync(join(dir, 'victim'), join(dir, 'out.bin'));
    writeFileAtomic(join(dir, 'out.bin'), [new Uint8Array([1, 2, 3])]);
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'out.bin')).isSymbolicLink()).toBe(false);
    expect([...readFileSync(join(dir, 'out.bin'))]).toEqual([1, 2, 3]);
  });
  test('a symlink planted at the temp file\'s name is never followed: the write fails, its target is untouched', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'victim'), 'precious');
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0.5); // the temp name's random part becomes "i"
    try {
      symlinkSync(join(dir, 'victim'), join(dir, `.out.bin.${process.pid}.i.tmp`));
      const e = thrownBy(() => writeFileAtomic(join(dir, 'out.bin'), [new Uint8Array([1])]));
      expect(e).toBeInstanceOf(FileError);
      expect(e.message).toMatch(/a file is in the way of the temporary file this write needs; remove it$/);
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('precious');
    expect(readdirSync(dir).includes('out.bin')).toBe(false);
  });
  test('removeStaleTempFiles removes the temp files of dead processes only', () => {
    const dir = tmp();
    const dead = `.model.safetensors.999999999.abc123.tmp`;
    const live = `.model.safetensors.${process.pid}.def456.tmp`;
    for (const n of [dead, live, 'model.safetensors', '.hidden.tmp']) writeFileSync(join(dir, n), '');
    expect(removeStaleTempFiles(dir)).toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual([live, '.hidden.tmp', 'model.safetensors'].sort());
    expect(removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });
  test('every error here is a TensorgradError', () => {
    expect(new FileError('save', '/x', 'y')).toBeInstanceOf(TensorgradError);
  });
});

describe('hostile files: every read is bounded, special files are refused, gzip bombs are caught by their headers', () => {
  const idx = (shape: number[], body: Uint8Array): Buffer => {
    const head = Buffer.alloc(4 + 4 * shape.length);
    head[2] = 0x08;
    head[3] = shape.length;
    shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, body]);
  };
  test('a FIFO, /dev/zero and a link to /dev/zero are refused before any read (a FIFO would block forever)', () => {
    const dir = tmp();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('/dev/zero', join(dir, 'zero-link'));
    for (const [path, kind] of [[join(dir, 'fifo'), 'a named pipe'], ['/dev/zero', 'a device'], [join(dir, 'zero-link'), 'a device']]) {
      expect(() => readIdx(path)).toThrow(`readIdx: ${path}: cannot read: ${kind}`);
      expect(() => load(path)).toThrow(`load: ${path}: cannot read: ${kind}`);
    }
    expect(() => load(dir)).toThrow(`load: ${dir}: cannot read: a directory, not a regular file`);
  });
  test('a .gz whose header claims 2.7M images is refused from its header; one that inflates past its header is stopped there', () => {
    const dir = tmp();
    // The header promises 2.7M 28×28 images (2.1 GB): refused before inflating, whatever follows.
    writeFileSync(join(dir, 'liar.gz'), gzipSync(idx([2_700_000, 28, 28], new Uint8Array(1000))));
    expect(() => readIdx(join(dir, 'liar.gz'))).toThrow(/its header promises \[2700000,28,28\] uint8 \(2116800016 bytes\), more than the 1073741824 allowed/);
    // A bomb: the header promises 10 images, the stream inflates to 64 MB of zeros.
    writeFileSync(join(dir, 'bomb.gz'), gzipSync(idx([10, 28, 28], new Uint8Array(64 * 2 ** 20)), { level: 9 }));
    expect(() => readIdx(join(dir, 'bomb.gz'))).toThrow(/inflates to more than the 7856 bytes its header promises \(\[10,28,28\] uint8\)/);
    // mnist() compares the two headers before reading either file's data.
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([2_700_000, 28, 28], new Uint8Array(100))));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([60_000], new Uint8Array(60_000)));
    expect(() => mnist({ dir })).toThrow(`mnist: ${dir}: 2700000 images but 60000 labels`);
  });
  test('an unreadable directory says so instead of "no such file"', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    // A path through a regular file fails with ENOTDIR for every user, root included.
    expect(() => mnist({ dir: join(dir, 'file') })).toThrow(`mnist: ${join(dir, 'file')}: cannot read: a part of the path is a file, not a directory`);
  });
  test('safetensors: a header over the format\'s limit, a dtype named __proto__ and an array as __metadata__ are named as such', () => {
    const file = (n: bigint, json = '') => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(n);
      return Buffer.concat([len, Buffer.from(json)]);
    };
    expect(() => parseSafetensors(file(200_000_000n), 'f')).toThrow("load: f: header length 200000000 is over the format's limit of 100000000 bytes");
    const h = (o: object) => { const j = JSON.stringify(o); return file(BigInt(Buffer.byteLength(j)), j); };
    expect(() => parseSafetensors(h({ a: { dtype: '__proto__', shape: [1], data_offsets: [0, 4] } }), 'f')).toThrow('load: f: tensor a: unsupported dtype "__proto__"');
    expect(() => parseSafetensors(h({ __metadata__: ['a'] }), 'f')).toThrow('load: f: __metadata__ must map strings to strings');
  });
});
