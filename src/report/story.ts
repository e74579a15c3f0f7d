/**
 * The terminal story of a run (`lockstep replay` without --json): one line per significant event
 * (narrated exactly as in the HTML report's trace), true time beside the node's own clock, then
 * the verdict and the lesson. Kernel chatter (sends, deliveries, timers) is left out: the story
 * is what a person needs to see the failure happen.
 */
import type { TraceEvent } from '../sim/types.js';
import { usToMs } from '../sim/index.js';
import type { ReplayResult } from '../explore/result.js';
import { isSignificant, narrate } from './narrate.js';

/** Milliseconds with one decimal, right-aligned for columns. */
export function fmtMs(us: number): string {
  return usToMs(us).toFixed(1);
}

/** The node's local wall clock at the event, when the event carries it. */
function localOf(e: TraceEvent): string {
  const local = e.fields?.local;
  return typeof local === 'number' ? `${local.toFixed(1)}` : '';
}

/** The story lines: a header, one line per significant event, then verdict and lesson. */
export function storyLines(
  events: readonly TraceEvent[],
  result: ReplayResult,
  scenario: { name: string; title?: string; lesson?: string; expect: unknown },
  replay: string,
): string[] {
  const lines: string[] = [];
  lines.push(`${scenario.name} — ${scenario.title ?? ''}`.trimEnd());
  const storyEvents = events.filter(isSignificant).length;
  lines.push(
    `seed ${result.seed} · ${result.stats.events} simulation steps · ${events.length} trace events (${storyEvents} in this story) · ${result.stats.messages} messages · ${result.stats.simMs.toFixed(1)} ms simulated · trace ${result.traceHash}`,
  );
  lines.push('');
  lines.push(`${'true ms'.padStart(10)}  ${'local ms'.padStart(10)}  ${'node'.padEnd(8)}  event`);
  for (const e of events) {
    if (!isSignificant(e)) continue;
    lines.push(`${fmtMs(e.tUs).padStart(10)}  ${localOf(e).padStart(10)}  ${e.node.padEnd(8)}  ${narrate(e)}`);
  }
  lines.push('');
  for (const o of result.observations) {
    lines.push(`observation ${o.kind}: ${o.nodes.join(' and ')} both believed they held ${o.resource} from ${o.fromMs.toFixed(1)} to ${o.toMs.toFixed(1)} ms`);
  }
  const expect = scenario.expect === 'pass' ? 'pass' : `violation ${(scenario.expect as { violation: string }).violation}`;
  const verdict = result.ok ? 'no invariant violated' : `violated: ${[...new Set(result.violations.map((v) => v.invariant))].join(', ')}`;
  lines.push(`verdict: ${verdict} (expected ${expect}: ${result.expectMet ? 'met' : 'NOT met'})`);
  for (const v of result.violations) lines.push(`  ${v.invariant} at ${v.atMs.toFixed(1)} ms: ${v.message}`);
  lines.push(`replay: ${replay}`);
  if (scenario.lesson) {
    lines.push('', 'lesson:', ...scenario.lesson.split('\n').map((l) => `  ${l}`));
  }
  return lines;
}
