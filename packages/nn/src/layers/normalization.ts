import { ShapeError, ValueError, checkOptions, fmtShape, noGrad, ones, zeros, type Tensor } from '@tensorgrad/core';
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

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** The running statistics' update weight (default 0.1); null for a cumulative average over all batches seen. */
  momentum?: number | null;
  /** Learn a per-channel scale (`weight`, ones) and shift (`bias`, zeros); default true. */
  affine?: boolean;
  /** Keep `running_mean` and `running_var` and use them in eval mode (default true); without, every batch normalises by its own statistics. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation (Ioffe & Szegedy) over every dim but the channels (dim 1):
 *   training:  y = (x − mean_B) / √(var_B + ε) · weight + bias, with the batch's biased variance;
 *              running_mean ← (1 − m)·running_mean + m·mean_B, running_var likewise with the
 *              unbiased variance (PyTorch's rule), num_batches_tracked += 1;
 *   eval:      the running statistics instead of the batch's.
 * The buffers are named and shaped as PyTorch's (`running_mean`, `running_var` [C],
 * `num_batches_tracked`, int32 here where PyTorch has int64) and live in `stateDict()`. Built
 * from differentiable ops, so the gradient through the batch statistics comes out of mean and var.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  weight: Parameter | null;
  bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(readonly numFeatures: number, options: BatchNormOptions, private readonly ranks: readonly number[]) {
    super();
    const name = new.target.name;
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = checkOptions(name, options, ['eps', 'momentum', 'affine', 'trackRunningStats'], '{ momentum: 0.01 }');
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ValueError(name, `numFeatures must be a positive integer, got ${String(numFeatures)}`);
    if (typeof eps !== 'number' || !(eps >= 0)) throw new ValueError(name, `eps must be a number ≥ 0, got ${String(eps)}`);
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) throw new ValueError(name, `momentum must be in [0, 1] or null, got ${String(momentum)}`);
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    this.runningMean = trackRunningStats ? zeros([numFeatures]) : null;
    this.runningVar = trackRunningStats ? ones([numFeatures]) : null;
    this.numBatchesTracked = trackRunningStats ? zeros([], { dtype: 'int32' }) : null;
    if (trackRunningStats) {
      this.registerBuffer('running_mean', this.runningMean!);
      this.registerBuffer('running_var', this.runningVar!);
      this.registerBuffer('num_batches_tracked', this.numBatchesTracked!);
    }
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(name, `expected ${this.ranks.map((r) => `${r}-D`).join(' or ')} input with ${this.numFeatures} channels at dim 1, got ${fmtShape(x.shape)}`);
    }
    const dims = [...x.shape.keys()].filter((d) => d !== 1);
    const channel = (t: Tensor): Tensor => t.reshape([1, this.numFeatures, ...x.shape.slice(2).map(() => 1)]);
    const useBatch = this.training || this.runningMean === null;
    let mean: Tensor, variance: Tensor;
    if (useBatch) {
      const count = x.numel() / this.numFeatures;
      if (this.training && count <= 1) throw new ValueError(name, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
      mean = x.mean(dims, true);
      variance = x.var(dims, { correction: 0, keepdim: true });
      if (this.training && this.runningMean !== null) {
        noGrad(() => {
          this.numBatchesTracked!.add_(1);
          const m = this.momentum ?? 1 / this.numBatchesTracked!.item();
          this.runningMean!.mul_(1 - m).add_(mean.reshape([-1]).mul(m));
          this.runningVar!.mul_(1 - m).add_(variance.reshape([-1]).mul((m * count) / (count - 1)));
        });
      }
    } else {
      mean = channel(this.runningMean!);
      variance = channel(this.runningVar!);
    }
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight !== null) y = y.mul(channel(this.weight));
    if (this.bias !== null) y = y.add(channel(this.bias));
    return y;
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, track_running_stats=${this.runningMean !== null}`;
  }
}

/** BatchNorm over `[N, C]` or `[N, C, L]` (`torch.nn.BatchNorm1d`). */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** BatchNorm over `[N, C, H, W]` (`torch.nn.BatchNorm2d`). */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
