import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on CI's 2 cores. A worker
    // holds the test, its in-process coordinator and its clients, and tfjs (WASM) trains on one
    // thread, so with one worker the second core sat idle for most of the run; two workers used it.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // Integration tests train real models over real sockets; on a loaded 2-core machine that takes minutes.
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
