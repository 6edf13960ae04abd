import {
  adaptiveAvgPool2d, avgPool1d, avgPool2d, checkOptions, interpolate, maxPool1d, maxPool2d,
  type AvgPoolOptions, type InterpolateOptions, type MaxPoolOptions, type Pair, type Tensor,
} from '@tensorgrad/core';
import { Module } from '../module.js';

// The pooling and resizing layers: core's functions with their options kept, as PyTorch's modules.

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: MaxPoolOptions = {}) {
    super();
    checkOptions('MaxPool2d', options, ['stride', 'padding', 'dilation', 'ceilMode'], '{ stride: 2 }');
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }

  protected override extraRepr(): string {
    return `kernel_size=${JSON.stringify(this.kernelSize)}`;
  }
}

export class MaxPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}) {
    super();
    checkOptions('MaxPool1d', options, ['stride', 'padding', 'dilation', 'ceilMode'], '{ stride: 2 }');
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
}

export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPoolOptions = {}) {
    super();
    checkOptions('AvgPool2d', options, ['stride', 'padding', 'ceilMode', 'countIncludePad'], '{ stride: 2 }');
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }

  protected override extraRepr(): string {
    return `kernel_size=${JSON.stringify(this.kernelSize)}`;
  }
}

export class AvgPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
    checkOptions('AvgPool1d', options, ['stride', 'padding', 'ceilMode', 'countIncludePad'], '{ stride: 2 }');
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `output_size=${JSON.stringify(this.outputSize)}`;
  }
}

/** `torch.nn.Upsample`: `interpolate` with fixed options (`{ scaleFactor: 2 }`, `{ size: [14, 14], mode: 'bilinear' }`). */
export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) {
    super();
    checkOptions('Upsample', options, ['size', 'scaleFactor', 'mode', 'alignCorners'], '{ scaleFactor: 2 }');
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}
