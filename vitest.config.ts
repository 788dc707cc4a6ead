import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary folder per run, removed at its end (test/support/run-tmpdir.ts).
    globalSetup: ['./test/support/run-tmpdir.ts'],
    // Removing that folder (a few GB of venvs and package stores) takes more than the default 10 s on this machine;
    // past the timeout, vitest would exit in the middle of it.
    teardownTimeout: 120_000,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only thrash, and the end-to-end suites start their own servers.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
