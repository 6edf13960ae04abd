import { Generator, ShapeError, ValueError, checkOptions, randn, type Tensor, fmtShape } from '@tensorgrad/core';
import { Conv2d, ConvTranspose2d, Flatten, Linear, Module, ReLU, Sequential, Sigmoid, Unflatten } from '@tensorgrad/nn';

/** MNIST images are 28×28 = 784 pixels. */
export const PIXELS = 784;

export interface VaeOptions {
  /** Size d of the latent code (default 20). */
  latent?: number;
  /** Width of the hidden layers (default 400). */
  hidden?: number;
  /** Seeds the initial weights (default: the global generator). */
  generator?: Generator;
  /** Where the sampler's noise ε comes from (default: a generator seeded with 0). */
  noise?: Generator;
}

/**
 * The encoder: one image (784 pixels) → one 2d-vector, the d means followed by the d
 * **log**-variances of q(z|x) = N(mu, diag(exp(logvar))).   Linear(784, 400) → ReLU → Linear(400, 2d)
 */
export function makeEncoder(latent = 20, hidden = 400, generator?: Generator): Sequential {
  return new Sequential(new Linear(PIXELS, hidden, { generator }), new ReLU(), new Linear(hidden, 2 * latent, { generator }));
}

/** The decoder: a latent code → 784 pixel probabilities.   Linear(d, 400) → ReLU → Linear(400, 784) → Sigmoid */
export function makeDecoder(latent = 20, hidden = 400, generator?: Generator): Sequential {
  return new Sequential(new Linear(latent, hidden, { generator }), new ReLU(), new Linear(hidden, PIXELS, { generator }), new Sigmoid());
}

/**
 * The sampler: splits the encoder's 2d-vector into `mu` and `logvar` and draws
 * z = mu + exp(½·logvar)·ε, ε ~ N(0, I) — the reparameterisation trick: the randomness sits in ε,
 * so z is a differentiable function of mu and logvar and gradients reach the encoder.
 * In eval mode it returns mu (the write-up's code does the same).
 */
export class Sampler extends Module {
  constructor(readonly latent: number, public noise: Generator = new Generator(0)) {
    super();
  }

  /** The two halves of the encoder output `[B, 2d]`: mu `[B, d]` and logvar `[B, d]`. */
  split(h: Tensor): { mu: Tensor; logvar: Tensor } {
    const d = this.latent;
    if (h.ndim !== 2 || h.shape[1] !== 2 * d) {
      throw new ShapeError('Sampler', `expected [batch, ${2 * d}] (means then log-variances), got ${fmtShape(h.shape)}`);
    }
    const [mu, logvar] = h.chunk(2, 1);
    return { mu, logvar };
  }

  forward(h: Tensor): Tensor {
    const { mu, logvar } = this.split(h);
    return this.code(mu, logvar);
  }

  /** The code the decoder gets: a sample in training mode, the mean in eval mode. */
  code(mu: Tensor, logvar: Tensor): Tensor {
    return this.training ? this.sample(mu, logvar) : mu;
  }

  /** z = mu + exp(½·logvar)·ε with ε ~ N(0, I) drawn from `noise` (default: this sampler's generator). */
  sample(mu: Tensor, logvar: Tensor, noise: Generator = this.noise): Tensor {
    return Sampler.reparameterize(mu, logvar, randn(mu.shape, { generator: noise, dtype: mu.dtype }));
  }

  /** The reparameterisation itself, for a given ε: z = mu + exp(½·logvar)·ε (σ = exp(½·logvar)). */
  static reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor): Tensor {
    return mu.add(logvar.mul(0.5).exp().mul(eps));
  }

  protected override extraRepr(): string {
    return `latent=${this.latent}`;
  }
}

export interface VaeOutput {
  /** Pixel probabilities `[B, 784]`. */
  recon: Tensor;
  mu: Tensor;
  logvar: Tensor;
  z: Tensor;
}

/** Which network: the write-up's MLP (the default) or the convolutional one. */
export type ModelKind = 'mlp' | 'conv';
export const MODEL_KINDS: readonly ModelKind[] = ['mlp', 'conv'];

/**
 * What both VAEs share: an encoder whose output is the 2d-vector of means and log-variances, the
 * sampler, and a decoder to pixel probabilities. Images go in and come out as `[B, 784]` rows,
 * whichever network is inside, so training, pictures, evaluation and the explorer use either.
 */
export abstract class VAEBase extends Module {
  abstract readonly kind: ModelKind;
  readonly latent: number;
  abstract encoder: Sequential;
  sampler: Sampler;
  abstract decoder: Sequential;

  constructor(latent: number, noise: Generator | undefined, name: string) {
    super();
    if (!Number.isInteger(latent) || latent < 1) throw new ValueError(name, `latent must be a whole number ≥ 1, got ${String(latent)}`);
    this.latent = latent;
    this.sampler = new Sampler(latent, noise);
  }

  /** The network in one line, for the CLI and the explorer. */
  abstract describe(): string;

  /** The encoder's input for images `[B, 784]` (the conv network takes `[B, 1, 28, 28]`). */
  protected abstract encoderInput(x: Tensor): Tensor;

