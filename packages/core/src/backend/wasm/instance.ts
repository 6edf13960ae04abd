import type { DeviceData } from '../buffer.js';
import { PLAIN_MODULE, SHARED_MODULE } from './module.generated.js';

/** The exports of kernels.wat (pointers are byte addresses into `memory`). */
export interface WasmKernels {
  /** Writes the constant table the exp/log/sigmoid loops load (at byte 64, below `ARENA_BASE`). */
  init(): void;
  pack_a(a: number, ars: number, acs: number, m: number, k: number, ap: number, i0: number, i1: number): void;
  pack_b(b: number, rs: number, cs: number, k: number, n: number, dst: number, j0: number, j1: number): void;
  gemm(ap: number, bp: number, k: number, n8: number, c: number, i0: number, i1: number, j0: number, j1: number, bias: number): void;
  unary(op: number, x: number, out: number, n: number, lo: number, hi: number): void;
  binary(op: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
  sum_rows(x: number, rows: number, len: number, acc: number): void;
  sum_inner(x: number, rows: number, len: number, out: number): void;
  demote(acc: number, out: number, n: number): void;
  adam(p: number, g: number, m: number, v: number, vmax: number, n: number, b1: number, c1: number, b2: number, c2: number, wd: number,
    decay: number, decoupled: number, eps: number, stepSize: number, bc2: number): void;
  image_minor(x: number, images: number, chw: number, out: number, g0: number, g1: number): void;
  conv_windows(geo: number, q0: number, q1: number, chunk: number): void;
  conv_input_grad(geo: number, g0: number, g1: number, chunk: number): void;
  rows_minor(src: number, images: number, rows: number, L: number, dst: number, g0: number, g1: number): void;
  conv_weight_rows(geo: number, q0: number, q1: number, chunk: number): void;
  max_pool(x: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number,
    dh: number, dw: number, oh: number, ow: number, values: number, indices: number): void;
  gather_rows(x: number, index: number, rows: number, len: number, size: number, out: number): void;
  scatter_add_rows(src: number, index: number, rows: number, len: number, size: number, out: number): void;
}

// The part of the WebAssembly JavaScript API used here, typed locally: TypeScript declares it only
// in its "dom" library, which a Node package does not load.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
/** A compiled module (opaque here; worker threads instantiate it again). */
export type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export interface WasmInstance {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly kernels: WasmKernels;
  /** Whether the memory is a SharedArrayBuffer that worker threads can run kernels on. */
  readonly shared: boolean;
}

/** 64 KiB pages; 32768 pages (2 GiB) is the maximum kernels.wat declares. */
const PAGE = 65536;
const MAX_BYTES = 32768 * PAGE;
/** Bytes 64…1023 hold kernels.wat's constant table (`init`, 464 bytes today); the heap starts above it. */
const ARENA_BASE = 1024;

function decode(base64: string): Uint8Array {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

let instance: WasmInstance | null = null;
let supported: boolean | null = null;

/** Whether this engine runs WebAssembly with SIMD (Node 16.4+, every current browser). */
export function wasmSupported(): boolean {
  supported ??= WA !== undefined && WA.validate(decode(PLAIN_MODULE));
  return supported;
}

/**
 * The module, instantiated once on first use. The memory is shared when the engine allows it
 * (Node always; a browser page only when cross-origin isolated), so worker threads can run kernels
 * on the same bytes; otherwise it is plain and everything runs on the calling thread.
 */
export function wasm(): WasmInstance {
  if (instance !== null) return instance;
  if (WA === undefined || !wasmSupported()) throw new Error('tensorgrad: this engine has no WebAssembly SIMD');
  let memory: WasmMemory, bytes: Uint8Array, shared: boolean;
  try {
    memory = new WA.Memory({ initial: 256, maximum: MAX_BYTES / PAGE, shared: true });
    bytes = decode(SHARED_MODULE);
    shared = true;
  } catch {
    memory = new WA.Memory({ initial: 256, maximum: MAX_BYTES / PAGE });
    bytes = decode(PLAIN_MODULE);
    shared = false;
  }
  const module = new WA.Module(bytes);
  const kernels = new WA.Instance(module, { env: { memory } }).exports as WasmKernels;
  // Once, here: worker threads instantiate the module on the same memory but never call it.
  kernels.init();
  instance = { module, memory, kernels, shared };
  return instance;
}

/**
 * The module's memory above the constant table, as a heap of 64-byte-aligned blocks in
 * power-of-two size classes: a freed block goes on its class's free list and the next request of
 * that class takes it back, so a training loop, which asks for the same sizes every step, stops
 * growing the memory after its first step. Blocks carry 64 bytes of slack at the end, so kernels
 * may read and write whole vectors past an operand's last element. Only the main thread allocates.
 */
export class Heap {
  private top = ARENA_BASE;
  private readonly free = new Map<number, number[]>();
  private inUse = 0;

  /** Bytes of blocks handed out and not yet released (what tests watch to see memory freed). */
  bytesInUse(): number {
    return this.inUse;
  }

  /** The class (block size in bytes) that holds `bytes` of data plus the vector slack. */
  static sizeClass(bytes: number): number {
    return Math.max(256, 2 ** Math.ceil(Math.log2(bytes + 64)));
  }

  /** Whether `bytes` more could be allocated without passing the memory's maximum. */
  canAlloc(bytes: number): boolean {
    const size = Heap.sizeClass(bytes);
    return (this.free.get(size)?.length ?? 0) > 0 || this.top + size <= MAX_BYTES;
  }

  /** A block of at least `bytes` bytes; returns its byte address (never 0: the kernels read 0 as "none"). */
  alloc(bytes: number): number {
    const size = Heap.sizeClass(bytes);
    this.inUse += size;
    const reuse = this.free.get(size)?.pop();
    if (reuse !== undefined) return reuse;
    const at = this.top;
    this.top += size;
    const { memory } = wasm();
    if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / PAGE));
    return at;
  }

