// The JavaScript peers of the benchmarks, each behind one small interface: `upload(Float32Array,
// shape)` → a handle, `matmul(a, b, ta, tb)`, the elementwise ops and the convolution ops, each
// returning a Float32Array (or an array of them; every library's work is forced and read back, as ours is).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** TensorFlow.js 4.22 on one backend ('cpu': plain JavaScript; 'wasm': XNNPACK, SIMD). */
export async function tfjs(backend) {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(`${dir}/dist/`);
  }
  await tf.setBackend(backend);
  await tf.ready();
  // Both tfjs peers share one engine: each activates its backend before its tasks (and uploads after).
  // Not tf.tidy(() => f().dataSync()): tidy walks a returned typed array element by element
  // looking for tensors (150 ms for 1M elements). Each op here makes exactly one tensor.
  const read = (f) => {
    const t = f();
    const out = t.dataSync();
    t.dispose();
    return out;
  };
  return {
    name: `tfjs-${backend}`,
    version: tf.version_core,
    activate: () => tf.setBackend(backend),
    /** With `perm`, transposed once after the upload (NCHW → NHWC for the convolutions), outside any timing. */
    upload: (data, shape, perm) => {
      const t = tf.tensor(data, shape);
      if (perm === undefined) return t;
      const p = tf.transpose(t, perm);
      t.dispose();
      return p;
    },
    matmul: (a, b, ta, tb) => read(() => tf.matMul(a, b, ta, tb)),
    add: (a, b) => read(() => tf.add(a, b)),
    exp: (a) => read(() => tf.exp(a)),
    sigmoid: (a) => read(() => tf.sigmoid(a)),
    sum: (a) => read(() => tf.sum(a)),
    // Convolutions are NHWC with [kh, kw, Cin, Cout] filters in tfjs; the bias goes through
    // tf.fused.conv2d (one FusedConv2D kernel, as a layer with a bias runs).
    conv2d: (x, w, b, stride, pad) => read(() => tf.fused.conv2d({ x, filter: w, bias: b, strides: stride, pad: explicit(pad) })),
    /** ∂/∂x, ∂/∂w, ∂/∂b of the biased convolution for the output gradient `dy` (forward included). */
    conv2dGrads: (x, w, b, dy, stride, pad) => readAll(tf.grads((x, w, b) => tf.fused.conv2d({ x, filter: w, bias: b, strides: stride, pad: explicit(pad) }))([x, w, b], dy)),
    maxPool: (x, k, stride) => read(() => tf.maxPool(x, k, stride, 'valid')),
    maxPoolGrads: (x, dy, k, stride) => readAll(tf.grads((x) => tf.maxPool(x, k, stride, 'valid'))([x], dy)),
  };
  function readAll(tensors) {
    const out = tensors.map((t) => t.dataSync());
    for (const t of tensors) t.dispose();
    return out;
  }
}

/** tfjs's explicit padding of an NHWC convolution: `p` zeros on each side of H and W. */
const explicit = (p) => [[0, 0], [p, p], [p, p], [0, 0]];

/** jax-js on its default device (wasm: generated WebAssembly kernels, `threads` worker threads). */
export async function jaxjs(threads) {
  // jax-js reads `navigator` (a global from Node 21 on): its worker pool takes hardwareConcurrency threads.
  globalThis.navigator ??= { hardwareConcurrency: threads, userAgent: `Node.js ${process.version}` };
  const jax = await import('@jax-js/jax');
  await jax.init();
  const np = jax.numpy;
  // jax-js arrays are reference-counted and ops consume their inputs: `.ref` keeps an input
  // alive across the call; reading the result (dataSync) consumes it.
  const read = (r) => r.dataSync();
  return {
    name: 'jax-js',
    activate: async () => {},
    version: JSON.parse(readFileSync(new URL('./node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8')).version,
    upload: (data, shape) => np.array(data).reshape(shape),
    matmul: (a, b, ta, tb) => read(np.matmul(ta ? a.ref.transpose() : a.ref, tb ? b.ref.transpose() : b.ref)),
    add: (a, b) => read(a.ref.add(b.ref)),
    exp: (a) => read(np.exp(a.ref)),
    sigmoid: (a) => read(jax.nn.sigmoid(a.ref)),
    sum: (a) => read(np.sum(a.ref)),
    // lax.convGeneralDilated: NCHW input, [Cout, Cin, kh, kw] kernel, as PyTorch; the bias added after.
    conv2d: (x, w, b, stride, pad) => read(conv(stride, pad)(x.ref, w.ref, b.ref)),
    /** ∂/∂x, ∂/∂w, ∂/∂b of the biased convolution for the output gradient `dy` (forward included), by jax.vjp. */
    conv2dGrads: (x, w, b, dy, stride, pad) => {
      const [y, back] = jax.vjp(conv(stride, pad), [x.ref, w.ref, b.ref]);
      y.dispose();
      const grads = back(dy.ref);
      back.dispose();
      return grads.map(read);
    },
  };
  function conv(stride, pad) {
    return (x, w, b) => jax.lax.convGeneralDilated(x, w, [stride, stride], [[pad, pad], [pad, pad]]).add(b.reshape([1, -1, 1, 1]));
  }
}

/**
 * Adds a peer's task to a tinybench Bench: its backend is activated and its inputs uploaded just
 * before it runs (`upload()` → the handles passed to `call`).
 */
export function peerTask(bench, name, peer, upload, call) {
  let inputs = null;
  // async: false, or tinybench calls the task once when it is added, to see whether it returns a promise.
  bench.add(name, () => call(...inputs), { async: false, beforeAll: async () => { await peer.activate(); inputs = upload(); } });
}

/** The textbook triple loop over Float32Arrays, as a floor. */
export function naiveMatmul(A, B, m, k, n) {
  const C = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  }
  return C;
}
