// Matmul GFLOP/s of the gpu backend in each gpu.js mode, next to the cpu and wasm backends, on the
// shapes of shapes.mjs: in Node (headlessgl = WebGL on Mesa's llvmpipe, webasm, cpu) and
// in Chromium (webgl2, webgl on SwiftShader). There is no GPU on these machines: every "GPU"
// here is a software rasterizer, so the numbers show gpu.js's overheads, not a GPU's speed.
//   npx pnpm@10 build && sh scripts/with-display.sh node benchmarks/gpu-matmul.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendInfo, getNumThreads, setBackend } from '@tensorgrad/core';
import { setGpuMode } from '@tensorgrad/core/gpu';
import { runInChromium } from '../scripts/browser.mjs';
import { measureMatmuls } from './gpu-cases.mjs';

const rows = [];
for (const backend of ['cpu', 'wasm']) {
  setBackend(backend);
  rows.push(...measureMatmuls(`${backend} backend (${getNumThreads()} threads)`));
}
setBackend('gpu');
for (const mode of ['headlessgl', 'webasm', 'cpu']) {
  try {
    setGpuMode(mode);
    console.log(`gpu.js ${mode}…`);
    rows.push(...measureMatmuls(`gpu.js ${mode}`));
  } catch (e) {
    console.log(`gpu.js ${mode} did not run: ${e.message}`);
  }
}
setBackend('cpu');
console.log('Chromium…');
const page = await runInChromium(fileURLToPath(new URL('./browser/gpu-matmul-page.mjs', import.meta.url)), { timeoutMs: 600_000 });
rows.push(...page.rows);

// One row per case, one GFLOP/s column per backend/mode.
const table = {};
for (const r of rows) (table[r.case] ??= {})[r.column] = r.gflops;
console.log('GFLOP/s (each call includes reading the product back to the CPU)');
console.table(table);
const out = new URL('./results/gpu-matmul.json', import.meta.url);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, chromium: page.userAgent, rows }, null, 1));
console.log(`wrote ${out.pathname}`);
