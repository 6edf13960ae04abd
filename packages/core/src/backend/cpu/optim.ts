import { sizeOf } from '../../shape.js';
import { biasCorrection, type AdamHyper, type View } from '../kernels.js';

/**
 * Adam (Kingma & Ba), and AdamW's decoupled decay (Loshchilov & Hutter), in JavaScript doubles,
 * rounded to the parameters' dtype on store:
 *   g ← ∇ + λθ (Adam), or θ ← θ·(1 − lr·λ) (AdamW)
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,   v̂ ← max(v̂, v) (AMSGrad)
 *   θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 */
export function adam(param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, h: AdamHyper): void {
  const n = sizeOf(param.shape);
  const theta = param.buffer.writable(), g0 = grad.buffer.host, m = expAvg.buffer.writable(), v = expAvgSq.buffer.writable();
  const vmax = maxExpAvgSq?.buffer.writable();
  const [po, go, mo, vo, xo] = [param.offset, grad.offset, expAvg.offset, expAvgSq.offset, maxExpAvgSq?.offset ?? 0];
  const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled } = h;
  const { stepSize, bc2 } = biasCorrection(h);
  for (let j = 0; j < n; j++) {
    let g = g0[go + j];
    if (decoupled) theta[po + j] *= 1 - lr * wd;
    else g += wd * theta[po + j];
    const mj = (m[mo + j] = b1 * m[mo + j] + (1 - b1) * g);
    let vj = (v[vo + j] = b2 * v[vo + j] + (1 - b2) * g * g);
    if (vmax !== undefined) vj = vmax[xo + j] = Math.max(vmax[xo + j], vj);
    theta[po + j] -= (stepSize * mj) / (Math.sqrt(vj) / bc2 + eps);
  }
}
