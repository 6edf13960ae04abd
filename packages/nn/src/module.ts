import { INSPECT, checkOptions, Tensor, fmtShape, noGrad } from '@tensorgrad/core';
import { StateDictError } from './errors.js';

/** A module of any signature: what tree walks and containers hold (call `forward` on a known type). */
export type AnyModule = Module<never, unknown>;

/** A name → tensor map: a module's parameters and buffers, or an optimizer's state. */
export type StateDict = Map<string, Tensor>;

/**
 * A trainable tensor. Modules find their parameters by looking for `Parameter`s among their own
 * properties, so `this.weight = new Parameter(…)` is all it takes to register one.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor) {
    const owned = data.detach().contiguous();
    // A parameter owns its storage (a view of someone else's would alias their updates).
    const copy = owned.data.slice();
    super(copy, [...data.shape]);
    this.requiresGrad = true;
  }
}

/**
 * Base class of layers and models, like `torch.nn.Module`. Sub-modules and parameters are
 * registered by assigning them to properties; their property names build the dotted names of
 * `namedParameters()` and `stateDict()` (`encoder.0.weight`), so checkpoints line up with PyTorch.
 *
 * Generic in what `forward` takes and returns: `Module` alone is `(...x: Tensor[]) => Tensor`, and
 * a VAE in PyTorch's style is `class Vae extends Module<[Tensor], [Tensor, Tensor, Tensor]>`.
 */
export abstract class Module<In extends unknown[] = Tensor[], Out = Tensor> {
  /** Training mode (true) or evaluation mode (false); layers such as samplers read it. */
  training = true;
  private readonly buffers = new Map<string, Tensor>();

  abstract forward(...inputs: In): Out;

  /** A tensor that belongs in the state dict but is not trained (e.g. running statistics). */
  registerBuffer(name: string, value: Tensor): void {
    this.buffers.set(name, value);
  }

  /** Direct sub-modules with their property names, in assignment order. */
  *namedChildren(): IterableIterator<[string, AnyModule]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) yield [k, v];
  }

  *children(): IterableIterator<AnyModule> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every sub-module, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = ''): IterableIterator<[string, AnyModule]> {
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k);
  }

  /** Every parameter with its dotted name, e.g. `['encoder.0.weight', Parameter]`. */
  *namedParameters(): IterableIterator<[string, Parameter]> {
    for (const [path, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) if (v instanceof Parameter) yield [path ? `${path}.${k}` : k, v];
    }
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  *namedBuffers(): IterableIterator<[string, Tensor]> {
    for (const [path, m] of this.namedModules()) {
      for (const [k, v] of m.buffers) yield [path ? `${path}.${k}` : k, v];
    }
  }

  /** Sets training mode on this module and every sub-module. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradient of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Parameters and buffers by dotted name, in PyTorch's order: module by module, each one's
   * parameters, then its buffers. The tensors are the live ones, not copies.
   */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [path, m] of this.namedModules()) {
      const name = (k: string): string => (path ? `${path}.${k}` : k);
      for (const [k, v] of Object.entries(m)) if (v instanceof Parameter) sd.set(name(k), v);
      for (const [k, v] of m.buffers) sd.set(name(k), v);
    }
    return sd;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers. With `strict` (the
   * default) every key must match both ways; shapes must always match. Nothing is changed unless
   * everything fits.
   */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, options: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    const { strict = true } = checkOptions('loadStateDict', options, ['strict'], '{ strict: false }');
    const state = asStateDict('loadStateDict', stateDict);
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !state.has(k));
    const unexpectedKeys = [...state.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new StateDictError('loadStateDict', `${this.constructor.name}: ${parts.join('; ')}`);
    }
    for (const [k, target] of own) {
      const src = state.get(k);
      if (src === undefined) continue;
      if (src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
        throw new StateDictError('loadStateDict', `${k}: checkpoint has shape ${fmtShape(src.shape)}, the module expects ${fmtShape(target.shape)}`);
      }
    }
    noGrad(() => {
      for (const [k, target] of own) {
        const src = state.get(k);
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** `console.log(model)` in Node prints the module tree, as `print(model)` does in PyTorch. */
  [INSPECT](): string {
    return this.toString();
  }

  /** A multi-line summary of the module tree, like PyTorch's `print(model)`. */
  toString(): string {
    const kids = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (kids.length === 0) return `${head})`;
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().split('\n').join('\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }

  /** Extra text inside the parentheses of `toString()`, e.g. `in_features=784, out_features=400`. */
  protected extraRepr(): string {
    return '';
  }
}

/**
 * A state dict as a Map: a Map is taken as it is, a plain object `{ name: tensor }` (what JSON-minded
 * code builds) is converted; anything else, or a value that is not a Tensor, is a StateDictError.
 */
export function asStateDict(op: string, state: unknown): ReadonlyMap<string, Tensor> {
  const entries: [string, unknown][] | null = state instanceof Map ? [...state] : typeof state === 'object' && state !== null && !Array.isArray(state) ? Object.entries(state) : null;
  if (entries === null) throw new StateDictError(op, `expected a state dict (a Map of name → Tensor, or a plain object), got ${String(state)}`);
  for (const [k, v] of entries) {
    if (!(v instanceof Tensor)) throw new StateDictError(op, `${k}: expected a Tensor, got ${v === null ? 'null' : typeof v}`);
  }
  return new Map(entries as [string, Tensor][]);
}
