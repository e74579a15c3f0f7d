import { defineConfig } from 'vitest/config';

/** The unit tests Stryker runs against each mutant of src/dlm/core and src/check (stryker.config.mjs). */
export default defineConfig({
  test: {
    include: ['test/dlm/core/**/*.test.ts', 'test/check/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
  },
});
