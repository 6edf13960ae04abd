import { Tensor, ValueError, tensor, fmtShape, type DType } from '@tensorgrad/core';
import { asStateDict } from '../module.js';
import { FormatError } from '../errors.js';
import type { StateDict } from '../module.js';
import { readFileChecked, writeFileAtomic } from './files.js';

/**
 * The safetensors format (the one PyTorch checkpoints on the Hugging Face hub use):
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {str: str} }
 *   rest      the tensors' bytes, little-endian, row-major; offsets are relative to this section
 * We write F32, F64, I32 and BOOL, one per dtype. We read those, and two integer types PyTorch
 * writes: I64 (PyTorch's default integer, e.g. `num_batches_tracked`), read as int32 when every
 * value fits and a FormatError naming the tensor when one does not, and U8, read as int32.
 * Anything else is a FormatError naming the dtype.
 */

interface SafeType {
  readonly bytes: number;
  readonly dtype: DType;
  /** The elements of `bytes` (a fresh, aligned copy in this machine's order) in `dtype`'s array; `fail` reports a value that does not fit. */
  readonly read: (bytes: Uint8Array, fail: (msg: string) => never) => ArrayLike<number>;
}

const DTYPES: Readonly<Record<string, SafeType>> = {
  F32: { bytes: 4, dtype: 'float32', read: (b) => new Float32Array(b.buffer, b.byteOffset, b.length / 4) },
  F64: { bytes: 8, dtype: 'float64', read: (b) => new Float64Array(b.buffer, b.byteOffset, b.length / 8) },
  I32: { bytes: 4, dtype: 'int32', read: (b) => new Int32Array(b.buffer, b.byteOffset, b.length / 4) },
  BOOL: { bytes: 1, dtype: 'bool', read: (b) => b },
  U8: { bytes: 1, dtype: 'int32', read: (b) => b },
  I64: { bytes: 8, dtype: 'int32', read: readInt64 },
};
/** What each dtype is written as. */
const WRITTEN: { readonly [D in DType]: string } = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const MAX_HEADER = 100_000_000; // the reference implementation's limit

export interface SafetensorsFile {
  tensors: StateDict;
  metadata: Record<string, string>;
}

/** Little-endian bytes of a float array (this machine's order is checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toBytes(t: Tensor): Uint8Array {
  const data = t.data;
  const bytes = new Uint8Array(data.slice().buffer); // a copy of just this tensor's elements
  if (!LITTLE_ENDIAN) swapBytes(bytes, data.BYTES_PER_ELEMENT);
  return bytes;
}

/** I64 values as int32: exact, or `fail` naming the first value outside int32. */
function readInt64(b: Uint8Array, fail: (msg: string) => never): Int32Array {
  const v = new BigInt64Array(b.buffer, b.byteOffset, b.length / 8);
  const out = new Int32Array(v.length);
  for (let i = 0; i < out.length; i++) {
    if (v[i] < -2147483648n || v[i] > 2147483647n) fail(`I64 value ${v[i]} at element ${i} does not fit int32, the dtype I64 is read as`);
    out[i] = Number(v[i]);
  }
  return out;
}

function swapBytes(b: Uint8Array, width: number): void {
  for (let i = 0; i < b.length; i += width) b.subarray(i, i + width).reverse();
}

/**
 * Saves tensors (and string metadata) atomically: a crash mid-save leaves any old file intact.
 * What `load` would reject is rejected here, before anything is written: metadata values that are
 * not strings, a tensor named `__metadata__`, a value that is not a Tensor. A plain object of
 * tensors is accepted as well as a Map. File-system failures are FileErrors naming the path.
 */
export function save(path: string, tensorsIn: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, metadata: Record<string, string> = {}): void {
  const tensors = asStateDict('save', tensorsIn);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValueError('save', `metadata must be an object of strings, got ${String(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new ValueError('save', `metadata ${JSON.stringify(k)} is ${typeof v} ${JSON.stringify(v)}; safetensors metadata maps strings to strings (write String(${JSON.stringify(v)}))`);
    }
  }
  if (tensors.has('__metadata__')) throw new ValueError('save', 'a tensor cannot be named __metadata__: the format reserves that name for the metadata');
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = toBytes(t);
    header[name] = { dtype: WRITTEN[t.dtype], shape: [...t.shape], data_offsets: [at, at + bytes.length] };
    chunks.push(bytes);
    at += bytes.length;
  }
  // Pad the header with spaces to a multiple of 8 so the data section is aligned (as the reference writer does).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const lenBytes = new Uint8Array(8);
  new DataView(lenBytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  writeFileAtomic(path, [lenBytes, headerBytes, ...chunks], 'save');
}

/** Loads a safetensors file; a truncated or inconsistent file is a FormatError, never a crash. */
export function loadFile(path: string): SafetensorsFile {
  return parse(readFileChecked('load', path), path);
}

/** Loads a safetensors file as a state dict (name → Tensor). */
export function load(path: string): StateDict {
  return loadFile(path).tensors;
}

/** Parses safetensors bytes (exported for in-memory use); `source` names them in errors. */
export function parse(buf: Uint8Array, source = '<bytes>'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new FormatError('load', source, msg);
  };
  if (buf.length < 8) fail(`file is ${buf.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is over the format's limit of ${MAX_HEADER} bytes (a corrupt length, or not a safetensors file)`);
  if (n > BigInt(buf.length - 8)) fail(`header length ${n} exceeds the file (${buf.length} bytes)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const data = buf.subarray(8 + headerLen);
  const tensors: StateDict = new Map();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail('__metadata__ must map strings to strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor ${name}: entry is not an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPES, e.dtype)) {
      fail(`tensor ${name}: unsupported dtype ${JSON.stringify(e.dtype)} (expected one of ${Object.keys(DTYPES).join(', ')})`);
    }
    const dt = DTYPES[e.dtype as string];
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of sizes`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      fail(`tensor ${name}: data_offsets ${JSON.stringify(offs)} must be two non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > data.length) fail(`tensor ${name}: data_offsets [${begin}, ${end}] lie outside the ${data.length}-byte data section (truncated file?)`);
    if (end - begin !== size * dt.bytes) fail(`tensor ${name}: shape ${fmtShape((shape as number[]))} of ${e.dtype} needs ${size * dt.bytes} bytes, data_offsets give ${end - begin}`);
    spans.push([begin, end, name]);
    const bytes = new Uint8Array(end - begin); // a copy, aligned for the typed array
    bytes.set(data.subarray(begin, end));
    if (!LITTLE_ENDIAN) swapBytes(bytes, dt.bytes);
    const values = dt.read(bytes, (msg) => fail(`tensor ${name}: ${msg}`));
    tensors.set(name, tensor(values, { shape: shape as number[], dtype: dt.dtype }));
  }
  // Tensors must tile the data section without overlaps or holes (the format's own rule).
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at) fail(`tensor ${name}: data starts at byte ${begin}, expected ${at} (overlap or hole in the data section)`);
    at = end;
  }
  if (at !== data.length) fail(`data section is ${data.length} bytes but the tensors cover ${at}`);
  return { tensors, metadata };
}

