import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the "source" export condition makes `@tensorgrad/*`
// imports resolve to each package's src/ instead of its built dist/.
//
// Two projects: `cpu` runs every test; `gpu` runs the core op suites a second time with the
// gpu.js backend selected (see packages/core/test/setup-gpu.ts), so both backends pass the
// same op tests.
const opSuites = ['kernels', 'algebra', 'gradients', 'autograd', 'tensor'].map((f) => `packages/core/test/${f}.test.ts`);

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
        test: { name: 'cpu', include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'gpu', include: opSuites, setupFiles: ['packages/core/test/setup-gpu.ts'] },
      },
    ],
  },
});
