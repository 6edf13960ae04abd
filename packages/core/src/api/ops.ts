import { TensorgradError } from '../errors.js';
import { argumentChecker, type Param } from './args.js';
import * as raw from './raw.js';
import { SIGNATURES } from './signatures.js';

/**
 * The public ops: each op of `raw.ts` behind the argument check of its `SIGNATURES` entry. This is
 * the layer every user call goes through, the functions (`add(x, y)`) and the Tensor methods
 * (`x.add(y)`) alike; the ops call each other directly, past it.
 *
 * Errors name the op the user called: an error thrown from inside (an op built from others, such
 * as `softmax` from `logSoftmax`) is rethrown under the outer op's name, same class, the original
 * as its `cause`.
 */

type Raw = typeof raw;
type OpName = keyof typeof SIGNATURES;
// The table and the ops are one set of names: a new op without a signature (or a signature
// without an op) does not compile.
type Missing = Exclude<keyof Raw, OpName> | Exclude<OpName, keyof Raw>;
const complete: [Missing] extends [never] ? true : { missing: Missing } = true;
void complete;

/** How deep in public calls we are: only the outermost one checks and relabels. */
let depth = 0;

/** An error an inner op threw, under the name of the op the user called (other errors, such as an environment variable's, as they are). */
function relabel(op: string, e: unknown): unknown {
  if (!(e instanceof TensorgradError) || e.op === op || !Object.hasOwn(SIGNATURES, e.op)) return e;
  const Class = e.constructor as new (op: string, message: string) => TensorgradError;
  const out = new Class(op, e.message.slice(e.op.length + 2));
  (out as { cause?: unknown }).cause = e;
  return out;
}

type AnyFn = (...args: unknown[]) => unknown;

function checked(op: string, params: readonly Param[], fn: AnyFn): AnyFn {
  const check = argumentChecker(op, params);
  const wrapped = (...args: unknown[]): unknown => {
    if (depth > 0) return fn(...args);
    check(args);
    depth++;
    try {
      return fn(...args);
    } catch (e) {
      throw relabel(op, e);
    } finally {
      depth--;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: op });
  return wrapped;
}

export const ops = Object.fromEntries(
  (Object.keys(SIGNATURES) as OpName[]).map((op) => [op, checked(op, SIGNATURES[op] as readonly Param[], raw[op] as unknown as AnyFn)]),
) as { readonly [K in OpName]: Raw[K] };
