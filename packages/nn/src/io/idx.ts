import { checkOptions, fmtShape, ValueError } from '@tensorgrad/core';
import { constants, gunzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { readFileChecked, readFilePrefix } from './files.js';

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

/** What an IDX header says: the type, the shape, and how many bytes the whole (inflated) file has. */
export interface IdxHeader {
  dtype: IdxArray['dtype'];
  shape: number[];
  bytes: number;
}

export interface ReadIdxOptions {
  /** The most bytes the (inflated) file may have; a header promising more is refused before any data is read. Default 1 GiB. */
  maxBytes?: number;
}

/** The default cap: MNIST's largest file is 47 MB; a header that promises gigabytes is a broken or hostile file. */
const MAX_IDX_BYTES = 2 ** 30;
/** The longest header: the magic number and up to 255 dimension sizes. */
const MAX_HEADER_BYTES = 4 + 4 * 255;
/** Compressed bytes read to find the header of a .gz file: at most ~1032 times as many come out (deflate's limit), a few MB. */
const GZIP_HEADER_PREFIX = 4096;

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * The header of an IDX file (raw or .gz) without reading its data: for a .gz file only the first
 * few KB are inflated, so a gzip bomb is caught by what its header claims (and checked against
 * a companion file, as `mnist` does) before anything large is allocated.
 */
export function readIdxHeader(path: string): IdxHeader {
  const { gzip: _, ...header } = headerOf(path);
  return header;
}

function headerOf(path: string): IdxHeader & { gzip: boolean } {
  const head = readFilePrefix('readIdx', path, GZIP_HEADER_PREFIX);
  let bytes: Uint8Array = head;
  if (isGzip(head)) {
    try {
      // Z_SYNC_FLUSH: inflate what this prefix holds without asking for the rest of the stream.
      bytes = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 2 * 1032 * GZIP_HEADER_PREFIX }).subarray(0, MAX_HEADER_BYTES);
    } catch (e) {
      throw new FormatError('readIdx', path, `corrupt gzip data at its start (${(e as Error).message})`);
    }
  }
  return { ...parseHeader(bytes, path, true), gzip: isGzip(head) };
}

/**
 * Reads an IDX file (raw or .gz, detected from its bytes), validating magic, dims and length. The
 * header is read first: a file whose header promises more than `maxBytes` is refused, and a .gz
 * file is inflated with its output capped at exactly what the header promises.
 */
export function readIdx(path: string, options: ReadIdxOptions = {}): IdxArray {
  const { maxBytes = MAX_IDX_BYTES } = checkOptions('readIdx', options, ['maxBytes'], '{ maxBytes: 2 ** 30 }');
  if (!(maxBytes > 0)) throw new ValueError('readIdx', `maxBytes must be a positive number, got ${String(maxBytes)}`);
  const header = headerOf(path);
  if (header.bytes > maxBytes) {
    throw new FormatError('readIdx', path, `its header promises ${fmtShape(header.shape)} ${header.dtype} (${header.bytes} bytes), more than the ${maxBytes} allowed; a corrupt header, or pass { maxBytes }`);
  }
  let raw: Uint8Array = readFileChecked('readIdx', path, maxBytes);
  if (header.gzip) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: header.bytes });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
      throw new FormatError('readIdx', path, tooLarge
        ? `inflates to more than the ${header.bytes} bytes its header promises (${fmtShape(header.shape)} ${header.dtype})`
        : `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(raw, path);
}

/** The header of `buf` (magic, type, dims); `partial` when `buf` may stop after the header. */
function parseHeader(buf: Uint8Array, source: string, partial = false): IdxHeader {
  const fail = (msg: string): never => {
    throw new FormatError('readIdx', source, msg);
  };
  if (buf.length < 4) fail(`file is ${buf.length} bytes, too short for the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) fail(`bad magic number: first two bytes are ${buf[0]}, ${buf[1]}, expected 0, 0 (not an IDX file?)`);
  const type = TYPES[buf[2] as keyof typeof TYPES];
  if (type === undefined) fail(`unknown data type code 0x${buf[2].toString(16)}`);
  const ndim = buf[3];
  if (ndim === 0) fail('zero dimensions');
  if (buf.length < 4 + 4 * ndim) fail(`file ends inside the ${ndim} dimension sizes${partial ? ' (or its gzip stream does)' : ''}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { dtype: type.name, shape, bytes: 4 + 4 * ndim + shape.reduce((a, b) => a * b, 1) * type.bytes };
}

export function parseIdx(buf: Uint8Array, source = '<bytes>'): IdxArray {
  const fail = (msg: string): never => {
    throw new FormatError('readIdx', source, msg);
  };
  const { shape, bytes: expected } = parseHeader(buf, source);
  const type = TYPES[buf[2] as keyof typeof TYPES];
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * shape.length;
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
