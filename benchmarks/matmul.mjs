// Matmul GFLOP/s of the CPU backend on the VAE's shapes (forward and both backward layouts) and
// on square sizes, with one thread and with the default thread count — next to TensorFlow.js's
// CPU backend (@tensorflow/tfjs-backend-cpu, plain JavaScript like ours) on the same shapes.
//   node benchmarks/matmul.mjs            (after `npx pnpm@10 build`)
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getNumThreads, matmul, randn, setNumThreads } from '@tensorgrad/core';
import { flopsOf, matmulCases, time } from './shapes.mjs';

await tf.setBackend('cpu');

const defaultThreads = getNumThreads();
const rows = [];
for (const [label, as, bs, ta, tb] of matmulCases) {
  const a = randn(as);
  const b = randn(bs);
  const A = ta ? a.T : a;
  const B = tb ? b.T : b;
  const flops = flopsOf(as, bs, ta, tb);
  const row = { case: label };
  for (const threads of [1, defaultThreads]) {
    setNumThreads(threads);
    const ms = time(() => matmul(A, B));
    row[`ms_${threads}t`] = Number(ms.toFixed(2));
    row[`gflops_${threads}t`] = Number((flops / ms / 1e6).toFixed(2));
  }
  // The same product in tfjs: transposeA/transposeB describe the layouts, as ours do.
  const ta_ = tf.tensor(a.data, a.shape);
  const tb_ = tf.tensor(b.data, b.shape);
  const tfMs = time(() => tf.tidy(() => tf.matMul(ta_, tb_, ta, tb).dataSync()));
  row.ms_tfjs = Number(tfMs.toFixed(2));
  row.gflops_tfjs = Number((flops / tfMs / 1e6).toFixed(2));
  tf.dispose([ta_, tb_]);
  rows.push(row);
}
setNumThreads(defaultThreads);
console.table(rows);
const out = new URL('./results/matmul.json', import.meta.url);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, threads: defaultThreads, tfjs: tf.version_core, rows }, null, 1));
console.log(`wrote ${out.pathname}`);
