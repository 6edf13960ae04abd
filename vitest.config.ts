import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the "source" export condition makes `@tensorgrad/*`
// imports resolve to each package's src/ instead of its built dist/.
//
// Three projects, so every backend passes the same op tests:
// - `cpu` runs every test on the reference backend;
// - `wasm` runs the core op suites, the fast-kernel property tests and the nn and vae suites on
//   the WebAssembly SIMD backend (the default wherever it runs);
// - `gpu` runs the core op suites with the gpu.js backend selected (packages/core/test/setup-gpu.ts).
const opSuites = ['kernels', 'algebra', 'gradients', 'autograd', 'tensor', 'optim', 'dtypes', 'indexing', 'inplace', 'conv', 'elementwise', 'shape-ops', 'scatter', 'func', 'attention'].map((f) => `packages/core/test/${f}.test.ts`);
const backendSetup = ['packages/core/test/setup-backend.ts'];
// Files to leave out on this run, comma-separated (scripts/test-node.sh leaves out the two that need
// headless-gl's native addon, which is built for the installing Node only).
const skip = (process.env.TENSORGRAD_TEST_SKIP ?? '').split(',').filter((f) => f !== '');

declare module 'vitest' {
  export interface ProvidedContext {
    backend: string;
  }
}

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 60_000,
    // The GPU texture-lifetime test forces collections to see finalizers free textures.
    execArgv: ['--expose-gc'],
    projects: [
      {
        extends: true,
        test: {
          name: 'cpu',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'docs/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'packages/core/test/wasm.test.ts', 'packages/core/test/tidy.test.ts', ...skip],
          setupFiles: backendSetup,
          provide: { backend: 'cpu' },
        },
      },
      {
        extends: true,
        test: {
          name: 'wasm',
          include: [...opSuites, 'packages/core/test/wasm.test.ts', 'packages/core/test/tidy.test.ts', 'packages/nn/test/**/*.test.ts', 'packages/vae/test/**/*.test.ts'],
          // These run the CLI on --backend cpu themselves (or test files, not kernels): once is enough.
          exclude: ['**/node_modules/**', ...['reliability', 'disk-full', 'fault-injection', 'explorer'].map((f) => `packages/vae/test/${f}.test.ts`), 'packages/nn/test/{robustness,disk-full}.test.ts', ...skip],
          setupFiles: backendSetup,
          provide: { backend: 'wasm' },
        },
      },
      {
        extends: true,
        test: { name: 'gpu', include: opSuites, exclude: ['**/node_modules/**', ...skip], setupFiles: ['packages/core/test/setup-gpu.ts'] },
      },
    ],
  },
});
