/**
 * Argument checks shared by the losses. Every message starts with the loss's own name (the
 * `op` of the typed error), so a bad target reads `crossEntropy: target class 12 is out of range
 * for 10 classes`, never as an error from gather or sub inside it.
 */
import { DTypeError, ShapeError, Tensor, ValueError, fmtShape, isFloating } from '@tensorgrad/core';

/** A value as a message shows it: strings quoted, objects by kind. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Tensor) return `a tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

interface NumberBounds {
  /** The smallest allowed value (inclusive). */
  min?: number;
  /** Values must exceed `min` strictly. */
  exclusive?: boolean;
  max?: number;
  integer?: boolean;
}

/** A finite number option within bounds, or a ValueError naming the option. */
export function numberOption(op: string, name: string, value: unknown, bounds: NumberBounds = {}): number {
  const { min = -Infinity, exclusive = false, max = Infinity, integer = false } = bounds;
  const inside = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min) && value <= max
    && (!integer || Number.isInteger(value));
  if (inside) return value;
  const kind = integer ? 'an integer' : 'a finite number';
  const range = [
    Number.isFinite(min) ? `${exclusive ? '>' : '≥'} ${min}` : '',
    Number.isFinite(max) ? `≤ ${max}` : '',
  ].filter((s) => s !== '').join(' and ');
  throw new ValueError(op, `${name} must be ${kind}${range === '' ? '' : ` ${range}`}, got ${describe(value)}`);
}

/** A boolean option, or a ValueError naming it. */
export function booleanOption(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ValueError(op, `${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** A tensor argument or option, or a ValueError naming it. */
export function tensorArg(op: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new ValueError(op, `${name} must be a tensor, got ${describe(value)}`);
  return value;
}

/** The loss's input: a float tensor. */
export function floatInput(op: string, input: unknown, name = 'input'): Tensor {
  const x = tensorArg(op, name, input);
  if (!isFloating(x.dtype)) throw new DTypeError(op, `${name} must be float32 or float64, got ${x.dtype}`);
  return x;
}

/** A float tensor of the input's dtype (a target, a weight): float32 and float64 do not mix. */
export function sameFloat(op: string, name: string, value: unknown, input: Tensor): Tensor {
  const t = tensorArg(op, name, value);
  if (t.dtype !== input.dtype) throw new DTypeError(op, `${name} must have the input's dtype ${input.dtype}, got ${t.dtype}`);
  return t;
}

export function sameShape(op: string, input: Tensor, target: Tensor, names = ['input', 'target']): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(op, `${names[0]} ${fmtShape(input.shape)} and ${names[1]} ${fmtShape(target.shape)} must have the same shape`);
  }
}

/** An element-wise loss's (input, target): float tensors of one dtype and one shape. */
export function elementwisePair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = floatInput(op, input);
  const t = sameFloat(op, 'target', target, x);
  sameShape(op, x, t);
  return [x, t];
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A per-element weight that broadcasts to `shape` without changing it (trailing dims equal or 1). */
export function broadcastWeight(op: string, name: string, value: unknown, input: Tensor, hint = ''): Tensor {
  const w = sameFloat(op, name, value, input);
  const s = input.shape;
  const fits = w.ndim <= s.length && w.shape.every((d, i) => d === 1 || d === s[s.length - w.ndim + i]);
  if (!fits) throw new ShapeError(op, `${name} ${fmtShape(w.shape)} must broadcast to the input ${fmtShape(s)}${hint}`);
  return w;
}
