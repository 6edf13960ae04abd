import { tfjs } from './peers.mjs';
import { add, exp, randn, sigmoid, withBackend } from '@tensorgrad/core';
const p = await tfjs('wasm');
const N = 1 << 20; const x = randn([N]), y = randn([N]);
// Host-resident inputs (as the benchmark uploads them) and wasm-resident ones (outputs of earlier ops).
const xr = withBackend('wasm', () => x.add(0)), yr = withBackend('wasm', () => y.add(0));
const px = p.upload(x.data, [N]), py = p.upload(y.data, [N]);
const cases = {
  'add ours': () => withBackend('wasm', () => add(x, y).data), 'add ours resident': () => withBackend('wasm', () => add(xr, yr).data), 'add tfjs': () => p.add(px, py),
  'exp ours': () => withBackend('wasm', () => exp(x).data), 'exp ours resident': () => withBackend('wasm', () => exp(xr).data), 'exp tfjs': () => p.exp(px),
  'sigmoid ours': () => withBackend('wasm', () => sigmoid(x).data), 'sigmoid ours resident': () => withBackend('wasm', () => sigmoid(xr).data), 'sigmoid tfjs': () => p.sigmoid(px),
  'sum ours': () => withBackend('wasm', () => x.sum().data), 'sum ours resident': () => withBackend('wasm', () => xr.sum().data), 'sum tfjs': () => p.sum(px),
};
const best = {};
for (let round = 0; round < 5; round++) for (const [k, f] of Object.entries(cases)) {
  const ts = []; for (let i = 0; i < 30; i++) { const t = performance.now(); f(); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); best[k] = Math.min(best[k] ?? Infinity, ts[15]);
}
for (const k of Object.keys(best)) console.log(k.padEnd(22), best[k].toFixed(3));
