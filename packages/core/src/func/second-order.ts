import { ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { jacfwd, jvp } from './forward.js';
import { grad, jacrev, type Fn, type TransformOptions } from './reverse.js';

/**
 * Second derivatives by forward over reverse: reverse mode gives the gradient in one pass, and
 * forward mode differentiates that whole computation (f's ops and the backward pass's) once per
 * direction, the tangents riding through the gradient rules.
 */

/**
 * The Hessian ∂²f/∂x² (`torch.func.hessian`): `jacfwd(jacrev(f))`, shape `[...out.shape,
 * ...x.shape, ...x.shape]` (for a scalar f of one tensor, `[...x.shape, ...x.shape]`).
 */
export function hessian(f: Fn, options: Pick<TransformOptions, 'argnums'> = {}): (...args: unknown[]) => unknown {
  const op = 'func.hessian';
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  for (const k of Object.keys(options)) if (k !== 'argnums') throw new ValueError(op, `unknown option '${k}'; expected argnums`);
  return jacfwd(jacrev(f, options), options);
}

/**
 * `[f(x), H·v]`, the Hessian-vector product of a scalar f at primals x along tangents v (arrays,
 * one entry per argument, as `func.jvp`), without forming H: one forward-over-reverse pass,
 * `jvp(grad(f))`. The result holds one product per argument of f.
 */
export function hvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown] {
  const op = 'func.hvp';
  if (typeof f !== 'function') throw new ValueError(op, `expected a function, got ${typeof f}`);
  if (!Array.isArray(primals) || primals.length === 0) throw new ValueError(op, 'primals must be a non-empty array (one entry per argument of f)');
  const argnums = primals.map((_, i) => i);
  let value: unknown;
  const gradient = grad((...args: never[]) => {
    const y = (f as (...a: unknown[]) => unknown)(...args);
    value = y;
    return y;
  }, { argnums });
  const [, product] = jvp(gradient as Fn, primals, tangents);
  // f's value as computed inside the transforms: its elements, cut from their private tape.
  return [value instanceof Tensor ? value.detach() : value, product];
}
