// The browser half of gpu-matmul.mjs: the same cases with gpu.js on WebGL2 and on WebGL1, and
// the cpu and wasm backends in the page for reference (the page is not cross-origin isolated,
// so the wasm backend runs on one thread, on a plain memory).
import { setBackend } from '@tensorgrad/core';
import { setGpuMode } from '@tensorgrad/core/gpu';
import { measureMatmuls } from '../gpu-cases.mjs';

try {
  const rows = [];
  for (const backend of ['cpu', 'wasm']) {
    setBackend(backend);
    rows.push(...measureMatmuls(`${backend} backend (Chromium)`));
  }
  setBackend('gpu');
  for (const mode of ['webgl2', 'webgl']) {
    setGpuMode(mode);
    rows.push(...measureMatmuls(`gpu.js ${mode} (Chromium, SwiftShader)`));
  }
  globalThis.tensorgradResult = { userAgent: navigator.userAgent, rows };
} catch (e) {
  globalThis.tensorgradError = String(e?.stack ?? e);
}
