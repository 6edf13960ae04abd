import { ValueError } from './errors.js';
import { describe } from './shape.js';

/**
 * A seedable pseudo-random generator: xoshiro128** (Blackman & Vigna) seeded through splitmix32.
 * It uses only 32-bit integer arithmetic (`Math.imul`, shifts), so the same seed gives the same
 * numbers on every machine and every JavaScript engine.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Box–Muller makes normals in pairs; the second one waits here. */
  private spareNormal: number | null = null;
  private seed_ = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the generator to the stream of `seed` (an integer; only its low 53 bits count). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed)) throw new ValueError('manualSeed', `seed must be a safe integer, got ${seed}`);
    this.seed_ = seed;
    // splitmix32 spreads the seed's bits over the 128-bit state (an all-zero state would be stuck).
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spareNormal = null;
    return this;
  }

  /** The seed this generator was last seeded with. */
  initialSeed(): number {
    return this.seed_;
  }

  /** The full state, so training can resume exactly (see `setState`). */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal ?? Number.NaN];
  }

  /**
   * Restores a state from `getState()`: four 32-bit words, each an integer in [−2³¹, 2³²) (states
   * saved before getState returned unsigned words hold signed ones), not all zero (xoshiro's one
   * fixed point: it would give 0 forever), then the waiting normal (a finite number, or NaN for
   * none). Anything else is a ValueError: a state is never coerced.
   */
  setState(state: readonly number[]): this {
    const op = 'Generator.setState';
    if (!Array.isArray(state) || state.length !== 5) throw new ValueError(op, `expected 5 numbers (as getState() returns), got ${describe(state)}`);
    state.slice(0, 4).forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) throw new ValueError(op, `word ${i} must be a 32-bit integer, in [-2^31, 2^32), got ${describe(v)}`);
    });
    if (state.slice(0, 4).every((v) => v === 0)) throw new ValueError(op, 'the all-zero state is xoshiro\'s fixed point (every number after it would be 0)');
    const spare = state[4];
    if (typeof spare !== 'number' || (!Number.isNaN(spare) && !Number.isFinite(spare))) throw new ValueError(op, `the waiting normal must be a finite number or NaN, got ${describe(spare)}`);
    [this.s0, this.s1, this.s2, this.s3] = state.slice(0, 4).map((v) => v >>> 0);
    this.spareNormal = Number.isNaN(spare) ? null : spare;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal N(0, 1) by the Box–Muller transform: r = √(−2 ln u₁), θ = 2π u₂. */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u1 = 1 - this.random(); // in (0, 1], so log never sees 0
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator that creation functions use when none is passed. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
