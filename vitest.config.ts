import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The examples import the package by its name, as a user would; in this repository that is the source. */
const source = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^lockstep\/vitest$/, replacement: source('./src/vitest.ts') },
      { find: /^lockstep$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
  },
});
