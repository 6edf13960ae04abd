// Seeing the tape: tape() order, toDot and toMermaid, names, gradient norms and the depth limit.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { grad, onBackwardStep, tape, tensor, toDot, toMermaid, type BackwardStep, type Tensor } from '../src/index.js';
import * as arb from '../src/testing/index.js';

/** y = sigmoid(x·w + b).sum() with named leaves. */
function small(): { y: Tensor; w: Tensor; b: Tensor; x: Tensor } {
  const x = tensor([[1, 2], [3, 4]]);
  const w = tensor([[0.5], [-0.5]], { requiresGrad: true });
  const b = tensor([0.1], { requiresGrad: true });
  return { y: x.matmul(w).add(b).sigmoid().sum(), w, b, x };
}

describe('tape', () => {
  test('lists every tensor once, each after the inputs of the op that made it, the root last', () => {
    const chains = fc.array(fc.constantFrom('exp', 'sigmoid', 'square', 'mulSelf', 'addLeaf'), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(arb.tensor({ shape: [3], dtype: 'float32' }), chains, (x0, steps) => {
      const x = x0.requiresGrad_();
      let y = x;
      for (const s of steps) y = s === 'mulSelf' ? y.mul(y) : s === 'addLeaf' ? y.add(tensor([1, 2, 3])) : (y[s] as () => Tensor).call(y);
      const order = tape(y);
      expect(new Set(order).size).toBe(order.length);
      expect(order[order.length - 1]).toBe(y);
      const pos = new Map(order.map((t, i) => [t, i]));
      for (const t of order) for (const input of t.gradFn?.inputs ?? []) expect(pos.get(input)!).toBeLessThan(pos.get(t)!);
    }));
  });
});

describe('toDot and toMermaid', () => {
  test('the whole DOT text of a small graph: ops with shapes, named leaves, constants', () => {
    const { y, w, b } = small();
    expect(toDot(y, { names: new Map([[w, 'w'], [b, 'b']]) })).toBe(`digraph tensorgrad {
  rankdir=TB;
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];
  t0 [label="[2,2]\\nconstant", fillcolor="#f3f4f6"];
  t1 [label="w\\n[2,1]\\nrequires_grad", fillcolor="#bfdbfe"];
  t2 [label="MmBackward\\n[2,1]", fillcolor="#e5e7eb"];
  t3 [label="b\\n[1]\\nrequires_grad", fillcolor="#bfdbfe"];
  t4 [label="AddBackward\\n[2,1]", fillcolor="#e5e7eb"];
  t5 [label="SigmoidBackward\\n[2,1]", fillcolor="#e5e7eb"];
  t6 [label="SumBackward\\n[]", fillcolor="#e5e7eb"];
  t0 -> t2 [label="0"];
  t1 -> t2 [label="1"];
  t2 -> t4 [label="0"];
  t3 -> t4 [label="1"];
  t4 -> t5;
  t5 -> t6;
}
`);
  });
  test('after backward, showGrad labels each leaf with its gradient norm', () => {
    const { y, w } = small();
    y.backward();
    const norm = Math.sqrt(Array.from(w.grad!.data).reduce((s, v) => s + v * v, 0));
    expect(toDot(y, { names: [['w', w]], showGrad: true })).toContain(`w\\n[2,1]\\nrequires_grad\\n‖grad‖ = ${norm.toPrecision(4)}`);
  });
  test('maxDepth keeps the ops near the root and summarises the rest in one node', () => {
    const { y } = small();
    const dot = toDot(y, { maxDepth: 1 });
    expect(dot).toContain('more [label="⋯ 5 more\\nbeyond depth 1"');
    expect(dot).toContain('more -> t5;');
    expect(dot).not.toContain('MmBackward');
  });
  test('Mermaid: the same nodes and edges, brackets escaped', () => {
    const { y } = small();
    const m = toMermaid(y);
    expect(m.startsWith('flowchart TB\n')).toBe(true);
    expect(m).toContain('t2["MmBackward<br/>#91;2,1#93;"]');
    expect(m).toContain('t5 --> t6');
    expect(m).toContain('t1 -->|1| t2');
    expect(m.match(/-->/g)).toHaveLength(6);
  });
  test('showValues, every node\'s gradient from grads, tensor names, scalar constants by value', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.name = 'h';
    const y = h.exp().sum();
    const grads = new Map<Tensor, Tensor>();
    const handle = onBackwardStep((s) => grads.set(s.tensor, s.gradOutput));
    y.backward();
    handle.remove();
    const dot = toDot(y, { names: [['x', x]], showValues: true, showGrad: true, grads });
    expect(dot).toContain('label="x\\n[2]\\nrequires_grad\\n= [1, 2]\\ngrad [60.26, 1210]"');
    expect(dot).toContain('label="3", fillcolor="#f3f4f6"');
    expect(dot).toContain('label="h\\nMulBackward\\n[2]\\n= [3, 6]\\ngrad [20.09, 403.4]"');
    expect(dot).toContain('label="SumBackward\\n[]\\n= 423.5\\ngrad 1"');
    const big = tensor(Array.from({ length: 10 }, (_, i) => i), { requiresGrad: true });
    expect(toDot(big.sum(), { showValues: true })).toContain('= min 0 mean 4.5 max 9');
    // Without values, gradients are norms, now for intermediates too.
    expect(toDot(y, { showGrad: true, grads })).toContain(`h\\nMulBackward\\n[2]\\n‖grad‖ = ${Math.hypot(Math.exp(3), Math.exp(6)).toPrecision(4)}`);
  });
  test('a leaf alone is a one-node graph', () => {
    expect(toDot(tensor([1], { requiresGrad: true }))).toContain('t0 [label="[1]\\nrequires_grad"');
  });
});

