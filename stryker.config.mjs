// Mutation testing of the lock space and the invariant checkers (`npm run mutants`, not part
// of `npm test`): Stryker changes one operator or constant at a time in src/dlm/core and
// src/check and runs the unit tests of that folder against it; a mutant no test notices marks a
// rule the tests do not pin down. One folder a run, chosen by MUTANTS_FOLDER (`core` or
// `check`; `npm run mutants:core`, `npm run mutants:check`): each folder's mutants are judged by
// its own tests, and a run pays only for one folder's dry run. Incremental: unchanged mutants
// keep their verdict from reports/mutants/incremental-FOLDER.json, so a re-run only pays for
// what changed.
const FOLDERS = {
  core: { mutate: ['src/dlm/core/**/*.ts'] },
  check: { mutate: ['src/check/**/*.ts'] },
};
const folder = process.env.MUTANTS_FOLDER ?? '';
if (!Object.hasOwn(FOLDERS, folder)) {
  throw new Error(`stryker.config.mjs: MUTANTS_FOLDER must be one of ${Object.keys(FOLDERS).join(', ')} (got "${folder}"); run npm run mutants:core or npm run mutants:check`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutants.config.ts', related: false },
  mutate: FOLDERS[folder].mutate,
  coverageAnalysis: 'perTest',
  // A mutant in a module-level constant runs every test; those are left to the unit tests' exact values.
  ignoreStatic: true,
  concurrency: 1,
  incremental: true,
  incrementalFile: `reports/mutants/incremental-${folder}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutants/mutation-${folder}.json` },
  timeoutMS: 60000,
  // The initial run of every test (coverage per test) takes minutes on a loaded machine; the default 5 min is too tight.
  dryRunTimeoutMinutes: 30,
  thresholds: { high: 90, low: 80, break: null },
  ignorePatterns: ['dist', 'reports', '.vitest-reports'],
  tempDirName: `.stryker-tmp-${folder}`,
};
