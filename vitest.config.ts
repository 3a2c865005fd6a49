// Why: vitest settings — integration tests start real processes, so they get generous timeouts
// and a bounded number of parallel files on the 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 3,
    fileParallelism: true,
  },
});
