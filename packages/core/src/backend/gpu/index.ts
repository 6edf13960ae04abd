/**
 * `@tensorgrad/core/gpu` — importing it registers the `'gpu'` backend (gpu.js kernels), so that
 * `setBackend('gpu')` works. Kept apart from the main entry so CPU-only programs never load gpu.js.
 */
import { registerBackend } from '../backend.js';
import { gpuKernels } from './backend.js';

/** The gpu backend as ops see it: gpu.js's kernels, the reference's for the rest. */
export const gpuBackend = registerBackend(gpuKernels);
export { gpuInfo, setGpuMode, shutdown as shutdownGpu, GPU_MODES, type GpuInfo, type GpuMode, type GpuModeRequest } from './context.js';
