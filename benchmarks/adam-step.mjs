// One Adam step over the VAE's parameters (652,824), on the default backend: best mean of 10
// rounds of 20 steps. Measures the optimizer's memory traffic (on wasm the parameters and
// moments stay in the module's memory: only the gradients are copied in).
//   node benchmarks/adam-step.mjs
import { Generator, backendInfo, randn } from '@tensorgrad/core';
import { Adam } from '@tensorgrad/nn';
import { VAE } from '@tensorgrad/vae';

const model = new VAE({ generator: new Generator(1) });
const opt = new Adam(model.parameters());
for (const p of model.parameters()) p.grad = randn(p.shape);
for (let i = 0; i < 20; i++) opt.step();
let best = Infinity;
for (let r = 0; r < 10; r++) {
  const t = performance.now();
  for (let i = 0; i < 20; i++) opt.step();
  best = Math.min(best, (performance.now() - t) / 20);
}
const n = model.parameters().reduce((s, p) => s + p.numel(), 0);
console.log(`Adam step over ${n} parameters on ${backendInfo().name}: ${best.toFixed(3)} ms`);
