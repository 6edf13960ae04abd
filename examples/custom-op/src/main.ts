// Write your own differentiable op, then let property tests check its gradient rule.
import { defineOp, gradcheck, tensor } from '@tensorgrad/core';
import { checkGradients } from '@tensorgrad/core/testing';

// softsign(x) = x / (1 + |x|);  d/dx = 1 / (1 + |x|)².
const softsign = defineOp({
  name: 'Softsign',
  forward: (x) => x.div(x.abs().add(1)),
  backward: (g, { inputs: [x] }) => [g.div(x.abs().add(1).square())],
});

const x = tensor([-2, -0.5, 0.5, 3], { requiresGrad: true });
const y = softsign(x);
console.log(String(y));
y.sum().backward();
console.log(`grad: ${String(x.grad)}`);

// One call: gradcheck on random shapes, values and memory layouts (float64).
checkGradients(softsign, { avoid: [0] });
console.log('checkGradients(softsign): the rule holds on random shapes, values and layouts');

// A broken rule (the square forgotten) and what gradcheck says about it.
const broken = defineOp({
  name: 'BrokenSoftsign',
  forward: (x) => x.div(x.abs().add(1)),
  backward: (g, { inputs: [x] }) => [g.div(x.abs().add(1))],
});
const report = gradcheck(broken, [tensor([-2, 0.5, 3], { dtype: 'float64' })]);
console.log(report.message);
