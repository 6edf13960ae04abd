import { getBackend } from '../backend/backend.js';
import type { AdamHyper } from '../backend/kernels.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';

// Optimizer updates as backend kernels: one pass over each parameter, in place, on the backend
// that runs the model (what PyTorch calls a fused optimizer). Not differentiable and not recorded.

export type { AdamHyper };

/**
 * One Adam (or AdamW, `decoupled`) update of `param` in place, with its first and second moment
 * estimates `expAvg`, `expAvgSq` (and the running maximum `maxExpAvgSq` for AMSGrad), updated in
 * place too. All contiguous, of one dtype and one size; `grad` is read only.
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * (the kernels: `backend/cpu/optim.ts`, and kernels.wat's `adam`).
 */
export function adamStep_(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, h: AdamHyper): void {
  const all = maxExpAvgSq === null ? [param, grad, expAvg, expAvgSq] : [param, grad, expAvg, expAvgSq, maxExpAvgSq];
  for (const t of all) {
    if (t.numel() !== param.numel()) throw new ShapeError('adamStep_', `parameter ${fmtShape(param.shape)} and a state or gradient tensor ${fmtShape(t.shape)} differ in size`);
    if (!t.isContiguous()) throw new ShapeError('adamStep_', `every tensor must be contiguous; got strides ${JSON.stringify(t.strides)} for ${fmtShape(t.shape)}`);
    if (t.dtype !== param.dtype) throw new DTypeError('adamStep_', `the parameter is ${param.dtype} but a state or gradient tensor is ${t.dtype}`);
  }
  getBackend().adam(param, grad, expAvg, expAvgSq, maxExpAvgSq, h);
}
