// Setup of the `cpu` and `wasm` test projects: every test starts on the backend the project is
// named for (`cpu`, the reference, or `wasm`, the default where WebAssembly SIMD runs), so both
// backends pass the same op suites.
import { beforeEach, inject } from 'vitest';
import { setBackend } from '../src/index.js';

beforeEach(() => {
  setBackend(inject('backend'));
});
