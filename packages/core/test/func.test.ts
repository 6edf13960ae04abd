// Forward mode and the function transforms: jvp against the double-VJP trick, jacfwd against
// jacrev, hessian and hvp against PyTorch (fixtures/pytorch_func.json, written by
// fixtures/make_func_fixtures.py), per-example gradients with vmap, nesting without perturbation
// confusion, no tape kept by forward mode, and the errors naming the transform.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  AutogradError, DTypeError, Generator, ShapeError, Tensor, ValueError, arange, defineOp, dualLevel, func, grad, logSoftmax, logsumexp, makeDual,
  matmul, noGrad, onesLike, randn, tanh, tensor, unpackDual, zerosLike,
} from '../src/index.js';
import * as arb from '../src/testing/index.js';

interface Dumped { shape: number[]; values: number[] }
interface SecondOrderCase { kind: 'second-order'; name: string; inputs: Dumped[]; v: Dumped[]; value: Dumped; hessian: Dumped[][]; hvp: Dumped[] }
interface VmapCase { kind: 'vmap'; name: string; inputs: Dumped[]; grad_w: Dumped; grad_b: Dumped }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/pytorch_func.json', import.meta.url), 'utf8')) as { cases: (SecondOrderCase | VmapCase)[] };

const f64 = (d: Dumped): Tensor => tensor(d.values, { dtype: 'float64' }).reshape(d.shape);
/** fixture_inputs.py's `fixed`: sin of the flat index, deterministic on both sides. */
const fixed = (shape: number[], { scale = 1, offset = 0, phase = 0.3 } = {}): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + phase) * scale + offset), { dtype: 'float64' }).reshape(shape);
};
const close = (got: Tensor, want: Tensor, tol = 1e-10): void => {
  expect(got.shape).toEqual(want.shape);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i]), `element ${i}: ${g[i]} vs ${w[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i])));
};

// The fixture's functions, as make_func_fixtures.py writes them.
const FUNCTIONS: Record<string, (...xs: Tensor[]) => Tensor> = {
  sin_x2: (x) => x.sin().mul(x).mul(x).sum(),
  logsumexp_Ax: (x) => logsumexp(matmul(fixed([4, 3], { phase: 0.7 }), x), 0),
  rosenbrock: (x) => {
    const a = x.slice(0, 1), b = x.slice(0, 0, -1);
    return a.sub(b.pow(2)).pow(2).mul(100).add(b.neg().add(1).pow(2)).sum();
  },
  softmax_ce: (w, b) => {
    const lp = logSoftmax(matmul(fixed([5, 3], { phase: 1.1 }), w).add(b), 1);
    return lp.gather(1, tensor([[0], [2], [1], [1], [0]], { dtype: 'int32' })).mean().neg();
  },
  tanh_mlp: (x, w) => tanh(matmul(x, w)).pow(2).sum().add(w.mul(w).sum().mul(0.1)),
};

describe('func against PyTorch', () => {
  const second = cases.filter((c): c is SecondOrderCase => c.kind === 'second-order');
  test('every fixture function is written here', () => {
    expect(second.map((c) => c.name).sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });
  test.each(second.map((c) => [c.name, c] as const))('hessian and hvp of %s equal torch.autograd.functional', (name, c) => {
    const f = FUNCTIONS[name];
    const xs = c.inputs.map(f64);
    const argnums = xs.map((_, i) => i);
    const H = func.hessian(f, { argnums: xs.length === 1 ? 0 : argnums })(...xs);
    if (xs.length === 1) close(H as Tensor, f64(c.hessian[0][0]));
    else (H as Tensor[][]).forEach((row, i) => row.forEach((block, j) => close(block, f64(c.hessian[i][j]))));
    const [value, hv] = func.hvp(f, xs, c.v.map(f64)) as [Tensor, Tensor[]];
    close(value, f64(c.value));
    hv.forEach((t, i) => close(t, f64(c.hvp[i])));
  });
  test('per-example gradients with vmap(grad) equal a PyTorch loop', () => {
    const c = cases.find((k): k is VmapCase => k.kind === 'vmap')!;
    const [X, Y, U, W, B] = c.inputs.map(f64);
    const loss = (w: Tensor, b: Tensor, x: Tensor, y: Tensor) => tanh(matmul(x, w).add(b)).mul(U).sum().sub(y).pow(2);
    const [gw, gb] = func.vmap(func.grad(loss, { argnums: [0, 1] }), { inDims: [null, null, 0, 0] })(W, B, X, Y) as Tensor[];
    close(gw, f64(c.grad_w));
    close(gb, f64(c.grad_b));
  });
});

describe('forward mode', () => {
  const fns: [string, (x: Tensor) => Tensor][] = [
    ['sin·x then softmax', (x) => x.sin().mul(x).softmax(-1)],
    ['matmul with its transpose, then tanh', (x) => tanh(matmul(x, x.transpose(-1, -2)))],
    ['cumsum, exp and a product', (x) => x.cumsum(-1).exp().mul(x)],
    ['log-sum-exp over the last dim', (x) => logsumexp(x, -1)],
  ];
  test.each(fns)('jvp equals the double-VJP result (%s)', (_, f) => {
    fc.assert(fc.property(arb.tensor({ dtype: 'float64', shape: arb.shape({ minRank: 2, maxRank: 3, maxSide: 4 }), min: -2, max: 2 }), fc.integer({ min: 0, max: 1e6 }), (x, seed) => {
      const v = randn(x.shape, { dtype: 'float64', generator: new Generator(seed) });
      const [y, forward] = func.jvp(f, [x], [v]) as [Tensor, Tensor];
      // J·v by reverse mode twice: u ↦ Jᵀu is linear, so its VJP with cotangent v is (Jᵀ)ᵀv = J·v.
      const xr = x.detach().requiresGrad_();
      const out = f(xr);
      const u = zerosLike(out).requiresGrad_();
      const [jtu] = grad(out, xr, { gradOutputs: u, createGraph: true });
      const [jv] = grad(jtu, u, { gradOutputs: v });
      close(y, out.detach());
      close(forward, jv, 1e-9);
    }), { numRuns: 25 });
  });
  test.each(fns)('jacfwd equals jacrev (%s)', (_, f) => {
    fc.assert(fc.property(arb.tensor({ dtype: 'float64', shape: arb.shape({ minRank: 2, maxRank: 2, maxSide: 3 }), min: -2, max: 2 }), (x) => {
      close(func.jacfwd(f)(x) as Tensor, func.jacrev(f)(x) as Tensor, 1e-9);
    }), { numRuns: 15 });
  });
  test('jacfwd equals jacrev for several arguments and a structured output', () => {
    const f = (a: Tensor, b: Tensor) => ({ s: a.sum().mul(b.sum()), p: [a.exp().mul(b.sum()), b.pow(2)] });
    const a = randn([3], { dtype: 'float64', generator: new Generator(1) }), b = randn([2, 2], { dtype: 'float64', generator: new Generator(2) });
    const F = func.jacfwd(f, { argnums: [0, 1] })(a, b) as { s: Tensor[]; p: Tensor[][] };
    const R = func.jacrev(f, { argnums: [0, 1] })(a, b) as { s: Tensor[]; p: Tensor[][] };
    expect(F.s[0].shape).toEqual([3]);
    expect(F.p[0][1].shape).toEqual([3, 2, 2]);
    F.s.forEach((t, i) => close(t, R.s[i]));
    F.p.forEach((row, i) => row.forEach((t, j) => close(t, R.p[i][j])));
  });
  test('keeps no tape: a JVP through a long chain leaves no gradFn and nothing requiring grad', () => {
    const x = randn([4], { dtype: 'float64', generator: new Generator(3) });
    const [y, t] = func.jvp((x: Tensor) => {
      let h = x;
      for (let i = 0; i < 200; i++) h = h.sin().mul(1.01).add(0.1);
      return h;
    }, [x], [onesLike(x)]) as [Tensor, Tensor];
    for (const r of [y, t]) {
      expect(r.gradFn).toBeNull();
      expect(r.requiresGrad).toBe(false);
    }
    // and the same chain through makeDual: every intermediate is a fresh tensor with no node
    dualLevel(() => {
      let h = makeDual(x, onesLike(x));
      for (let i = 0; i < 50; i++) {
        h = h.sin();
        expect(h.gradFn).toBeNull();
      }
    });
  });
  test('nested levels do not confuse their perturbations', () => {
    // d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 (Siskind and Pearlmutter's example; a single shared ε gives 2)
    const x0 = tensor(3, { dtype: 'float64' }), y0 = tensor(5, { dtype: 'float64' });
    const inner = (x: Tensor) => func.jvp((y: Tensor) => x.add(y), [y0], [onesLike(y0)])[1] as Tensor;
    const [, d] = func.jvp((x: Tensor) => x.mul(inner(x)), [x0], [onesLike(x0)]) as [Tensor, Tensor];
    expect(d.item()).toBe(1);
    // jacfwd(jacfwd(f)) is the Hessian too
    const f = FUNCTIONS.sin_x2;
    const x = fixed([4], { scale: 1.5 });
    close(func.jacfwd(func.jacfwd((x: Tensor) => f(x)))(x) as Tensor, func.hessian(f)(x) as Tensor, 1e-9);
  });
  test('reverse over forward: the gradient of a JVP', () => {
    // g(x) = ⟨∇f(x), v⟩ = J_f(x)·v for scalar f; its gradient is H·v
    const f = FUNCTIONS.sin_x2, x = fixed([4]), v = fixed([4], { phase: 1 });
    const g = (x: Tensor) => func.jvp(f, [x], [v])[1] as Tensor;
    const [, hv] = func.hvp(f, [x], [v]) as [Tensor, Tensor[]];
    close(func.grad(g)(x) as Tensor, hv[0], 1e-9);
  });
  test('grad composes: grad(grad(f)) is the second derivative', () => {
    const x = tensor(0.7, { dtype: 'float64' });
    const d2 = func.grad(func.grad((x: Tensor) => x.sin().mul(x)) as (x: Tensor) => Tensor)(x) as Tensor;
    expect(d2.item()).toBeCloseTo(2 * Math.cos(0.7) - 0.7 * Math.sin(0.7), 12);
  });
  test('valueAndGrad, hasAux, vjp and linearize', () => {
    const x = fixed([3]);
    const f = (x: Tensor) => [x.exp().sum(), x.max()] as const;
    const [[value, aux], g] = func.valueAndGrad(f, { hasAux: true })(x) as [[Tensor, Tensor], Tensor];
    close(value, x.exp().sum());
    close(aux, x.max());
    close(g, x.exp());
    const [out, vjpFn] = func.vjp((a: Tensor, b: Tensor) => a.mul(b), x, x.neg());
    close(out as Tensor, x.mul(x.neg()));
    const [ga, gb] = vjpFn(onesLike(x)) as Tensor[];
    close(ga, x.neg());
    close(gb, x);
    const [y, jvpFn] = func.linearize((a: Tensor) => a.sin(), x);
    close(y as Tensor, x.sin());
    close(jvpFn(onesLike(x)) as Tensor, x.cos());
    close(jvpFn(x) as Tensor, x.cos().mul(x));
  });
  test('vmap moves the mapped dim where asked and shares unmapped arguments', () => {
    const x = arange(6).reshape([2, 3]).double(), w = tensor([1, 10, 100], { dtype: 'float64' });
    close(func.vmap((r: Tensor, w: Tensor) => r.mul(w), { inDims: [1, null], outDims: 1 })(x, w.slice(0, 0, 2)) as Tensor, x.mul(w.slice(0, 0, 2).reshape([2, 1])));
    expect((func.vmap((r: Tensor) => r.sum())(x) as Tensor).toArray()).toEqual([3, 12]);
  });
});

describe('what the engine runs and keeps', () => {
  test('grad() with respect to a non-leaf runs only the rules between the outputs and it (as PyTorch)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    const [g] = grad([h.sin().sum()], [h]);
    close(g, h.detach().cos());
    // ExpBackward, behind h, was neither run nor freed: a later backward goes through it
    h.cos().sum().backward();
    close(x.grad!, h.detach().sin().neg().mul(h.detach()), 1e-6);
    // and an input behind another input still gets the path through it
    const a = tensor([0.5], { requiresGrad: true }), b = a.mul(3);
    const [ga, gb] = grad([b.mul(a).sum()], [a, b]);
    expect(ga.item()).toBeCloseTo(3 * 0.5 + 0.5 * 3, 6); // ∂(3a·a)/∂a through both paths
    expect(gb.item()).toBeCloseTo(0.5, 6);
  });
  test('a tangent rule may open its own dual level (a defineOp whose jvp calls func.jvp)', () => {
    const f = (x: Tensor) => x.sin().mul(x);
    const op = defineOp({
      name: 'SinTimes', forward: f, backward: (g, { inputs: [x] }) => [g.mul(x.cos().mul(x).add(x.sin()))],
      jvp: ([t], { inputs: [x] }) => func.jvp(f, [x], [t!])[1] as Tensor,
    });
    const x = fixed([3]);
    const [, t] = func.jvp(op, [x], [onesLike(x)]) as [Tensor, Tensor];
    close(t, x.cos().mul(x).add(x.sin()));
  });
  test('mul and div keep only what the rules of the inputs that need gradients read', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(tensor([3, 4])).sum();
    noGrad(() => w.sub_(0.1)); // ∂y/∂w = c never reads w
    y.backward();
    expect(w.grad!.toArray()).toEqual([3, 4]);
    const v = tensor([1, 2], { requiresGrad: true });
    const m = v.mean(); // div(sum, n): ∂/∂sum reads n alone, not the output
    noGrad(() => m.detach().add_(1));
    m.backward();
    expect(v.grad!.toArray()).toEqual([0.5, 0.5]);
    // what a rule does read is still checked
    const u = tensor([1, 2], { requiresGrad: true }), c = tensor([3, 4], { requiresGrad: true });
    const z = u.mul(c).sum();
    noGrad(() => c.add_(1));
    expect(() => z.backward()).toThrow(/modified by an inplace operation/);
  });
});

describe('errors name the transform and the argument', () => {
  const x = fixed([3]);
  test('grad needs one scalar tensor out', () => {
    expect(() => func.grad((x: Tensor) => x.mul(2))(x)).toThrow(ShapeError);
    expect(() => func.grad((x: Tensor) => x.mul(2))(x)).toThrow(/^func\.grad: f must return a scalar \(one element\), got shape \[3\]/);
    expect(() => func.grad(() => 3 as never)(x)).toThrow(/^func\.grad: f's output must be a tensor/);
    expect(() => func.grad((x: Tensor) => [x.sum(), x.sum()])(x)).toThrow(/^func\.grad: f must return a tensor/);
    expect(() => func.grad((x: Tensor) => x.sum(), { argnums: 2 })(x)).toThrow(/^func\.grad: argnums 2 is out of range for a call with 1 argument/);
    expect(() => func.grad((x: Tensor) => x.sum(), { argnum: 0 } as never)).toThrow(/unknown option 'argnum'/);
    expect(() => func.grad((x: Tensor) => x.sum())(3 as never)).toThrow(/^func\.grad: argument 0 must be a tensor/);
    expect(() => func.grad((x: Tensor) => x.sum())(tensor([1, 2], { dtype: 'int32' }))).toThrow(/^func\.grad: input 0 is int32; only float tensors can be differentiated/);
  });
  test('jvp checks its tangents against the primals', () => {
    expect(() => func.jvp((x: Tensor) => x, [x], [tensor([1, 2], { dtype: 'float64' })])).toThrow(/^func\.jvp: tangent 0 has shape \[2\], but its primal has shape \[3\]/);
    expect(() => func.jvp((x: Tensor) => x, [x], [onesLike(x).float()])).toThrow(/^func\.jvp: tangent 0 is float32, but its primal is float64/);
    expect(() => func.jvp((x: Tensor) => x, [x], [])).toThrow(/^func\.jvp: got 1 primals but 0 tangents/);
    expect(() => func.vjp((x: Tensor) => x.sin(), x)[1](tensor([1], { dtype: 'float64' }))).toThrow(/^func\.vjp: cotangent 0 has shape \[1\], but output 0 has shape \[3\]/);
  });
  test('the low-level API needs a level, and matching tangents', () => {
    expect(() => makeDual(x, onesLike(x))).toThrow(AutogradError);
    expect(() => makeDual(x, onesLike(x))).toThrow(/^makeDual: needs an open dual level/);
    expect(() => dualLevel(() => makeDual(x, tensor([1], { dtype: 'float64' })))).toThrow(/^makeDual: tangent of shape \[1\] must have the primal's shape \[3\]/);
    const ints = tensor([1, 2], { dtype: 'int32' });
    expect(() => dualLevel(() => makeDual(ints, ints))).toThrow(DTypeError);
    expect(() => dualLevel(async () => 1)).toThrow(ValueError);
    expect(() => dualLevel(() => makeDual(x.clone(), onesLike(x)).mul_(2))).toThrow(/^mul_: a tensor here carries a forward-mode tangent/);
    expect(() => dualLevel(() => x.clone().add_(makeDual(x, onesLike(x))))).toThrow(AutogradError);
    // leaving the level drops its tangents
    const d = dualLevel(() => makeDual(x, onesLike(x)));
    expect(dualLevel(() => unpackDual(d).tangent)).toBeNull();
  });
});
