/**
 * JUnit XML for CI systems: one testsuite for the run, one testcase per scenario. A scenario that
 * did not meet its expectation is a failure whose body lists each failing seed with its replay
 * command, so the CI page alone is enough to reproduce it.
 */
import type { RunResult } from '../explore/result.js';

/** Escape text for XML attribute values and character data. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** Per-scenario wall time in seconds, measured by the caller (the CLI); absent → 0. */
export type ScenarioTimes = ReadonlyMap<string, number>;

/** Renders a run result (DESIGN §5.4) as a JUnit XML document. */
export function renderJUnit(run: RunResult, timesSec: ScenarioTimes = new Map()): string {
  const failures = run.scenarios.filter((s) => !s.met).length;
  const total = [...timesSec.values()].reduce((a, b) => a + b, 0);
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lockstep" tests="${run.scenarios.length}" failures="${failures}" time="${total.toFixed(3)}">`,
    `  <testsuite name="lockstep run" tests="${run.scenarios.length}" failures="${failures}" errors="0" time="${total.toFixed(3)}">`,
  ];
  for (const s of run.scenarios) {
    const expect = s.expect === 'pass' ? 'pass' : `violation ${s.expect.violation}`;
    const time = (timesSec.get(s.scenario) ?? 0).toFixed(3);
    const name = `${s.scenario} (expect ${expect}, ${s.seedsRun} seeds)`;
    lines.push(`    <testcase classname="${xmlEscape(s.file)}" name="${xmlEscape(name)}" time="${time}">`);
    if (!s.met) {
      const why = s.expect === 'pass'
        ? `${s.failures.length} seed(s) violated an invariant`
        : `no seed violated ${s.expect.violation} in ${s.seedsRun} seeds`;
      const body = s.failures
        .map((f) => `seed ${f.seed}: ${f.invariant} at ${f.atMs.toFixed(1)} ms: ${f.message}\n  replay: ${f.replay}`)
        .join('\n');
      lines.push(`      <failure message="${xmlEscape(why)}" type="${s.expect === 'pass' ? 'violation' : 'not-found'}">${xmlEscape(body)}</failure>`);
    } else if (s.failures.length > 0) {
      const found = s.failures.map((f) => `seed ${f.seed}: ${f.invariant} at ${f.atMs.toFixed(1)} ms\n  replay: ${f.replay}`).join('\n');
      lines.push(`      <system-out>${xmlEscape(`expected violation found:\n${found}`)}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
