/**
 * Writing reports to disk. A report appears whole or not at all: it is written to a temporary
 * file in the target folder and renamed over the final name (DESIGN §6), so a crash or a full
 * disk never leaves a half page that a browser or CI artifact upload would pick up.
 */

import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReportInputError } from './escape.js';
import { renderRunReport } from './html.js';
import type { RunReportInput, SuiteReportInput } from './model.js';
import { renderSuiteReport } from './suite-page.js';

/** The name of the suite page inside a report folder. */
export const SUITE_REPORT_FILE = 'index.html';

/**
 * The file name of a run report: `<scenario>-seed-<seed>.html`. The CLI uses it to build the
 * suite page's `reportLinks`. Scenario names are `[a-z0-9-]+` (DESIGN §5.2), which also keeps
 * the name from leaving the folder.
 */
export function runReportFileName(scenario: string, seed: number): string {
  if (!/^[a-z0-9-]+$/.test(scenario)) {
    throw new ReportInputError(`scenario name ${JSON.stringify(scenario)} is not [a-z0-9-]+; cannot name its report`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new ReportInputError(`seed ${seed} is not an integer in [0, 2^32)`);
  }
  return `${scenario}-seed-${seed}.html`;
}

/** Writes `content` to `dir/name` atomically (temp file in the same folder, then rename). */
async function writeAtomically(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return target;
}

/** Renders and writes the run report of one (scenario, seed); returns its path. */
export async function writeRunReport(dir: string, input: RunReportInput): Promise<string> {
  const name = runReportFileName(input.scenario.name, input.seed);
  return writeAtomically(dir, name, renderRunReport(input));
}

/** Renders and writes the suite page (`index.html`); returns its path. */
export async function writeSuiteReport(dir: string, input: SuiteReportInput): Promise<string> {
  return writeAtomically(dir, SUITE_REPORT_FILE, renderSuiteReport(input));
}
