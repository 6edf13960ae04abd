// The JavaScript peers of the benchmarks, each behind one small interface: `upload(Float32Array,
// shape)` → a handle, `matmul(a, b, ta, tb)` and the elementwise ops, each returning a Float32Array
// (every library's work is forced and read back, as ours is).
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
  const read = (f) => tf.tidy(() => f().dataSync());
  return {
    name: `tfjs-${backend}`,
    version: tf.version_core,
    upload: (data, shape) => tf.tensor(data, shape),
    matmul: (a, b, ta, tb) => read(() => tf.matMul(a, b, ta, tb)),
    add: (a, b) => read(() => tf.add(a, b)),
    exp: (a) => read(() => tf.exp(a)),
    sigmoid: (a) => read(() => tf.sigmoid(a)),
    sum: (a) => read(() => tf.sum(a)),
  };
}

/** jax-js on its default device (wasm: generated WebAssembly kernels). */
export async function jaxjs() {
  const jax = await import('@jax-js/jax');
  await jax.init();
  const np = jax.numpy;
  // jax-js arrays are reference-counted: `.ref` keeps an input alive across the call.
  const read = (r) => {
    const out = r.dataSync();
    r.dispose();
    return out;
  };
  return {
    name: 'jax-js',
    version: JSON.parse((await import('node:fs')).readFileSync(createRequire(import.meta.url).resolve('@jax-js/jax/package.json'), 'utf8')).version,
    upload: (data, shape) => np.array(data).reshape(shape),
    matmul: (a, b, ta, tb) => read(np.matmul(ta ? a.ref.transpose() : a.ref, tb ? b.ref.transpose() : b.ref)),
    add: (a, b) => read(a.ref.add(b.ref)),
    exp: (a) => read(np.exp(a.ref)),
    sigmoid: (a) => read(jax.nn.sigmoid(a.ref)),
    sum: (a) => read(np.sum(a.ref)),
  };
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
