/**
 * What a bench section is: a named measurement that runs in a process of its own against one
 * build of lockstep and returns printed rows plus its entry in reports/bench.json.
 */
import type { Lockstep } from './lockstep.js';

/** One printed row of the table. */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
}

/** What one run of a section produces. */
export interface SectionOutput {
  json: Record<string, unknown>;
  rows: BenchRow[];
}

/** A section module's default export. */
export interface BenchSection {
  /** The key of this section in reports/bench.json and on the command line (`kernel`, `dlm`, …). */
  key: string;
  run(lockstep: Lockstep): Promise<SectionOutput>;
}
