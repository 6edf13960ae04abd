// defineOp: a user's differentiable op with its own gradient rule, on the tape like any other.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  AutogradError, DTypeError, ShapeError, ValueError, defineOp, dualLevel, gradcheck, gradgradcheck, makeDual, onesLike, tensor, toDot, unpackDual, type Tensor,
} from '../src/index.js';
import * as arb from '../src/testing/index.js';

const cube = defineOp({
  name: 'Cube',
  forward: (x) => x.mul(x).mul(x),
  backward: (g, { inputs: [x] }) => [g.mul(x.mul(x)).mul(3)],
  jvp: ([t], { inputs: [x] }) => t!.mul(x.mul(x)).mul(3),
});

describe('defineOp', () => {
  test('the issue\'s example: forward, grad_fn, backward, toDot', () => {
    const x = tensor([1, 2, -3], { requiresGrad: true });
    const y = cube(x);
    expect(y.toArray()).toEqual([1, 8, -27]);
    expect(String(y)).toBe('tensor([  1.,   8., -27.], grad_fn=<CubeBackward>)');
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 12, 27]);
    expect(toDot(cube(x).sum())).toContain('CubeBackward');
  });
  test('its rule passes gradcheck on random shapes and layouts, and second derivatives (the rule is made of ops)', () => {
    arb.checkGradients(cube);
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 2 }) }), (x) => {
      const r = gradgradcheck(cube, [x]);
      expect(r.ok, r.message).toBe(true);
    }), { numRuns: 20 });
  });
  test('several inputs, values saved in forward, and null for an input that gets no gradient', () => {
    // f(a, b) = a·e^b with e^b computed once in forward and kept for backward; the third input is a mask.
    const scaled = defineOp<Tensor>({
      name: 'ScaledExp',
      forward: (a, b, mask) => {
        const e = b.exp();
        return { output: a.mul(e).mul(mask), saved: e };
      },
      backward: (g, { inputs: [a, , mask], saved: e }) => [g.mul(e).mul(mask), g.mul(a).mul(e).mul(mask), null],
      // ẏ = (ȧ·e^b + a·e^b·ḃ)·mask; the mask is a constant here, so its tangent is taken as none
      jvp: ([ta, tb], { inputs: [a, , mask], saved: e }) => {
        const da = ta === null ? null : ta.mul(e), db = tb === null ? null : a.mul(e).mul(tb);
        return (da !== null && db !== null ? da.add(db) : (da ?? db)!).mul(mask);
      },
    });
    const mask = tensor([1, 0, 1], { dtype: 'float64' });
    const r = gradcheck((a, b) => scaled(a, b, mask), [tensor([0.5, -1, 2], { dtype: 'float64' }), tensor([0.1, 0.2, -0.3], { dtype: 'float64' })]);
    expect(r.ok, r.message).toBe(true);
    const m = tensor([1, 0, 1], { requiresGrad: true });
    const a = tensor([1, 1, 1], { requiresGrad: true });
    scaled(a, tensor([0, 0, 0]), m).sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 1]);
    expect(m.grad).toBeNull();
  });
  test('a wrong rule is caught by gradcheck, which names the worst element', () => {
    const broken = defineOp({ name: 'BrokenCube', forward: (x) => x.mul(x).mul(x), backward: (g, { inputs: [x] }) => [g.mul(x.mul(x)).mul(2)] });
    expect(() => arb.checkGradients(broken, { forward: false })).toThrow(/^checkGradients: gradcheck FAILED .* worst at input 0\[[\d,]*\] → output\[[\d,]*\] \(reverse mode\): analytic .*, numerical .*\n {2}on inputs of shapes \[.*\] in layouts \w+ .*replay with \{ seed: -?\d+ \}\)$/);
    // A right gradient with a wrong tangent rule: the forward-mode half of the check catches it.
    const brokenTangent = defineOp({
      name: 'BrokenTangentCube', forward: (x) => x.mul(x).mul(x),
      backward: (g, { inputs: [x] }) => [g.mul(x.mul(x)).mul(3)], jvp: ([t], { inputs: [x] }) => t!.mul(x.mul(x)).mul(2),
    });
    expect(() => arb.checkGradients(brokenTangent)).toThrow(/gradcheck FAILED .* \(forward mode\): analytic/);
  });
  test('forward mode meets an op defined without jvp: an error naming it; with one, tangents pass through', () => {
    const noJvp = defineOp({ name: 'Square', forward: (x) => x.mul(x), backward: (g, { inputs: [x] }) => [g.mul(x).mul(2)] });
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => dualLevel(() => noJvp(makeDual(x, onesLike(x))))).toThrow(AutogradError);
    expect(() => dualLevel(() => noJvp(makeDual(x, onesLike(x))))).toThrow(/SquareBackward: no tangent rule/);
    expect(() => arb.checkGradients(noJvp)).toThrow(/SquareBackward: no tangent rule.*give defineOp a jvp/);
    arb.checkGradients(noJvp, { forward: false });
    // Outside a dual level, or with no tangent reaching it, the op runs as before.
    expect(noJvp(x).toArray()).toEqual([1, 4, 9]);
    const y = dualLevel(() => unpackDual(cube(makeDual(x, tensor([1, 0, 2], { dtype: 'float64' })))).tangent!);
    expect(y.toArray()).toEqual([3, 0, 54]);
    const wrongShape = defineOp({ name: 'Wide', forward: (x) => x.mul(2), backward: (g) => [g.mul(2)], jvp: ([t]) => t!.sum() });
    expect(() => dualLevel(() => wrongShape(makeDual(x, onesLike(x))))).toThrow('WideBackward: jvp returned a tangent of shape [], but the output has shape [3]');
    const wrongDType = defineOp({ name: 'Narrow', forward: (x) => x.mul(2), backward: (g) => [g.mul(2)], jvp: ([t]) => t!.mul(2).to('float32') });
    expect(() => dualLevel(() => wrongDType(makeDual(x, onesLike(x))))).toThrow(DTypeError);
    expect(() => defineOp({ name: 'Y', forward: (x: Tensor) => x, backward: () => [], jvp: 3 as never })).toThrow(/jvp must be a function/);
  });
  test('mistakes in the definition or the rule are typed errors naming the op', () => {
    expect(() => defineOp({ name: 'bad name', forward: (x) => x, backward: () => [] })).toThrow(ValueError);
    expect(() => defineOp({ name: 'X', forward: (x: Tensor) => x, backward: () => [], extra: 1 } as never)).toThrow(/unknown option "extra"/);
    const wrongCount = defineOp({ name: 'Twice', forward: (x) => x.mul(2), backward: (g) => [g, g] });
    expect(() => wrongCount(tensor([1], { requiresGrad: true })).sum().backward()).toThrow(AutogradError);
    const wrongShape = defineOp({ name: 'Sum', forward: (x) => x.sum(), backward: (g) => [g] });
    expect(() => wrongShape(tensor([1, 2], { requiresGrad: true })).backward()).toThrow('SumBackward: gradient 0 has shape [], but input 0 has shape [2]');
    expect(() => wrongShape(tensor([1, 2], { requiresGrad: true })).backward()).toThrow(ShapeError);
    const wrongDType = defineOp({ name: 'Half', forward: (x) => x.mul(0.5), backward: (g) => [g.mul(0.5).to('float32')] });
    expect(() => wrongDType(tensor([1, 2], { requiresGrad: true, dtype: 'float64' })).sum().backward())
      .toThrow("HalfBackward: gradient 0 has dtype float32, but input 0 has dtype float64; convert it with .to('float64')");
    expect(() => wrongDType(tensor([1, 2], { requiresGrad: true, dtype: 'float64' })).sum().backward()).toThrow(DTypeError);
    expect(() => cube(3 as never)).toThrow('Cube: input 0 is not a tensor (number); wrap numbers with tensor()');
    const noTensor = defineOp({ name: 'Nothing', forward: () => 5 as never, backward: () => [] });
    expect(() => noTensor(tensor([1]))).toThrow(/forward must return a tensor/);
  });
  test('forward is not recorded: the op is one node; an input returned as is still gets its own node', () => {
    const identity = defineOp({ name: 'Id', forward: (x) => x, backward: (g) => [g] });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = identity(x);
    expect(y).not.toBe(x);
    expect(y.gradFn!.name).toBe('IdBackward');
    expect(y.gradFn!.inputs).toEqual([x]);
    expect(x.isLeaf).toBe(true);
  });
});
