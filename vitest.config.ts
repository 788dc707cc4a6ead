import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary folder per run, removed at its end (test/support/run-tmpdir.ts).
    globalSetup: ['./test/support/run-tmpdir.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only thrash, and the end-to-end suites start their own servers.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
