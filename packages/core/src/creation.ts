import { allocate, checkDType, DEFAULT_DTYPE, isFloating, toElement, type DType, type Storage } from './dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';
import { checkOptions } from './options.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkShape, describe, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  /** Where the random numbers come from (default: the global generator seeded by `manualSeed`). */
  generator?: Generator;
}

/** Accepts `zeros(2, 3)`, `zeros([2, 3])`, `zeros([2, 3], { dtype })` and `zeros(2, 3, { dtype })`, as PyTorch does. */
export type ShapeArgs<O = TensorOptions> = number[] | [readonly number[]] | [readonly number[], O | undefined] | [...number[], O];

function finish(storage: Storage, shape: Shape, opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(storage, shape);
  if (opts?.requiresGrad) t.requiresGrad = true; // an error for int32 and bool, named by the setter
  return t;
}

const TENSOR_OPTIONS = ['dtype', 'requiresGrad'] as const;
const RANDOM_OPTIONS = ['dtype', 'requiresGrad', 'generator'] as const;

function filled(op: string, shape: readonly number[], value: number | boolean, opts?: TensorOptions): Tensor {
  checkOptions(op, opts, TENSOR_OPTIONS, "{ dtype: 'float64' }");
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new ValueError(op, `the fill value must be a number or a boolean, got ${describe(value)}`);
  const dtype = checkDType(op, opts?.dtype ?? (typeof value === 'boolean' ? 'bool' : DEFAULT_DTYPE));
  const s = allocate(dtype, sizeOf(checkShape(op, shape)), op);
  const v = toElement(dtype, Number(value));
  if (v !== 0) s.fill(v);
  return finish(s, shape, opts);
}

function parseShapeArgs<O>(args: ShapeArgs<O>): [number[], O | undefined] {
  if (Array.isArray(args[0])) return [[...(args[0] as readonly number[])], args[1] as O | undefined];
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null) return [args.slice(0, -1) as number[], last as O];
  return [args as number[], undefined];
}

/** The most dims a tensor made from nested arrays may have (PyTorch's limit too). */
const MAX_NDIM = 64;

/** The dtype a typed array holds, where it says one: Float64Array is float64, Int32Array int32. */
function typedArrayDType(data: ArrayLike<number>): DType | null {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return null;
}

/**
 * Makes a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`), a number or boolean (a 0-d
 * tensor) or a typed array plus `shape`. The data is copied. The dtype, unless `dtype` says:
 * float32 for numbers (JavaScript cannot tell 1 from 1.0), bool when every element is a boolean,
 * the typed array's own for Float64Array (float64) and Int32Array (int32); a Uint8Array is
 * numbers unless `{ dtype: 'bool' }` is asked for. Values are converted as PyTorch converts them
 * (to int32 toward zero, to bool non-zero is true).
 */