  release(at: number, bytes: number): void {
    const size = Heap.sizeClass(bytes);
    this.inUse -= size;
    const list = this.free.get(size);
    if (list === undefined) this.free.set(size, [at]);
    else list.push(at);
  }
}

export const heap = new Heap();

/** A Float32Array over `length` elements at byte address `at` (valid until the memory grows). */
export function f32At(at: number, length: number): Float32Array {
  return new Float32Array(wasm().memory.buffer, at, length);
}

// Node's Buffer, typed locally (this package does not load Node's types into the browser build).
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;

/**
 * A fresh Float32Array for a kernel's result, to be overwritten whole by `copyToHost`. In Node its
 * memory is not zeroed (`Buffer.allocUnsafeSlow`): zeroing is as much memory traffic as the copy
 * itself. One element per 4 KiB page is written here, so the page faults of fresh memory (the
 * allocator maps new pages for large arrays) happen now: a matmul asks for its result while its
 * workers compute, instead of after. `node benchmarks/copy-out.mjs` measures both ways (results in
 * benchmarks/README.md, "Where the constants come from").
 */
export function hostArray(length: number): Float32Array {
  if (NodeBuffer === undefined || length < 1024) return new Float32Array(length);
  const bytes = NodeBuffer.allocUnsafeSlow(4 * length);
  const out = new Float32Array(bytes.buffer, bytes.byteOffset, length);
  for (let i = 0; i < length; i += 1024) out[i] = 0;
  return out;
}

/**
 * The `length` elements at byte address `at`, copied into `out` (a fresh `hostArray` unless given).
 * Not `slice()` of a view: from a shared memory that copies at a third of memcpy speed.
 */
export function copyToHost(at: number, length: number, out = hostArray(length)): Float32Array {
  out.set(f32At(at, length));
  return out;
}

/**
 * A tensor's elements living in the module's memory: the wasm backend's "device". Kernels read
 * and write them where they are; the CPU gets a copy (`download`) only when it asks for the
 * elements. The block goes back to the heap when its buffer drops it or is garbage-collected.
 */
export class WasmBlock implements DeviceData {
  readonly backend = 'wasm';
  private released = false;

  /** `capacity` floats of room (at least `length`: a kernel may write padding rows past the elements). */
  constructor(readonly at: number, readonly length: number, private readonly capacity = length) {}

  static alloc(length: number, capacity = length): WasmBlock {
    return new WasmBlock(heap.alloc(capacity * 4), length, capacity);
  }

  /** A new block holding a copy of `elements`. */
  static holding(elements: Float32Array): WasmBlock {
    const block = WasmBlock.alloc(elements.length);
    f32At(block.at, elements.length).set(elements);
    return block;
  }

  download(): Float32Array {
    return copyToHost(this.at, this.length);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heap.release(this.at, this.capacity * 4);
  }
}

/**
 * Scratch space for one kernel call, from the heap: operands copied in, packed panels, partial
 * results. `reset` at the start of the next call gives the previous call's blocks back.
 */
export class Arena {
  private blocks: [number, number][] = [];

  reset(): this {
    for (const [at, bytes] of this.blocks) heap.release(at, bytes);
    this.blocks = [];
    return this;
  }

  /** Whether one kernel call that allocates `floats` float32s in all (as one block or several) can have them. */
  fits(floats: number): boolean {
    return heap.canAlloc(floats * 4 + 8 * 128);
  }

  /** Reserves `count` elements of `bytesPer` bytes; returns the byte address. */
  alloc(count: number, bytesPer = 4): number {
    const bytes = Math.max(count * bytesPer, 1);
    const at = heap.alloc(bytes);
    this.blocks.push([at, bytes]);
    return at;
  }

  /** Copies `src` in and returns its address. */
  put(src: Float32Array): number {
    const at = this.alloc(src.length);
    this.f32(at, src.length).set(src);
    return at;
  }

  f32(at: number, length: number): Float32Array {
    return f32At(at, length);
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(wasm().memory.buffer, at, length);
  }
}
