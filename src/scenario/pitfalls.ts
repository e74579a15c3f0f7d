/**
 * Which of the catalogue's pitfalls a suite teaches. A pitfall counts as covered only when the
 * suite holds both halves of its lesson, a scenario that shows it happening and a twin that shows
 * the repair: a reader needs to see the failure and the fix side by side.
 */
import { PITFALL_COUNT, type Scenario } from './schema.js';

/** The scenarios that teach one pitfall, split by the half of the lesson they show. */
export interface PitfallLessons {
  pitfall: number;
  broken: string[];
  fixed: string[];
}

/** One entry per pitfall 1..PITFALL_COUNT, in order, with the names of the scenarios teaching it. */
export function pitfallLessons(scenarios: readonly Pick<Scenario, 'name' | 'pitfalls'>[]): PitfallLessons[] {
  const lessons = Array.from({ length: PITFALL_COUNT }, (_, index) => ({ pitfall: index + 1, broken: [] as string[], fixed: [] as string[] }));
  for (const scenario of scenarios) {
    for (const pitfall of scenario.pitfalls.broken) lessons[pitfall - 1]!.broken.push(scenario.name);
    for (const pitfall of scenario.pitfalls.fixed) lessons[pitfall - 1]!.fixed.push(scenario.name);
  }
  return lessons;
}

/** Whether a pitfall has both a broken lesson and a fixed twin. */
export function isCovered(lessons: PitfallLessons): boolean {
  return lessons.broken.length > 0 && lessons.fixed.length > 0;
}

/** The one-line coverage summary `lockstep list` ends with. */
export function coverageLine(lessons: readonly PitfallLessons[]): string {
  const covered = lessons.filter(isCovered).length;
  const missing = lessons.filter((entry) => !isCovered(entry)).map((entry) => entry.pitfall);
  const tail = missing.length === 0 ? '' : `; not covered: ${missing.join(', ')}`;
  return `pitfalls covered (a broken lesson and a fixed twin): ${covered} of ${lessons.length}${tail} (docs/pitfalls.md)`;
}