describe('testing helpers: layouts', () => {
  test('relayout keeps shape and values, makes the view non-contiguous where the shape allows, and passes gradients', () => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 2, minSide: 2 }) }), fc.constantFrom(...arb.LAYOUTS), (x0, layout) => {
      const x = x0.detach().requiresGrad_();
      const v = arb.relayout(x, layout);
      expect(v.shape).toEqual(x.shape);
      expect(v.data).toEqual(x.data);
      expect(v.isContiguous()).toBe(layout === 'contiguous');
      v.mul(tensor(2, { dtype: 'float64' })).sum().backward();
      expect(Array.from(x.grad!.data).every((g) => g === 2)).toBe(true);
    }));
  });
  test('anyLayout yields strided and broadcast views, not just contiguous tensors', () => {
    const kinds = new Set<string>();
    fc.assert(fc.property(arb.anyLayout({ shape: arb.shape({ minRank: 2, minSide: 2 }) }), (x) => {
      kinds.add(x.strides.includes(0) ? 'expanded' : x.isContiguous() ? 'contiguous' : 'strided');
    }), { numRuns: 200 });
    expect([...kinds].sort()).toEqual(['contiguous', 'expanded', 'strided']);
  });
});

describe('onBackwardStep reports each node as the engine processes it', () => {
  test('the gradient in, the gradients out and what accumulated, for a graph with fan-out', () => {
    const x = tensor([1, 2], { requiresGrad: true, dtype: 'float64' });
    const w = tensor([3, -1], { requiresGrad: true, dtype: 'float64' });
    const h = x.mul(w);
    h.retainGrad();
    const loss = h.add(x.exp()).sum();
    const steps: BackwardStep[] = [];
    const handle = onBackwardStep((s) => steps.push(s));
    loss.backward();
    handle.remove();
    expect(steps.map((s) => s.index)).toEqual(steps.map((_, i) => i));
    expect(steps.map((s) => s.node?.name ?? 'leaf')).toEqual(['SumBackward', 'AddBackward', 'ExpBackward', 'MulBackward', 'leaf', 'leaf']);
    expect(steps[0].tensor).toBe(loss);
    expect(steps[0].gradOutput.item()).toBe(1);
    // Every tensor's incoming gradient is what had accumulated for it when its producer's consumers were done.
    const last = new Map<Tensor, Tensor>();
    for (const s of steps) {
      if (last.has(s.tensor)) expect(s.gradOutput.toArray()).toEqual(last.get(s.tensor)!.toArray());
      s.node?.inputs.forEach((input, i) => {
        if (s.accumulated[i] !== null) last.set(input, s.accumulated[i]!);
      });
    }
    // x is reached twice (through mul and through exp): the second report holds the sum.
    const mulStep = steps.find((s) => s.node?.name === 'MulBackward')!;
    expect(mulStep.gradInputs[0]!.toArray()).toEqual([3, -1]);
    expect(mulStep.accumulated[0]!.toArray()).toEqual([3 + Math.exp(1), -1 + Math.exp(2)]);
    expect(mulStep.grad).toBe(h.grad);
    const xStep = steps.find((s) => s.tensor === x)!;
    expect(xStep.grad).toBe(x.grad);
    expect(xStep.gradOutput.toArray()).toEqual(x.grad!.toArray());
  });
  test('grad() reports too (without storing .grad), and a removed hook hears nothing', () => {
    const x = tensor([0.5], { requiresGrad: true, dtype: 'float64' });
    const seen: string[] = [];
    const handle = onBackwardStep((s) => seen.push(`${s.node?.name ?? 'leaf'}:${s.grad === null}`));
    grad(x.sin().sum(), x);
    expect(seen).toEqual(['SumBackward:true', 'SinBackward:true', 'leaf:true']);
    handle.remove();
    x.sin().sum().backward();
    expect(seen).toHaveLength(3);
    expect(() => onBackwardStep(5 as never)).toThrow('onBackwardStep: expected a function, got 5');
  });
});