export function tensor(data: NestedArray | ArrayLike<number>, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  const opts = checkOptions('tensor', options, [...TENSOR_OPTIONS, 'shape'], '{ shape: [2, 3] }');
  if (opts.dtype !== undefined) checkDType('tensor', opts.dtype);
  if (typeof data === 'number' || typeof data === 'boolean') {
    const dtype = opts.dtype ?? (typeof data === 'boolean' ? 'bool' : DEFAULT_DTYPE);
    const s = allocate(dtype, 1);
    s[0] = toElement(dtype, Number(data));
    return finish(s, [], opts);
  }
  if (typeof data === 'bigint' || data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new DTypeError('tensor', 'BigInt data is not supported (there is no int64 dtype); convert to numbers, e.g. Int32Array.from(big, Number)');
  }
  if (ArrayBuffer.isView(data) && !Array.isArray(data)) {
    const flat = data as ArrayLike<number>;
    const dtype = opts.dtype ?? typedArrayDType(flat) ?? DEFAULT_DTYPE;
    const shape = checkShape('tensor', opts.shape ?? [flat.length]);
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got ${flat.length}`);
    }
    const s = allocate(dtype, flat.length);
    if (dtype === 'bool') for (let i = 0; i < flat.length; i++) s[i] = toElement('bool', flat[i]);
    else s.set(flat);
    return finish(s, shape, opts);
  }
  if (!Array.isArray(data)) throw new ValueError('tensor', `expected a number, a boolean, nested arrays of them or a typed array, got ${describe(data)}`);
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (shape.length > MAX_NDIM) throw new ShapeError('tensor', `nested arrays more than ${MAX_NDIM} deep; a tensor has at most ${MAX_NDIM} dims`);
    if (level.length === 0) break;
  }
  checkShape('tensor', shape);
  const values = new Float64Array(sizeOf(shape));
  let at = 0, booleans = 0;
  // Iterative walk (no recursion): each stack entry is an array and the dim it sits at.
  const stack: [unknown[], number, number][] = [[data, 0, 0]];
  const path = (): string => `[${stack.map((e) => e[2] - 1).join(',')}]`;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [arr, dim] = top;
    if (top[2] === arr.length) {
      stack.pop();
      continue;
    }
    const i = top[2]++;
    if (!(i in arr)) throw new ValueError('tensor', `the array at ${path()} has a hole (a sparse array such as [1, , 3]); every element must be given`);
    const v = arr[i];
    if (dim + 1 < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[dim + 1]) {
        throw new ShapeError('tensor', `ragged nested array: expected length ${shape[dim + 1]} at ${path()}, got ${Array.isArray(v) ? v.length : describe(v)}`);
      }
      stack.push([v, dim + 1, 0]);
    } else if (typeof v === 'number') {
      values[at++] = v;
    } else if (typeof v === 'boolean') {
      values[at++] = v ? 1 : 0;
      booleans++;
    } else {
      throw new ValueError('tensor', `expected a number or a boolean at ${path()}, got ${Array.isArray(v) ? 'an array (ragged nesting)' : describe(v)}`);
    }
  }
  const dtype = opts.dtype ?? (booleans > 0 && booleans === values.length ? 'bool' : DEFAULT_DTYPE);
  const s = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) s[i] = toElement(dtype, values[i]);
  if (opts.shape === undefined) return finish(s, shape, opts);
  const target = checkShape('tensor', opts.shape);
  if (sizeOf(target) !== s.length) {
    throw new ShapeError('tensor', `shape ${fmtShape(target)} needs ${sizeOf(target)} elements, got ${s.length}`);
  }
  return finish(s, target, opts);
}

export function zeros(...args: ShapeArgs): Tensor {
  const [shape, opts] = parseShapeArgs(args);
  return filled('zeros', shape, 0, opts);
}

export function ones(...args: ShapeArgs): Tensor {
  const [shape, opts] = parseShapeArgs(args);
  return filled('ones', shape, 1, opts);
}

/** A tensor of `value`: float32 for a number, bool for a boolean, unless `dtype` says. */
export function full(shape: readonly number[], value: number | boolean, opts?: TensorOptions): Tensor {
  return filled('full', shape, value, opts);
}

export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return filled('zerosLike', t.shape, 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return filled('onesLike', t.shape, 1, { dtype: t.dtype, ...opts });
}

export function fullLike(t: Tensor, value: number | boolean, opts?: TensorOptions): Tensor {
  return filled('fullLike', t.shape, value, { dtype: t.dtype, ...opts });
}

/**
 * `start, start+step, …` up to but excluding `end`: `arange(5)` is 0…4, `arange(2, 8, 2)`
 * is 2, 4, 6. Float32 unless `dtype` says (`arange(5, { dtype: 'int32' })`): the options object
 * may follow any number of the numbers.
 */
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const last = args[args.length - 1];
  const opts = typeof last === 'object' || (last === undefined && args.length > 0) ? (args.pop() as TensorOptions | undefined) : undefined;
  if (args.length < 1 || args.length > 3) throw new ValueError('arange', `takes (end), (start, end) or (start, end, step), then options; got ${args.length} numbers`);
  let [start, end, step = 1] = args as (number | undefined)[];
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError('arange', `${name} must be a finite number, got ${describe(v)}`);
  }
  if (step === 0) throw new ValueError('arange', 'step must be non-zero');
  checkOptions('arange', opts, TENSOR_OPTIONS);
  const n = Math.max(0, Math.ceil((end! - start!) / step));
  checkShape('arange', [n]);
  const dtype = checkDType('arange', opts?.dtype ?? DEFAULT_DTYPE);
  const s = allocate(dtype, n, 'arange');
  for (let i = 0; i < n; i++) s[i] = toElement(dtype, start! + i * step);
  return finish(s, [n], opts);
}

/** `steps` evenly spaced values from `start` to `end`, both included. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError('linspace', `steps must be a non-negative integer, got ${describe(steps)}`);
  checkShape('linspace', [steps]);
  checkOptions('linspace', opts, TENSOR_OPTIONS);
  const s = allocate(checkDType('linspace', opts?.dtype ?? DEFAULT_DTYPE), steps, 'linspace');
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) s[i] = i === steps - 1 && steps > 1 ? end : start + i * h;
  return finish(s, [steps], opts);
}

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m = n, opts?: TensorOptions): Tensor {
  const t = filled('eye', [n, m], 0, opts);
  const d = t.mutableData();
  for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  return t;
}

function randomFill(op: string, shape: readonly number[], opts: RandomOptions | undefined, draw: (g: Generator) => number, dtype: DType = DEFAULT_DTYPE): Tensor {
  checkOptions(op, opts, RANDOM_OPTIONS, '{ generator: new Generator(0) }');
  const g = opts?.generator ?? defaultGenerator;
  const dt = checkDType(op, opts?.dtype ?? dtype);
  if (dtype !== 'int32' && !isFloating(dt)) throw new DTypeError(op, `draws floats, so the dtype must be float32 or float64, got ${dt}; use randint for integers`);
  const s = allocate(dt, sizeOf(checkShape(op, shape)), op);
  for (let i = 0; i < s.length; i++) s[i] = draw(g);
  return finish(s, shape, opts);
}

/** Uniform samples from [0, 1): `rand(2, 3)`, `rand([2, 3])`, `rand([2, 3], { generator })`. */
export function rand(...args: ShapeArgs<RandomOptions>): Tensor {
  const [shape, opts] = parseShapeArgs(args);
  return randomFill('rand', shape, opts, (g) => g.random());
}

/** Standard normal samples N(0, 1): `randn(2, 3)`, `randn([2, 3])`, `randn([2, 3], { generator })`. */
export function randn(...args: ShapeArgs<RandomOptions>): Tensor {
  const [shape, opts] = parseShapeArgs(args);
  return randomFill('randn', shape, opts, (g) => g.normal());
}

/** Uniform integers in [low, high), int32 unless `dtype` says. */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || low < -(2 ** 31) || high > 2 ** 31) {
    throw new ValueError('randint', `need int32 integers low < high, got low=${low}, high=${high}`);
  }
  return randomFill('randint', shape, opts, (g) => g.integer(low, high), 'int32');
}

/**
 * A random permutation of 0 … n−1 (int32 unless `dtype` says), by Fisher–Yates: each of the n!
 * orders equally likely, from the generator's draws.
 */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  checkOptions('randperm', opts, RANDOM_OPTIONS, '{ generator: new Generator(0) }');
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new ValueError('randperm', `n must be a non-negative integer, got ${describe(n)}`);
  const g = opts?.generator ?? defaultGenerator;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const dt = checkDType('randperm', opts?.dtype ?? 'int32');
  const s = allocate(dt, n, 'randperm');
  s.set(order);
  return finish(s, [n], opts);
}

/** Uniform samples from [0, 1) in the shape and dtype of `t`. */
export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts });
}

/** Normal samples in the shape and dtype of `t`. */
export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts });
}
