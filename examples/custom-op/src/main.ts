// Write your own differentiable op, then let property tests check its gradient and tangent rules.
import { defineOp, gradcheck, tensor, type Tensor } from '@tensorgrad/core';
import { checkGradients } from '@tensorgrad/core/testing';

// softsign(x) = x / (1 + |x|);  d/dx = 1 / (1 + |x|)².
// The Jacobian is diagonal, so the gradient rule (g ↦ g·f′(x), reverse mode) and the tangent rule
// (ẋ ↦ f′(x)·ẋ, forward mode) are the same map.
const slope = (v: Tensor, x: Tensor): Tensor => v.div(x.abs().add(1).square());
const softsign = defineOp({
  name: 'Softsign',
  forward: (x) => x.div(x.abs().add(1)),
  backward: (g, { inputs: [x] }) => [slope(g, x)],
  jvp: ([t], { inputs: [x] }) => slope(t!, x),
});

const x = tensor([-2, -0.5, 0.5, 3], { requiresGrad: true });
const y = softsign(x);
console.log(String(y));
y.sum().backward();
console.log(`grad: ${String(x.grad)}`);

// One call: gradcheck of both rules on random shapes, values and memory layouts (float64).
checkGradients(softsign, { avoid: [0] });
console.log('checkGradients(softsign): the rule holds on random shapes, values and layouts');

// A broken rule (the square forgotten) and what gradcheck says about it (it has no tangent rule:
// forward: false checks the gradient rule alone).
const broken = defineOp({
  name: 'BrokenSoftsign',
  forward: (x) => x.div(x.abs().add(1)),
  backward: (g, { inputs: [x] }) => [g.div(x.abs().add(1))],
});
const report = gradcheck(broken, [tensor([-2, 0.5, 3], { dtype: 'float64' })], { forward: false });
console.log(report.message);
