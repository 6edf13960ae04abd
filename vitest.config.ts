import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the "source" export condition makes `@tensorgrad/*`
// imports resolve to each package's src/ instead of its built dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    // The GPU texture-lifetime test forces collections to see finalizers free textures.
    execArgv: ['--expose-gc'],
  },
});
