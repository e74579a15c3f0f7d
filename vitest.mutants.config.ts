import { defineConfig } from 'vitest/config';

/** The unit tests Stryker runs against each mutant of src/dlm/core and src/check (stryker.config.mjs). */
export default defineConfig({
  test: {
    include: ['test/dlm/core/**/*.test.ts', 'test/check/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // One fast-check seed for every mutant (unless FC_SEED is set): a property test then judges each
    // mutant on the same cases, so a verdict kept in the incremental file is the one a re-run gives.
    env: { FC_SEED: process.env.FC_SEED ?? '1' },
  },
});