  /** q(z|x): mu and logvar `[B, d]` for images `[B, 784]`. */
  encode(x: Tensor): { mu: Tensor; logvar: Tensor } {
    return this.sampler.split(this.encoder.forward(this.encoderInput(x)));
  }

  /** p(x|z): pixel probabilities `[B, 784]` for codes `[B, d]`. */
  decode(z: Tensor): Tensor {
    const y = this.decoder.forward(z);
    return y.ndim === 2 ? y : y.reshape([z.shape[0], PIXELS]);
  }

  /** The full pass, with everything the loss needs. */
  run(x: Tensor): VaeOutput {
    if (x.ndim !== 2 || x.shape[1] !== PIXELS) {
      throw new ShapeError(this.constructor.name, `expected images [batch, ${PIXELS}], got ${fmtShape(x.shape)}`);
    }
    const { mu, logvar } = this.encode(x);
    const z = this.sampler.code(mu, logvar);
    return { recon: this.decode(z), mu, logvar, z };
  }

  forward(x: Tensor): Tensor {
    return this.run(x).recon;
  }
}

/**
 * The VAE of the classic MNIST write-up: encoder → sampler → decoder. Its parameters are named
 * `encoder.0.weight`, `encoder.0.bias`, `encoder.2.*`, `decoder.0.*`, `decoder.2.*` — the names of
 * the write-up's PyTorch module, so state dicts move both ways.
 */
export class VAE extends VAEBase {
  readonly kind = 'mlp';
  readonly hidden: number;
  encoder: Sequential;
  decoder: Sequential;

  constructor(options: VaeOptions = {}) {
    const { latent = 20, hidden = 400, generator, noise } = checkOptions('VAE', options, ['latent', 'hidden', 'generator', 'noise'], '{ latent: 2 }');
    super(latent, noise, 'VAE');
    if (!Number.isInteger(hidden) || hidden < 1) throw new ValueError('VAE', `hidden must be a whole number ≥ 1, got ${String(hidden)}`);
    this.hidden = hidden;
    this.encoder = makeEncoder(latent, hidden, generator);
    this.decoder = makeDecoder(latent, hidden, generator);
  }

  describe(): string {
    return `VAE 784 → ${this.hidden} → ${2 * this.latent} | ${this.latent} → ${this.hidden} → 784`;
  }

  protected encoderInput(x: Tensor): Tensor {
    return x;
  }
}

/** The convolutional encoder's and decoder's feature maps: 64 channels of 7×7 (3136 numbers). */
const FEATURES = [64, 7, 7] as const;
const FEATURE_SIZE = 64 * 7 * 7;

/**
 * The convolutional encoder: `[B, 1, 28, 28]` → 2d means and log-variances.
 *   Conv2d(1, 32, 4, stride 2, padding 1) → ReLU → Conv2d(32, 64, 4, 2, 1) → ReLU → Flatten → Linear(3136, 2d)
 * (28 → 14 → 7 on each side).
 */
export function makeConvEncoder(latent = 20, generator?: Generator): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 4, { stride: 2, padding: 1, generator }), new ReLU(),
    new Conv2d(32, 64, 4, { stride: 2, padding: 1, generator }), new ReLU(),
    new Flatten(), new Linear(FEATURE_SIZE, 2 * latent, { generator }),
  );
}

/**
 * The convolutional decoder, the encoder mirrored: a code → `[B, 1, 28, 28]` pixel probabilities.
 *   Linear(d, 3136) → ReLU → Unflatten(64, 7, 7) → ConvTranspose2d(64, 32, 4, 2, 1) → ReLU → ConvTranspose2d(32, 1, 4, 2, 1) → Sigmoid
 */
export function makeConvDecoder(latent = 20, generator?: Generator): Sequential {
  return new Sequential(
    new Linear(latent, FEATURE_SIZE, { generator }), new ReLU(), new Unflatten(1, FEATURES),
    new ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1, generator }), new ReLU(),
    new ConvTranspose2d(32, 1, 4, { stride: 2, padding: 1, generator }), new Sigmoid(),
  );
}

/**
 * The convolutional VAE (`tensorgrad-vae train --model conv`): the same sampler, loss and recipe as
 * the write-up's, with convolutions in the encoder and transposed convolutions in the decoder.
 * Parameters `encoder.0`, `encoder.2`, `encoder.5`, `decoder.0`, `decoder.3`, `decoder.5`, as a
 * PyTorch nn.Sequential of the same layers names them.
 */
export class ConvVAE extends VAEBase {
  readonly kind = 'conv';
  encoder: Sequential;
  decoder: Sequential;

  constructor(options: Omit<VaeOptions, 'hidden'> = {}) {
    const { latent = 20, generator, noise } = checkOptions('ConvVAE', options, ['latent', 'generator', 'noise'], '{ latent: 2 }');
    super(latent, noise, 'ConvVAE');
    this.encoder = makeConvEncoder(latent, generator);
    this.decoder = makeConvDecoder(latent, generator);
  }

  describe(): string {
    return `ConvVAE 1×28×28 → conv 32 → conv 64 → ${2 * this.latent} | ${this.latent} → 64×7×7 → deconv 32 → deconv 1`;
  }

  protected encoderInput(x: Tensor): Tensor {
    return x.reshape([x.shape[0], 1, 28, 28]);
  }
}
