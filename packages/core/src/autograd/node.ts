import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * The gradient rule of one op: given ∂L/∂out, return ∂L/∂input for each input (null where an
 * input needs none). Rules are written with tensor ops, so with `createGraph` the backward pass is
 * itself recorded and can be differentiated again.
 */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** A node of the tape: the op that made a tensor, its inputs and its gradient rule. */
export class GradNode {
  constructor(
    /** Printed as `grad_fn=<name>`, e.g. `MulBackward`. */
    readonly name: string,
    readonly inputs: readonly Tensor[],
    /** Null once a backward pass without `retainGraph` has freed it. */
    public backward: BackwardFn | null,
  ) {}
}

/**
 * Puts `out` on the tape when recording is on and some input requires a gradient.
 * Every op calls this right after its forward kernel, passing its gradient rule.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) out.setGradFn(new GradNode(name, inputs, backward));
  return out;
}
