import type { IKernelRunShortcut, KernelVariable, Texture } from 'gpu.js';
import { BackendError } from '../../errors.js';
import type { DeviceData } from '../buffer.js';
import { helperFunctions } from './sources.js';

/**
 * gpu.js is an optional peer dependency (it pulls in `gl`, which compiles native code): CPU users
 * never install it, and importing `@tensorgrad/core/gpu` without it says what to do in one line.
 */
async function loadGpuJs(): Promise<typeof import('gpu.js')> {
  try {
    return ((await import('gpu.js')) as { default: typeof import('gpu.js') }).default;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new BackendError('gpu', 'the gpu backend needs the npm package gpu.js, an optional peer dependency of @tensorgrad/core: npm install gpu.js@2.24.1');
  }
}
const { GPU } = await loadGpuJs();
type GpuInstance = InstanceType<typeof GPU>;

/**
 * The gpu.js modes: three WebGL ones that run GLSL shaders on a GPU (`headlessgl` is WebGL in
 * Node through the npm package `gl`), and two that run the same kernels on the CPU.
 */
export type GpuMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';
export const GPU_MODES: readonly GpuMode[] = ['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];
/** `'auto'`: the first WebGL mode that starts; if none does, `webasm`, with one warning that says why. */
export type GpuModeRequest = GpuMode | 'auto';

const WEBGL_MODES: readonly GpuMode[] = ['headlessgl', 'webgl2', 'webgl'];

function supported(mode: GpuMode): boolean {
  switch (mode) {
    case 'headlessgl': return GPU.isHeadlessGLSupported;
    case 'webgl2': return GPU.isWebGL2Supported;
    case 'webgl': return GPU.isWebGLSupported;
    case 'webasm': return GPU.isWebAssemblySupported;
    case 'cpu': return true;
  }
}

/** Why a WebGL mode cannot start here, in words a user can act on. */
function whyNot(mode: GpuMode): string {
  const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (mode === 'headlessgl') {
    if (!inNode) return 'headlessgl runs in Node only';
    if (!process.env.DISPLAY) {
      return "headless-gl (npm 'gl') could not open a WebGL context: there is no display (DISPLAY is unset); run under `xvfb-run -a`";
    }
    return "headless-gl (npm 'gl') could not open a WebGL context: the native module is missing or failed to build (pnpm builds it only when 'gl' is in pnpm.onlyBuiltDependencies), or the display has no OpenGL";
  }
  if (inNode) return `${mode} needs a browser; in Node the WebGL mode is headlessgl`;
  return `this browser gives no ${mode === 'webgl2' ? 'WebGL2' : 'WebGL'} context`;
}

interface Started {
  readonly gpu: GpuInstance;
  readonly mode: GpuMode;
  /** Set when `auto` could not start any WebGL mode: the reason, already warned about once. */
  readonly fallback: string | null;
}

let requested: GpuModeRequest = readEnvMode();
let started: Started | null = null;
const kernels = new Map<string, IKernelRunShortcut>();
/** Textures held by tensors (a texture leaves when its tensor is collected or written). */
const live = new Set<TextureData>();
let liveBytes = 0;
/** Texture memory above which we warn (once) that a loop probably never yields to finalizers. */
const WARN_BYTES = 2 ** 30;
let warnedBytes = false;

function readEnvMode(): GpuModeRequest {
  const env = typeof process !== 'undefined' ? process.env?.TENSORGRAD_GPU_MODE : undefined;
  if (env === undefined || env === '') return 'auto';
  if (env === 'auto' || (GPU_MODES as readonly string[]).includes(env)) return env as GpuModeRequest;
  throw new BackendError('gpu', `TENSORGRAD_GPU_MODE=${JSON.stringify(env)}: expected auto or one of ${GPU_MODES.join(', ')}`);
}

/**
 * Chooses the gpu.js mode the `'gpu'` backend runs (default `'auto'`, or the environment variable
 * `TENSORGRAD_GPU_MODE`). Takes effect at the next kernel; tensors on the old context keep their
 * values (they are read back to the CPU).
 */
export function setGpuMode(mode: GpuModeRequest): void {
  if (mode !== 'auto' && !GPU_MODES.includes(mode)) {
    throw new BackendError('setGpuMode', `unknown mode ${JSON.stringify(mode)}; expected auto or one of ${GPU_MODES.join(', ')}`);
  }
  requested = mode;
  shutdown();
}

/**
 * Destroys the gpu.js instance and its compiled kernels (a new one starts on the next kernel).
 * Tensors whose elements were on its textures get them back on the CPU first.
 */
export function shutdown(): void {
  // Tensors outlive contexts: their textures are read back first, so they keep their values.
  for (const t of [...live]) t.evacuate();
  for (const k of kernels.values()) k.destroy(false);
  kernels.clear();
  started?.gpu.destroy();
  started = null;
}

/** A gpu.js instance in `mode`, with the helper functions every kernel may call. */
function open(mode: GpuMode): GpuInstance {
  const gpu = new GPU({ mode });
  // gpu.js takes function source text here too; its typings only list function objects.
  for (const f of helperFunctions) gpu.addFunction(f as unknown as Parameters<GpuInstance['addFunction']>[0]);
  return gpu;
}

function start(): Started {
  if (started !== null) return started;
  if (requested !== 'auto') {
    if (!supported(requested)) throw new BackendError('gpu', `mode ${requested} cannot start: ${whyNot(requested)}`);
    started = { gpu: open(requested), mode: requested, fallback: null };
    return started;
  }
  const mode = WEBGL_MODES.find(supported);
  if (mode !== undefined) {
    started = { gpu: open(mode), mode, fallback: null };
    return started;
  }
  const reason = whyNot('document' in globalThis ? 'webgl2' : 'headlessgl');
  const fallback: GpuMode = GPU.isWebAssemblySupported ? 'webasm' : 'cpu';
  console.warn(`tensorgrad: no WebGL for the gpu backend (${reason}); its kernels run in gpu.js ${fallback} mode, on the CPU`);
  started = { gpu: open(fallback), mode: fallback, fallback: reason };
  return started;
}

/** What the gpu backend runs on. */
export interface GpuInfo {
  /** The mode asked for (`setGpuMode` / `TENSORGRAD_GPU_MODE`). */
  readonly requested: GpuModeRequest;
  /** The gpu.js mode that actually runs the kernels (starts gpu.js if it has not started). */
  readonly mode: GpuMode;
  /** Why `auto` fell back from WebGL to a CPU mode; null when it did not. */
  readonly fallbackReason: string | null;
  /** Compiled kernels in the cache (one per op, layout and shape). */
  readonly kernels: number;
  /** Textures held by live tensors, and their size in bytes (4 floats of 4 bytes per element). */
  readonly liveTextures: number;
  readonly liveTextureBytes: number;
}

export function gpuInfo(): GpuInfo {
  const s = start();
  return { requested, mode: s.mode, fallbackReason: s.fallback, kernels: kernels.size, liveTextures: live.size, liveTextureBytes: liveBytes };
}

/** Whether kernel outputs are WebGL textures (otherwise gpu.js returns typed arrays). */
export function onWebGL(): boolean {
  return WEBGL_MODES.includes(start().mode);
}

/**
 * The kernel for `key`, compiled from `source` on first use. Keys carry every number baked into
 * the source (shapes, strides), so one compiled shader serves every call of that shape.
 */
export function kernel(key: string, source: string, length: number): IKernelRunShortcut {
  let k = kernels.get(key);
  if (k === undefined) {
    const { gpu, mode } = start();
    // pipeline: results stay textures for the next kernel; immutable: every call gets a new
    // texture (a tensor's values never change under it). 'single' = float32 textures.
    k = gpu.createKernel(source, {
      output: [length],
      pipeline: WEBGL_MODES.includes(mode),
      immutable: true,
      precision: 'single',
      tactic: 'precision',
      dynamicOutput: false,
    });
    kernels.set(key, k);
  }
  return k;
}

/** A texture made by one of our kernels, owned by one DataBuffer. */
export class TextureData implements DeviceData {
  readonly backend = 'gpu';
  private released = false;
  /** The elements, kept when the context was shut down under this texture. */
  private saved: Float32Array | null = null;
  private readonly bytes: number;

  constructor(
    readonly texture: Texture,
    readonly length: number,
  ) {
    this.bytes = length * 16;
    live.add(this);
    liveBytes += this.bytes;
    if (liveBytes > WARN_BYTES && !warnedBytes) {
      warnedBytes = true;
      console.warn(`tensorgrad: ${live.size} GPU textures (${(liveBytes / 2 ** 20).toFixed(0)} MiB) are held; textures of unused tensors ` +
        'are freed only between event-loop turns: `await emptyCache()` between steps of a loop');
    }
  }

  /** Whether kernels of the current context can read the texture. */
  get usable(): boolean {
    return this.saved === null && !this.released;
  }

  download(): Float32Array {
    if (this.saved !== null) return this.saved.slice();
    const out = this.texture.toArray();
    if (!(out instanceof Float32Array)) throw new BackendError('gpu', `expected a flat Float32Array from a texture, got ${typeof out}`);
    return out.slice(0, this.length);
  }

  /** Before its context goes: keeps the elements on the CPU and frees the texture. */
  evacuate(): void {
    this.saved = this.download();
    this.free();
  }

  release(): void {
    this.saved = null;
    this.free();
  }

  private free(): void {
    if (this.released) return;
    this.released = true;
    this.texture.delete();
    live.delete(this);
    liveBytes -= this.bytes;
  }
}

export type { KernelVariable, Texture };
