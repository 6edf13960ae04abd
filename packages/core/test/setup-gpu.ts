// Setup of the `gpu` test project: the core op suites run a second time with every kernel on the
// gpu.js backend (float32 ops on gpu.js kernels; float64 ones, like gradchecks, on the CPU kernels).
import { beforeEach } from 'vitest';
import { setBackend } from '../src/index.js';
import '../src/backend/gpu/index.js';

beforeEach(() => {
  setBackend('gpu');
});
