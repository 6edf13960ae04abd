import { dtypeOf, type DType, type Storage } from '../dtype.js';
import { ValueError } from '../errors.js';

/**
 * Elements that a backend keeps off the CPU (a GPU texture). The backend that made it is the only
 * one that reads it directly; everyone else gets the elements through `download()`.
 */
export interface DeviceData {
  /** The backend whose memory holds the elements (what `Tensor.device` reports). */
  readonly backend: string;
  /** Copies the elements back to the CPU (float32, length = the buffer's length). */
  download(): Float32Array;
  /** Frees the device memory. Called once, when the buffer drops it or is garbage-collected. */
  release(): void;
}

// A texture has no weight on V8's heap, so it cannot be freed by GC on its own: when a buffer
// becomes unreachable its device copy is released here.
const releaser = new FinalizationRegistry<DeviceData>((d) => d.release());

/**
 * The memory behind a tensor and all its views: a typed array on the CPU (`host`), a copy on a
 * device, or both. Views share one buffer, so moving the elements between places (download,
 * upload) is seen by all of them at once.
 *
 * Coherence rule: reading the host copy keeps the device copy (they hold the same numbers);
 * asking for it to *write* (`writable()`) drops the device copy, which would go stale.
 */
export class DataBuffer {
  private host_: Storage | null;
  private device_: DeviceData | null = null;
  private version_ = 0;
  private disposed_ = false;

  private constructor(
    host: Storage | null,
    readonly dtype: DType,
    readonly length: number,
  ) {
    this.host_ = host;
  }

  static fromHost(host: Storage): DataBuffer {
    return new DataBuffer(host, dtypeOf(host), host.length);
  }

  /** A float32 buffer whose only copy is on a device. */
  static fromDevice(device: DeviceData, length: number): DataBuffer {
    const b = new DataBuffer(null, 'float32', length);
    b.setDevice(device);
    return b;
  }

  /** The elements on the CPU, for reading; downloads once if they only live on a device. */
  get host(): Storage {
    if (this.host_ === null) {
      if (this.device_ === null) throw disposedError();
      this.host_ = this.device_.download();
    }
    return this.host_;
  }

  /**
   * Frees the device copy now (the end of the `tidy` scope that made it). A buffer that was read
   * on the CPU keeps that copy; one that never was is gone, and reading it is an error that says why.
   */
  dispose(): void {
    this.dropDevice();
    if (this.host_ === null) this.disposed_ = true;
  }

  /** Whether `dispose` freed the only copy of the elements. */
  get disposed(): boolean {
    return this.disposed_;
  }

  /**
   * How many times the elements were written in place (PyTorch's `_version`). Every write —
   * `writable()`, a backend updating its device copy — bumps it; a gradient rule that saved a
   * tensor compares it at backward time, so a saved tensor overwritten in between is an error
   * instead of a silently wrong gradient.
   */
  get version(): number {
    return this.version_;
  }

  /** The elements on the CPU, for writing: the device copy (if any) is released first, and the version bumped. */
  writable(): Storage {
    const h = this.host;
    this.dropDevice();
    this.version_++;
    return h;
  }

  /** The device copy, or null when the elements are only on the CPU. */
  get device(): DeviceData | null {
    return this.device_;
  }

  /** Whether a copy of the elements is on the CPU (false until a device-only buffer is read). */
  get onHost(): boolean {
    return this.host_ !== null;
  }

  /** Records a device copy of the current elements (a backend caching an upload). */
  setDevice(device: DeviceData): void {
    this.dropDevice();
    this.device_ = device;
    releaser.register(this, device, this);
  }

  /** The backend changed the elements of its device copy in place (an optimizer step): the host copy is stale. */
  deviceUpdated(): void {
    if (this.device_ === null) throw new Error('deviceUpdated: this buffer has no device copy');
    this.host_ = null;
    this.version_++;
  }

  /** Makes `device` the only copy of the elements (a backend wrote the whole buffer there). */
  replaceWithDevice(device: DeviceData): void {
    this.setDevice(device);
    this.host_ = null;
    this.version_++;
  }

  private dropDevice(): void {
    if (this.device_ === null) return;
    releaser.unregister(this);
    this.device_.release();
    this.device_ = null;
  }
}

function disposedError(): Error {
  return new ValueError('tidy', "this tensor's memory was freed when the tidy() scope that made it ended; return it from the scope, or keep() it, to use it afterwards");
}

/**
 * Waits one turn of the event loop, so that finalizers of garbage-collected tensors run and free
 * their GPU textures (like `torch.cuda.empty_cache()`, it gives back memory nothing uses). Why it
 * is needed: finalizers never run inside synchronous code, and texture memory does not count
 * towards the JS heap, so a synchronous loop on the gpu backend keeps every texture it ever made.
 * A training loop should `await emptyCache()` between steps (the VAE trainer does); on the CPU
 * backend it costs a few microseconds.
 */
export function emptyCache(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}
