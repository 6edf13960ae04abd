import { Generator, ShapeError, ValueError, checkOptions, randn, type Tensor, fmtShape } from '@tensorgrad/core';
import { Linear, Module, ReLU, Sequential, Sigmoid } from '@tensorgrad/nn';

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

/**
 * The VAE of the classic MNIST write-up: encoder → sampler → decoder. Its parameters are named
 * `encoder.0.weight`, `encoder.0.bias`, `encoder.2.*`, `decoder.0.*`, `decoder.2.*` — the names of
 * the write-up's PyTorch module, so state dicts move both ways.
 */
export class VAE extends Module {
  readonly latent: number;
  readonly hidden: number;
  encoder: Sequential;
  sampler: Sampler;
  decoder: Sequential;

  constructor(options: VaeOptions = {}) {
    super();
    const { latent = 20, hidden = 400, generator, noise } = checkOptions('VAE', options, ['latent', 'hidden', 'generator', 'noise'], '{ latent: 2 }');
    for (const [name, v] of [['latent', latent], ['hidden', hidden]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError('VAE', `${name} must be a whole number ≥ 1, got ${String(v)}`);
    }
    this.latent = latent;
    this.hidden = hidden;
    this.encoder = makeEncoder(latent, hidden, generator);
    this.sampler = new Sampler(latent, noise);
    this.decoder = makeDecoder(latent, hidden, generator);
  }

  /** q(z|x): mu and logvar `[B, d]` for images `[B, 784]`. */
  encode(x: Tensor): { mu: Tensor; logvar: Tensor } {
    return this.sampler.split(this.encoder.forward(x));
  }

  /** p(x|z): pixel probabilities `[B, 784]` for codes `[B, d]`. */
  decode(z: Tensor): Tensor {
    return this.decoder.forward(z);
  }

  /** The full pass, with everything the loss needs. */
  run(x: Tensor): VaeOutput {
    if (x.ndim !== 2 || x.shape[1] !== PIXELS) {
      throw new ShapeError('VAE', `expected images [batch, ${PIXELS}], got ${fmtShape(x.shape)}`);
    }
    const { mu, logvar } = this.encode(x);
    const z = this.sampler.code(mu, logvar);
    return { recon: this.decode(z), mu, logvar, z };
  }

  forward(x: Tensor): Tensor {
    return this.run(x).recon;
  }
}
