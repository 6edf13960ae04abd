import { fmtShape } from '@tensorgrad/core';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { readFileChecked } from './files.js';

/**
 * The IDX format of MNIST: two zero bytes, a type code, the number of dims, each dim as a
 * big-endian uint32, then the data (big-endian for multi-byte types). Files may be gzipped.
 */
const TYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: (typeof TYPES)[keyof typeof TYPES]['name'];
  shape: number[];
  data: IdxData;
}

/** Reads an IDX file (raw or .gz, detected from its bytes), validating magic, dims and length. */
export function readIdx(path: string): IdxArray {
  let raw = readFileChecked('readIdx', path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new FormatError('readIdx', path, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(raw, path);
}

export function parseIdx(buf: Uint8Array, source = '<bytes>'): IdxArray {
  const fail = (msg: string): never => {
    throw new FormatError('readIdx', source, msg);
  };
  if (buf.length < 4) fail(`file is ${buf.length} bytes, too short for the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) fail(`bad magic number: first two bytes are ${buf[0]}, ${buf[1]}, expected 0, 0 (not an IDX file?)`);
  const type = TYPES[buf[2] as keyof typeof TYPES];
  if (type === undefined) fail(`unknown data type code 0x${buf[2].toString(16)}`);
  const ndim = buf[3];
  if (ndim === 0) fail('zero dimensions');
  if (buf.length < 4 + 4 * ndim) fail(`file ends inside the ${ndim} dimension sizes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  const expected = start + count * type.bytes;
  if (buf.length !== expected) {
    fail(`dims ${fmtShape(shape)} of ${type.name} need ${expected} bytes, the file has ${buf.length}${buf.length < expected ? ' (truncated?)' : ''}`);
  }
  const body = new Uint8Array(expected - start); // an aligned copy (a Buffer's slice would share its pool)
  body.set(buf.subarray(start, expected));
  const dv = new DataView(body.buffer);
  let data: IdxData;
  switch (type.name) {
    case 'uint8': data = body; break;
    case 'int8': data = new Int8Array(body.buffer); break;
    case 'int16': data = Int16Array.from({ length: count }, (_, i) => dv.getInt16(2 * i, false)); break;
    case 'int32': data = Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, false)); break;
    case 'float32': data = Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i, false)); break;
    case 'float64': data = Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, false)); break;
  }
  return { dtype: type.name, shape, data };
}
