import { ShapeError, ValueError, checkOptions, fmtShape, ones, zeros, type Tensor } from '@tensorgrad/core';
import { Module, Parameter } from '../module.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5, as PyTorch). */
  eps?: number;
  /** Learn a per-element scale (`weight`, ones) and shift (`bias`, zeros); default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn the shift too (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation (Ba et al.) over the last dims, `normalizedShape`:
 *   y = (x − E[x]) / √(Var[x] + ε) · weight + bias,
 * with the biased variance (divided by N), as PyTorch. Parameters are named `weight` and `bias`.
 * Built from differentiable ops: the gradient comes out of mean, var and the arithmetic.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'bias'], '{ eps: 1e-6 }');
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ValueError('LayerNorm', `normalizedShape must be positive sizes, got ${JSON.stringify(normalizedShape)}`);
    }
    if (typeof eps !== 'number' || !(eps >= 0)) throw new ValueError('LayerNorm', `eps must be a number ≥ 0, got ${String(eps)}`);
    this.eps = eps;
    this.weight = elementwiseAffine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = elementwiseAffine && bias ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError('LayerNorm', `input ${fmtShape(x.shape)} does not end in the normalized shape ${fmtShape(this.normalizedShape)}`);
    }
    const dims = [...Array(k).keys()].map((i) => x.ndim - k + i);
    const centered = x.sub(x.mean(dims, true));
    let y = centered.div(x.var(dims, { correction: 0, keepdim: true }).add(this.eps).sqrt());
    if (this.weight !== null) y = y.mul(this.weight);
    if (this.bias !== null) y = y.add(this.bias);
    return y;
  }

  protected override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')},), eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}
