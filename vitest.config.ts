import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/system-packages.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores here: statistical tests are CPU-bound, run at most two files at once.
    maxWorkers: 2,
  },
});
