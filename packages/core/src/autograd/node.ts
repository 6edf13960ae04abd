import { isFloating } from '../dtype.js';
import { AutogradError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { forwardActive, propagateTangents, type JvpFn } from './forward.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * The gradient rule of one op: given ∂L/∂out, return ∂L/∂input for each input (null where an
 * input needs none). Rules are written with tensor ops, so with `createGraph` the backward pass is
 * itself recorded and can be differentiated again.
 */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** A tensor a rule reads at backward time, with its buffer's version when the op ran. */
interface Saved {
  readonly tensor: Tensor;
  readonly version: number;
  /** How the error names it: `input 0`, `output`. */
  readonly role: string;
}

/** A node of the tape: the op that made a tensor, its inputs and its gradient rule. */
export class GradNode {
  private readonly saved: readonly Saved[];

  constructor(
    /** Printed as `grad_fn=<name>`, e.g. `MulBackward`. */
    readonly name: string,
    readonly inputs: readonly Tensor[],
    /** Null once a backward pass without `retainGraph` has freed it. */
    public backward: BackwardFn | null,
    saved: readonly Tensor[] = [],
    output?: Tensor,
  ) {
    this.saved = saved.map((tensor) => {
      const i = inputs.indexOf(tensor);
      const role = i >= 0 ? `input ${i}` : tensor === output ? 'output' : 'a saved tensor';
      return { tensor, version: tensor.buffer.version, role };
    });
  }

  /**
   * What the gradient rule keeps to read at backward time (PyTorch's `_saved_*` attributes): each
   * saved tensor's role (`input 0`, `output`), shape and dtype. When a pass without `retainGraph`
   * frees the rule, they go with it.
   */
  get savedTensors(): readonly { role: string; shape: readonly number[]; dtype: Tensor['dtype'] }[] {
    return this.saved.map(({ tensor, role }) => ({ role, shape: tensor.shape, dtype: tensor.dtype }));
  }

  /**
   * Throws when a tensor the rule reads was written in place after the op ran (its buffer's
   * version moved on): the rule would compute with the new values and return a wrong gradient
   * without a word. PyTorch's "modified by an inplace operation".
   */
  checkSaved(): void {
    for (const { tensor, version, role } of this.saved) {
      if (tensor.buffer.version === version) continue;
      throw new AutogradError(
        this.name,
        `one of the tensors needed for the gradient has been modified by an inplace operation: ${role} of ${this.name}, ` +
          `a ${tensor.dtype} tensor of shape ${fmtShape(tensor.shape)}, is at version ${tensor.buffer.version}; expected version ${version}. ` +
          'Write into a clone() instead, or after backward()',
      );
    }
  }
}

/**
 * Puts `out` on the tape when recording is on, some input requires a gradient and `out` is a
 * float tensor (integer and bool results — comparisons, indices — carry no gradient). Every op
 * calls this right after its forward kernel, passing its gradient rule (the VJP), the tensors that
 * rule reads (`undefined`: every input and the output; a rule that reads fewer says so, so that
 * writing in place into what it does not read stays allowed, as in PyTorch) and its tangent rule
 * (the JVP), which runs at once when a dual level is open and an input has a tangent. The
 * tangent rule is a required argument, so an op without one does not compile; only `defineOp`
 * passes null, for a user's op defined without `jvp`.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: BackwardFn, saved: readonly Tensor[] | undefined, jvp: JvpFn | null): Tensor {
  if (isGradEnabled() && isFloating(out.dtype) && inputs.some((t) => t.requiresGrad)) {
    out.setGradFn(new GradNode(name, inputs, backward, saved ?? [...inputs, out], out));
  }
  if (forwardActive()) propagateTangents(out, name, inputs, jvp);
  return out;
}
