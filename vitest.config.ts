import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    pool: 'forks',
    // Integration tests train real models over real sockets; on a loaded 2-core machine that takes minutes.
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
