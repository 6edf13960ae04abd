import { allocate, checkDType, DEFAULT_DTYPE, type DType, type Storage } from './dtype.js';
import { ShapeError, ValueError, fmtShape } from './errors.js';
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

/** Accepts `zeros(2, 3)`, `zeros([2, 3])` and `zeros([2, 3], { dtype })`, as PyTorch does. */
export type ShapeArgs<O = TensorOptions> = number[] | [readonly number[]] | [readonly number[], O | undefined];

function finish(storage: Storage, shape: Shape, opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(storage, shape);
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

const TENSOR_OPTIONS = ['dtype', 'requiresGrad'] as const;
const RANDOM_OPTIONS = ['dtype', 'requiresGrad', 'generator'] as const;

function filled(op: string, shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  checkOptions(op, opts, TENSOR_OPTIONS, "{ dtype: 'float64' }");
  const dtype = checkDType(op, opts?.dtype ?? DEFAULT_DTYPE);
  const s = allocate(dtype, sizeOf(checkShape(op, shape)), op);
  if (value !== 0) s.fill(value);
  return finish(s, shape, opts);
}

function parseShapeArgs<O>(args: ShapeArgs<O>): [number[], O | undefined] {
  if (Array.isArray(args[0])) return [[...(args[0] as readonly number[])], args[1] as O | undefined];
  return [args as number[], undefined];
}

/**
 * Makes a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`), a number (a 0-d tensor) or a
 * typed array plus `shape`. The data is copied.
 */
export function tensor(data: NestedArray | ArrayLike<number>, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  checkOptions('tensor', opts, [...TENSOR_OPTIONS, 'shape'], '{ shape: [2, 3] }');
  const dtype = checkDType('tensor', opts.dtype ?? (data instanceof Float64Array ? 'float64' : DEFAULT_DTYPE));
  if (typeof data === 'number') {
    const s = allocate(dtype, 1);
    s[0] = data;
    return finish(s, [], opts);
  }
  if (!Array.isArray(data)) {
    const flat = data as ArrayLike<number>;
    const shape = checkShape('tensor', opts.shape ?? [flat.length]);
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got ${flat.length}`);
    }
    const s = allocate(dtype, flat.length);
    s.set(flat);
    return finish(s, shape, opts);
  }
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const s = allocate(dtype, sizeOf(shape));
  let at = 0;
  const fill = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new ShapeError('tensor', `ragged nested array: expected a number at [${path}], got an array`);
      s[at++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError('tensor', `ragged nested array: expected length ${shape[dim]} at [${path}], got ${Array.isArray(v) ? v.length : 'a number'}`);
    }
    v.forEach((x, i) => fill(x, dim + 1, [...path, i]));
  };
  fill(data, 0, []);
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

export function full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  return filled('full', shape, value, opts);
}

export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return filled('zerosLike', t.shape, 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return filled('onesLike', t.shape, 1, { dtype: t.dtype, ...opts });
}

export function fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
  return filled('fullLike', t.shape, value, { dtype: t.dtype, ...opts });
}

/** `start, start+step, …` up to but excluding `end` (`arange(5)` is 0…4). */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError('arange', `${name} must be a finite number, got ${describe(v)}`);
  }
  if (step === 0) throw new ValueError('arange', 'step must be non-zero');
  checkOptions('arange', opts, TENSOR_OPTIONS);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkShape('arange', [n]);
  const s = allocate(checkDType('arange', opts?.dtype ?? DEFAULT_DTYPE), n, 'arange');
  for (let i = 0; i < n; i++) s[i] = start + i * step;
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

function randomFill(op: string, shape: readonly number[], opts: RandomOptions | undefined, draw: (g: Generator) => number): Tensor {
  checkOptions(op, opts, RANDOM_OPTIONS, '{ generator: new Generator(0) }');
  const g = opts?.generator ?? defaultGenerator;
  const s = allocate(checkDType(op, opts?.dtype ?? DEFAULT_DTYPE), sizeOf(checkShape(op, shape)), op);
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

/** Uniform integers in [low, high), stored as floats (tensorgrad has no integer dtype). */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError('randint', `need integers low < high, got low=${low}, high=${high}`);
  }
  return randomFill('randint', shape, opts, (g) => g.integer(low, high));
}

/** Uniform samples from [0, 1) in the shape and dtype of `t`. */
export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts });
}

/** Normal samples in the shape and dtype of `t`. */
export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts });
}
