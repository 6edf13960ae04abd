import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { forwardActive, hasTangent } from '../autograd/forward.js';
import { AutogradError, DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * In-place ops (`x.add_(y)`, `x.zero_()`, …): the out-of-place op computes the result, which is
 * then written into x's own elements. Every write bumps the buffer's version, which every view of
 * it shares; a gradient rule that saved x checks that version at backward time
 * (`GradNode.checkSaved`), so a write into a tensor the tape still needs is an AutogradError
 * instead of a silently wrong gradient.
 *
 * In-place ops are not recorded on the tape. While recording, writing into a tensor that requires
 * grad — a leaf parameter, or a tensor made by a recorded op — is refused, and so is writing a
 * value that requires grad into a tensor: the tape would not see the write. Inside `noGrad` (what
 * optimizers and initialisers do) anything may be written. PyTorch instead records in-place ops on
 * non-leaf tensors ("rebases" them); here the out-of-place op is the way to that gradient.
 */

/** A dtype that can hold `from`'s values without losing their kind: PyTorch's `can_cast` (no float into int, no int into bool). */
const KIND: { readonly [D in DType]: number } = { bool: 0, int32: 1, float32: 2, float64: 2 };

export function checkInPlace(op: string, self: Tensor, operands: readonly unknown[] = []): void {
  if (!(self instanceof Tensor)) throw new ValueError(op, `expected a tensor to write into, got ${typeof self}`);
  if (isGradEnabled()) {
    if (self.requiresGrad && self.isLeaf) {
      throw new AutogradError(op, `a leaf tensor that requires grad (shape ${fmtShape(self.shape)}) is used in an in-place operation; update it inside noGrad(() => …), as optimizers do, or use the out-of-place op`);
    }
    if (self.requiresGrad) {
      throw new AutogradError(op, `the tensor (shape ${fmtShape(self.shape)}) was made by ${self.gradFn?.name} and is on the tape; in-place ops are not recorded, so use the out-of-place op (${op.replace(/_$/, '')}) here`);
    }
    if (operands.some((o) => o instanceof Tensor && o.requiresGrad)) {
      throw new AutogradError(op, 'an operand requires grad, but in-place ops are not recorded; use the out-of-place op so that its gradient flows');
    }
  }
  // Tangents follow ops, and in-place ops are not ops on the tape: writing into a dual tensor, or
  // with one, would leave a tangent that no longer belongs to the value.
  if (forwardActive() && [self, ...operands].some((o) => o instanceof Tensor && hasTangent(o))) {
    throw new AutogradError(op, 'a tensor here carries a forward-mode tangent (inside dualLevel, jvp or jacfwd); in-place ops do not update tangents, so use the out-of-place op');
  }
  // Several positions of one element (an expanded view) would be written more than once.
  if (self.shape.some((d, i) => d > 1 && self.strides[i] === 0)) {
    throw new ValueError(op, `the tensor of shape ${fmtShape(self.shape)} is an expanded view: more than one element refers to a single memory location; clone() it first`);
  }
}

/** Writes the out-of-place result `compute()` into `self`, checked as above; returns `self`. */
export function writeInPlace(op: string, self: Tensor, operands: readonly unknown[], compute: () => Tensor): Tensor {
  checkInPlace(op, self, operands);
  const result = noGrad(compute);
  if (!sameShape(result.shape, self.shape)) {
    throw new ShapeError(op, `the result of shape ${fmtShape(result.shape)} does not fit the tensor written into, of shape ${fmtShape(self.shape)} (the other operand must broadcast to it)`);
  }
  if (KIND[result.dtype] > KIND[self.dtype]) {
    throw new DTypeError(op, `the result type ${result.dtype} can't be cast to the tensor's dtype ${self.dtype}; use the out-of-place op, or convert the tensor first`);
  }
  getBackend().copyInto(result, self);
  return self;
}
