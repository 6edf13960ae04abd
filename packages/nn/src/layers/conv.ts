import {
  ValueError, checkOptions, conv1d, conv2d, convTranspose2d, pad, zeros, type ConvOptions, type Generator, type Pair, type Tensor,
} from '@tensorgrad/core';
import { fans, kaimingUniform, uniform } from '../init.js';
import { Module, Parameter } from '../module.js';

export interface ConvLayerOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** What the padding holds: 'zeros' (default), or the edge modes of `pad`: 'reflect', 'replicate', 'circular'. */
  paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

const CONV_LAYER_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'generator'] as const;
const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

/** A positive integer, or a ValueError naming the layer and the argument. */
function positive(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(layer, `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * Weights and bias initialised as PyTorch does for every convolution: W ~ kaiming_uniform(a = √5),
 * i.e. U(−1/√fan_in, 1/√fan_in), and b ~ U(−1/√fan_in, 1/√fan_in), fan_in = shape[1]·kh·kw.
 */
function convParameters(shape: number[], bias: boolean, generator: Generator | undefined, biasSize: number): [Parameter, Parameter | null] {
  const weight = new Parameter(kaimingUniform(zeros(shape), { a: Math.sqrt(5), generator }));
  const bound = 1 / Math.sqrt(fans(weight).fanIn);
  return [weight, bias ? new Parameter(uniform(zeros([biasSize]), -bound, bound, { generator })) : null];
}

/** The size of `v` along `i` for a number or a pair. */
const at = (v: Pair, i: number): number => (typeof v === 'number' ? v : v[i]);

/**
 * 2-D convolution layer (`torch.nn.Conv2d`): `weight` `[out, in/groups, kh, kw]`, `bias` `[out]`,
 * named and initialised as PyTorch's, so state dicts move both ways. With a `paddingMode` other
 * than 'zeros', the input is padded by `pad` first and convolved without padding.
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly options: Readonly<ConvOptions>;
  readonly paddingMode: string;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, options: ConvLayerOptions = {}) {
    super();
    const { bias = true, generator, paddingMode = 'zeros', ...conv } = checkOptions('Conv2d', options, CONV_LAYER_OPTIONS, '{ stride: 2, padding: 1 }');
    positive('Conv2d', 'inChannels', inChannels);
    positive('Conv2d', 'outChannels', outChannels);
    const groups = positive('Conv2d', 'groups', conv.groups ?? 1);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) throw new ValueError('Conv2d', `groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    if (!PADDING_MODES.includes(paddingMode)) throw new ValueError('Conv2d', `paddingMode must be one of ${PADDING_MODES.join(', ')}, got ${String(paddingMode)}`);
    const k = [0, 1].map((i) => positive('Conv2d', 'kernelSize', at(kernelSize, i)));
    [this.weight, this.bias] = convParameters([outChannels, inChannels / groups, k[0], k[1]], bias, generator, outChannels);
    this.options = conv;
    this.paddingMode = paddingMode;
  }

  forward(x: Tensor): Tensor {
    const { padding = 0 } = this.options;
    if (this.paddingMode === 'zeros' || padding === 'valid') return conv2d(x, this.weight, this.bias, this.options);
    if (padding === 'same') throw new ValueError('Conv2d', `padding 'same' with paddingMode '${this.paddingMode}' is not supported; give the padding as numbers`);
    const [ph, pw] = [at(padding, 0), at(padding, 1)];
    const padded = pad(x, [pw, pw, ph, ph], { mode: this.paddingMode as 'reflect' | 'replicate' | 'circular' });
    return conv2d(padded, this.weight, this.bias, { ...this.options, padding: 0 });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=${JSON.stringify(this.kernelSize)}, ${Object.entries(this.options).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`.replace(/, $/, '');
  }
}

/** 1-D convolution layer (`torch.nn.Conv1d`): `weight` `[out, in/groups, k]`. */
export class Conv1d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly options: Readonly<ConvOptions>;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options: Omit<ConvLayerOptions, 'paddingMode'> = {}) {
    super();
    const { bias = true, generator, ...conv } = checkOptions('Conv1d', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'generator'], '{ stride: 2 }');
    positive('Conv1d', 'inChannels', inChannels);
    positive('Conv1d', 'outChannels', outChannels);
    const groups = positive('Conv1d', 'groups', conv.groups ?? 1);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) throw new ValueError('Conv1d', `groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    [this.weight, this.bias] = convParameters([outChannels, inChannels / groups, positive('Conv1d', 'kernelSize', kernelSize)], bias, generator, outChannels);
    this.options = conv;
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.options);
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=${this.kernelSize}`;
  }
}

export interface ConvTransposeLayerOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
  bias?: boolean;
  generator?: Generator;
}

/** Transposed 2-D convolution layer (`torch.nn.ConvTranspose2d`): `weight` `[in, out/groups, kh, kw]`. */
export class ConvTranspose2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly options: Readonly<Omit<ConvTransposeLayerOptions, 'bias' | 'generator'>>;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, options: ConvTransposeLayerOptions = {}) {
    super();
    const { bias = true, generator, ...conv } = checkOptions('ConvTranspose2d', options, ['stride', 'padding', 'outputPadding', 'groups', 'dilation', 'bias', 'generator'], '{ stride: 2, padding: 1 }');
    positive('ConvTranspose2d', 'inChannels', inChannels);
    positive('ConvTranspose2d', 'outChannels', outChannels);
    const groups = positive('ConvTranspose2d', 'groups', conv.groups ?? 1);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) throw new ValueError('ConvTranspose2d', `groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    const k = [0, 1].map((i) => positive('ConvTranspose2d', 'kernelSize', at(kernelSize, i)));
    [this.weight, this.bias] = convParameters([inChannels, outChannels / groups, k[0], k[1]], bias, generator, outChannels);
    this.options = conv;
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.options);
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=${JSON.stringify(this.kernelSize)}, ${Object.entries(this.options).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`.replace(/, $/, '');
  }
}
