import { defineConfig } from 'vitest/config';

/** Each mutated folder's unit tests (stryker.config.mjs picks the folder from MUTANTS_FOLDER). */
const TESTS_BY_FOLDER: Record<string, string[]> = {
  core: ['test/dlm/core/**/*.test.ts'],
  check: ['test/check/**/*.test.ts'],
};

const folder = process.env.MUTANTS_FOLDER ?? '';
const include = TESTS_BY_FOLDER[folder];
if (include === undefined) throw new Error(`vitest.mutants.config.ts: MUTANTS_FOLDER must be one of ${Object.keys(TESTS_BY_FOLDER).join(', ')} (got "${folder}")`);

/** The unit tests Stryker runs against each mutant of one folder (stryker.config.mjs). */
export default defineConfig({
  test: {
    include,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // One fast-check seed for every mutant (unless FC_SEED is set): a property test then judges each
    // mutant on the same cases, so a verdict kept in the incremental file is the one a re-run gives.
    env: { FC_SEED: process.env.FC_SEED ?? '1' },
  },
});
