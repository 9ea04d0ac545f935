import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Node 20's require(esm) can abort a fork with "v8::Module::IsGraphAsync must be used on an instantiated
    // module" when a require() meets an ES module another import() is still loading; tests need no require(esm).
    poolOptions: { forks: { maxForks: 2, minForks: 1, execArgv: ['--no-experimental-require-module'] } },
    reporters: ['default'],
  },
});
