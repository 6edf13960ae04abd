import { checkOptions, Generator, ValueError, defaultGenerator, noGrad, type Tensor, fmtShape } from '@tensorgrad/core';

// Initialisers fill a tensor in place and return it, like `torch.nn.init.*_`. Each takes a
// generator so initialisation is seeded; without one the default generator (`manualSeed`) is used.

export interface InitOptions {
  generator?: Generator;
}

/** fan_in and fan_out of a weight `[out, in, …]` (PyTorch's convention for Linear and conv). */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ValueError('fans', `need a tensor with at least 2 dims, got shape ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(op: string, t: Tensor, draw: (g: Generator) => number, opts?: InitOptions): Tensor {
  const g = checkOptions(op, opts, ['generator'], '{ generator: new Generator(0) }').generator ?? defaultGenerator;
  noGrad(() => {
    const d = t.mutableData();
    for (let i = 0; i < d.length; i++) d[i] = draw(g);
  });
  return t;
}

/** U(low, high). */
export function uniform(t: Tensor, low = 0, high = 1, opts?: InitOptions): Tensor {
  return fill('uniform', t, (g) => low + (high - low) * g.random(), opts);
}

/** N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1, opts?: InitOptions): Tensor {
  return fill('normal', t, (g) => mean + std * g.normal(), opts);
}

export function zeros(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function constant(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

/**
 * Kaiming (He) uniform: U(−b, b) with b = gain·√(3/fan_in), gain = √(2/(1+a²)).
 * With a = √5 this is PyTorch's default for Linear weights, b = 1/√fan_in.
 */
export function kaimingUniform(t: Tensor, options: InitOptions & { a?: number } = {}): Tensor {
  const { a = 0, ...opts } = checkOptions('kaimingUniform', options, ['a', 'generator'], '{ a: Math.sqrt(5) }');
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fans(t).fanIn);
  return uniform(t, -bound, bound, opts);
}

/** Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { gain = 1, ...opts } = checkOptions('xavierUniform', options, ['gain', 'generator'], '{ gain: 1 }');
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound, opts);
}
