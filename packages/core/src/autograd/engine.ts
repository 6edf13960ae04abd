import { AutogradError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe, sameShape } from '../shape.js';
import { checkOptions } from '../options.js';
import { Tensor } from '../tensor.js';
import { add } from '../ops/arithmetic.js';
import { contiguous } from '../ops/view.js';
import { onesLike, zerosLike } from '../creation.js';
import { withGradMode } from './grad-mode.js';
import { release as keepBuffer } from '../backend/scope.js';
import type { GradNode } from './node.js';

export interface BackwardOptions {
  /** Keep the tape so backward can run through it again (default: false, or true with `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated (second derivatives). */
  createGraph?: boolean;
}

/** What `onBackwardStep` hooks see for each tensor the backward pass reaches, in order. */
export interface BackwardStep {
  /** 0 for the first tensor processed in this pass (the output), counting up. */
  readonly index: number;
  /** The tensor whose gradient is now complete. */
  readonly tensor: Tensor;
  /** Its node on the tape; null for a leaf. */
  readonly node: GradNode | null;
  /** ∂L/∂tensor: every contribution from the tensors processed before, summed. */
  readonly gradOutput: Tensor;
  /** What the node's rule returned for each of `node.inputs` (null where an input gets none); empty for a leaf. */
  readonly gradInputs: readonly (Tensor | null)[];
  /** For each of `node.inputs`, its gradient summed so far in this pass, this step's share included (null if none yet). */
  readonly accumulated: readonly (Tensor | null)[];
  /** `tensor.grad` after this step, where the pass stores into `.grad` (leaves, `retainGrad()`); else null. */
  readonly grad: Tensor | null;
}

/** Returned by `onBackwardStep`: `remove()` unregisters the hook (PyTorch's RemovableHandle). */
export interface RemovableHandle {
  remove(): void;
}

const stepHooks = new Set<(step: BackwardStep) => void>();

/**
 * Calls `hook` for every tensor each backward pass (`backward()` and `grad()`) processes, in the
 * order the engine processes them: the gradient coming in, the gradients going out, and what has
 * accumulated. The tensors are the engine's own: read them, do not write into them.
 *
 *   const handle = onBackwardStep((s) => console.log(s.node?.name ?? 'leaf', s.gradOutput.toArray()));
 *   loss.backward();
 *   handle.remove();
 */
export function onBackwardStep(hook: (step: BackwardStep) => void): RemovableHandle {
  if (typeof hook !== 'function') throw new ValueError('onBackwardStep', `expected a function, got ${describe(hook)}`);
  const own = (step: BackwardStep) => hook(step);
  stepHooks.add(own);
  return { remove: () => void stepHooks.delete(own) };
}

/**
 * Every tensor the outputs depend on through the tape, inputs before the tensors made from them.
 * `follow` picks the inputs to walk into: the backward pass needs only those that require a
 * gradient; `tape()` shows every input an op read.
 */
export function topologicalOrder(outputs: readonly Tensor[], follow: (t: Tensor) => boolean = (t) => t.requiresGrad): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative post-order DFS: deep graphs (long training loops of ops) must not overflow the stack.
  const stack: [Tensor, number][] = [];
  for (const root of outputs) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top[0].gradFn?.inputs ?? [];
      if (top[1] < inputs.length) {
        const next = inputs[top[1]++];
        if (follow(next) && !seen.has(next)) {
          seen.add(next);
          stack.push([next, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

/**
 * Reverse-mode accumulation: visit tensors from the outputs back to the leaves, each node
 * turning ∂L/∂out into ∂L/∂inputs by the chain rule, and summing contributions that meet.
 * With `accumulateIntoLeaves`, leaf gradients are added to `.grad` (as `backward()` does);
 * the map of every gradient is returned either way (as `grad()` needs).
 */
export function runBackward(
  outputs: readonly Tensor[],
  gradOutputs: readonly Tensor[],
  options: BackwardOptions & { accumulateIntoLeaves: boolean; targets?: ReadonlySet<Tensor> },
): Map<Tensor, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev === undefined ? g : add(prev, g));
  };
  withGradMode(createGraph, () => {
    outputs.forEach((o, i) => accumulate(o, gradOutputs[i]));
    const order = topologicalOrder(outputs);
    // `grad()` runs only the rules on a path to one of its inputs (`targets`), as PyTorch does: what
    // made an input is none of its business unless another input lies behind it. A tensor leads to
    // a target when it is one or one of its inputs leads to one (inputs come first in `order`).
    const leads = options.targets === undefined ? null : new Set<Tensor>();
    if (leads !== null) {
      for (const t of order) if (options.targets!.has(t) || (t.gradFn?.inputs.some((i) => leads.has(i)) ?? false)) leads.add(t);
    }
    // Hooks are read once per pass, so one that removes itself still sees this pass out.
    const hooks = [...stepHooks];
    let step = 0;
    for (let idx = order.length - 1; idx >= 0; idx--) {
      const t = order[idx];
      const g = grads.get(t);
      if (g === undefined) continue;
      const node = t.gradFn;
      if (node === null || t.retainsGrad) {
        // .grad is stored contiguous, in the tensor's own layout, as optimizers expect.
        if (options.accumulateIntoLeaves) {
          t.grad = t.grad === null ? contiguous(g) : add(t.grad, g);
          keepBuffer(t.grad.buffer); // a gradient outlives the tidy() scope of the step that made it
        }
        if (node === null) {
          for (const hook of hooks) hook({ index: step, tensor: t, node: null, gradOutput: g, gradInputs: [], accumulated: [], grad: options.accumulateIntoLeaves ? t.grad : null });
          step++;
          continue;
        }
      }
      if (leads !== null && !node.inputs.some((i) => leads.has(i))) continue;
      if (node.backward === null) {
        throw new AutogradError(
          'backward',
          `trying to run backward through ${node.name} a second time, but the first pass freed its gradient rule; pass { retainGraph: true } to the first backward()`,
        );
      }
      node.checkSaved();
      const inputGrads = node.backward(g);
      if (!retainGraph) node.backward = null;
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (gi === null || gi === undefined || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError(node.name, `gradient rule returned shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(input.shape)}`);
        }
        accumulate(input, gi);
      });
      if (hooks.length > 0) {
        const accumulated = node.inputs.map((input) => grads.get(input) ?? null);
        const stored = options.accumulateIntoLeaves && t.retainsGrad ? t.grad : null;
        for (const hook of hooks) hook({ index: step, tensor: t, node, gradOutput: g, gradInputs: inputGrads, accumulated, grad: stored });
      }
      step++;
    }
  }, 'backward');
  return grads;
}

