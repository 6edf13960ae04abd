import { AutogradError, DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { record } from './node.js';

/** What a custom op's `backward` gets besides ∂L/∂out (PyTorch's `ctx`). */
export interface OpContext<S> {
  /** The tensors the op was called with (the originals, so a rule built from them is itself differentiable). */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  /** Whatever `forward` returned as `saved` (undefined when it returned a bare tensor). */
  readonly saved: S;
}

/** `forward`'s result: the output, or the output and values to keep for `backward`. */
export type ForwardResult<S> = Tensor | { output: Tensor; saved: S };

export interface OpDefinition<S = undefined> {
  /** The op's name: the tape shows `grad_fn=<NameBackward>`. */
  name: string;
  /** Computes the output from the inputs. It runs without recording: the op is one node on the tape. */
  forward: (...inputs: Tensor[]) => ForwardResult<S>;
  /**
   * ∂L/∂input for each input from ∂L/∂out (`gradOutput`, the output's shape): one entry per input,
   * of that input's shape, or null for an input that gets none. Written with tensor ops, the rule
   * is recorded under `createGraph`, so higher derivatives work.
   */
  backward: (gradOutput: Tensor, ctx: OpContext<S>) => readonly (Tensor | null)[];
  /**
   * The tangent rule for forward mode (optional): ∂out = Σᵢ ∂out/∂inputᵢ · tangentᵢ from the
   * inputs' tangents (null for an input without one), of the output's shape and dtype. Written with
   * tensor ops. Without it, forward mode (`jvp`, `jacfwd`, `hessian`, `makeDual`) stops at this op
   * with an error naming it.
   */
  jvp?: (tangents: readonly (Tensor | null)[], ctx: OpContext<S>) => Tensor;
}

/**
 * Defines a differentiable op from a forward computation and its gradient rule, the counterpart
 * of PyTorch's `torch.autograd.Function`. Returns a function to call like any op:
 *
 *   const cube = defineOp({
 *     name: 'Cube',
 *     forward: (x) => x.mul(x).mul(x),
 *     backward: (g, { inputs: [x] }) => [g.mul(x.mul(x)).mul(3)],   // d(x³)/dx = 3x²
 *   });
 *   cube(x).backward();   // x.grad = 3x²; gradcheck(cube, [x]) verifies the rule
 *
 * Mistakes in the rule's shape are caught where they happen: a backward that returns the wrong
 * number of gradients, or one of the wrong shape or dtype, is an error naming the op.
 */
export function defineOp<S = undefined>(definition: OpDefinition<S>): (...inputs: Tensor[]) => Tensor {
  const { name, forward, backward, jvp } = checkOptions('defineOp', definition, ['name', 'forward', 'backward', 'jvp'], "{ name: 'Cube', forward, backward, jvp }");
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueError('defineOp', `name must be an identifier such as 'Cube', got ${JSON.stringify(name)}`);
  if (typeof forward !== 'function' || typeof backward !== 'function') throw new ValueError('defineOp', `${name}: forward and backward must be functions`);
  if (jvp !== undefined && typeof jvp !== 'function') throw new ValueError('defineOp', `${name}: jvp must be a function when given`);
  const op = name;
  const apply = (...inputs: Tensor[]): Tensor => {
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError(op, `input ${i} is not a tensor (${typeof t}); wrap numbers with tensor()`);
    });
    const result = noGrad(() => forward(...inputs.map((t) => t.detach())));
    const [out, saved] = result instanceof Tensor ? [result, undefined as S] : [result?.output, result?.saved as S];
    if (!(out instanceof Tensor)) throw new ValueError(op, 'forward must return a tensor, or { output, saved }');
    // A fresh tensor, so that the tape entry belongs to this op even when forward returned an input.
    const output = out.detach();
    return record(output, `${name}Backward`, inputs, (g) => {
      const grads = backward(g, { inputs, output, saved });
      if (!Array.isArray(grads) || grads.length !== inputs.length) {
        throw new AutogradError(`${name}Backward`, `backward returned ${Array.isArray(grads) ? grads.length : typeof grads} gradients for ${inputs.length} inputs; return one per input (null where none)`);
      }
      return grads.map((gi, i) => {
        if (gi === null || gi === undefined) return null;
        if (!(gi instanceof Tensor)) throw new AutogradError(`${name}Backward`, `gradient ${i} is not a tensor`);
        if (!sameShape(gi.shape, inputs[i].shape)) {
          throw new ShapeError(`${name}Backward`, `gradient ${i} has shape ${fmtShape(gi.shape)}, but input ${i} has shape ${fmtShape(inputs[i].shape)}`);
        }
        // A float32 gradient for a float64 input would silently lose precision downstream (and the
        // engine would then add float32 to float64): name the op instead.
        if (gi.dtype !== inputs[i].dtype) {
          throw new DTypeError(`${name}Backward`, `gradient ${i} has dtype ${gi.dtype}, but input ${i} has dtype ${inputs[i].dtype}; convert it with .to('${inputs[i].dtype}')`);
        }
        return gi;
      });
    }, undefined, jvp === undefined ? null : (tangents) => {
      const t = jvp(tangents, { inputs, output, saved });
      if (!(t instanceof Tensor)) throw new AutogradError(`${name}Backward`, `jvp returned ${typeof t}, not a tensor`);
      if (!sameShape(t.shape, output.shape)) {
        throw new ShapeError(`${name}Backward`, `jvp returned a tangent of shape ${fmtShape(t.shape)}, but the output has shape ${fmtShape(output.shape)}`);
      }
      if (t.dtype !== output.dtype) {
        throw new DTypeError(`${name}Backward`, `jvp returned a ${t.dtype} tangent, but the output is ${output.dtype}; convert it with .to('${output.dtype}')`);
      }
      return t;
    });
  };
  Object.defineProperty(apply, 'name', { value: name });
  return apply;
}