function checkGradOutput(op: string, out: Tensor, g: Tensor | undefined): Tensor {
  if (g !== undefined && !(g instanceof Tensor)) {
    if (typeof g === 'object' && g !== null && !Array.isArray(g)) {
      throw new ValueError(op, `the first argument is the gradient (a tensor of the output's shape ${fmtShape(out.shape)}); pass options second: backward(undefined, { retainGraph: true })`);
    }
    throw new ValueError(op, `the gradient must be a tensor of the output's shape ${fmtShape(out.shape)}, got ${Array.isArray(g) ? 'an array; wrap it with tensor()' : describe(g)}`);
  }
  if (g === undefined) {
    if (out.numel() !== 1) {
      throw new AutogradError(op, `a gradient can be created implicitly only for a scalar output, got shape ${fmtShape(out.shape)}; pass one of that shape`);
    }
    return onesLike(out);
  }
  if (!sameShape(g.shape, out.shape)) {
    throw new ShapeError(op, `gradient of shape ${fmtShape(g.shape)} does not match output of shape ${fmtShape(out.shape)}`);
  }
  return g;
}

const BACKWARD_OPTIONS = ['retainGraph', 'createGraph'] as const satisfies readonly (keyof BackwardOptions)[];

/** `t.backward(gradient?)`: accumulates ∂t/∂leaf into every leaf's `.grad`. */
export function backward(t: Tensor, gradient?: Tensor, options?: BackwardOptions): void {
  checkOptions('backward', options, BACKWARD_OPTIONS, '{ retainGraph: true }');
  if (!t.requiresGrad) {
    throw new AutogradError('backward', 'tensor does not require grad and has no gradFn (did you set requiresGrad on the inputs, or run inside noGrad?)');
  }
  runBackward([t], [checkGradOutput('backward', t, gradient)], { ...options, accumulateIntoLeaves: true });
}

export interface GradOptions extends BackwardOptions {
  /** ∂L/∂output for each output (default: ones, for scalar outputs). */
  gradOutputs?: Tensor | readonly Tensor[];
  /** Return zeros for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned rather than stored in `.grad`
 * (like `torch.autograd.grad`). With `createGraph: true` they are differentiable again.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], gradOptions: GradOptions = {}): Tensor[] {
  const options = checkOptions<GradOptions>('grad', gradOptions, [...BACKWARD_OPTIONS, 'gradOutputs', 'allowUnused'], '{ createGraph: true }');
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  for (const [what, list] of [['output', outs], ['input', ins]] as const) {
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError('grad', `${what} ${i} must be a tensor, got ${describe(t)}`);
    });
  }
  const given = options.gradOutputs === undefined ? [] : Array.isArray(options.gradOutputs) ? options.gradOutputs : [options.gradOutputs as Tensor];
  outs.forEach((o, i) => {
    if (!o.requiresGrad) throw new AutogradError('grad', `output ${i} does not require grad`);
  });
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new AutogradError('grad', `input ${i} (shape ${fmtShape(t.shape)}) does not require grad`);
  });
  const gradOutputs = outs.map((o, i) => checkGradOutput('grad', o, given[i]));
  const grads = runBackward(outs, gradOutputs, { ...options, accumulateIntoLeaves: false, targets: new Set(ins) });
  return ins.map((t, i) => {
    const g = grads.get(t);
    if (g !== undefined) return g;
    if (options.allowUnused) return zerosLike(t);
    throw new AutogradError('grad', `input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get zeros`);
  });
}
