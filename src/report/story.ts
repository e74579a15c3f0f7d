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

/** The loss reasons that repeat for as long as their cause lasts, and the events that end that cause. */
const LASTING_LOSSES: Readonly<Record<string, (e: TraceEvent, to: string) => boolean>> = {
  down: (e, to) => (e.type === 'restart' || e.type === 'crash') && e.node === to,
  partition: (e) => e.type === 'heal' || e.type === 'partition',
  window: (e) => e.type === 'drop-window-end',
};

/**
 * A message lost to a lasting cause (its destination is down, a partition, a drop window) repeats
 * while the cause lasts: a heartbeat or keep-alive a second. The story keeps the first loss of each
 * sender, destination, message type and cause, with the count and the time of the last, until the
 * cause ends. Returns the events to leave out, and the suffix of each kept first loss.
 */
function repeatedLosses(events: readonly TraceEvent[]): { hidden: Set<TraceEvent>; suffix: Map<TraceEvent, string> } {
  const open = new Map<string, { first: TraceEvent; to: string; reason: string; count: number; lastUs: number }>();
  const hidden = new Set<TraceEvent>();
  const suffix = new Map<TraceEvent, string>();
  const close = (key: string) => {
    const group = open.get(key)!;
    if (group.count > 1) suffix.set(group.first, `, and ${group.count - 1} more ${group.count === 2 ? 'time' : 'times'} until ${fmtMs(group.lastUs)} ms`);
    open.delete(key);
  };
  for (const e of events) {
    for (const [key, group] of open) if (LASTING_LOSSES[group.reason]!(e, group.to)) close(key);
    const reason = e.fields?.reason;
    if (e.type !== 'drop' || typeof reason !== 'string' || LASTING_LOSSES[reason] === undefined) continue;
    const to = String(e.fields!.to);
    const key = `${reason}\u0000${to}\u0000${String(e.fields!.from)}\u0000${String(e.fields!.msg)}`;
    const group = open.get(key);
    if (group === undefined) {
      open.set(key, { first: e, to, reason, count: 1, lastUs: e.tUs });
    } else {
      group.count++;
      group.lastUs = e.tUs;
      hidden.add(e);
    }
  }
  for (const key of [...open.keys()]) close(key);
  return { hidden, suffix };
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
  const losses = repeatedLosses(events);
  const told = events.filter((e) => isSignificant(e) && !losses.hidden.has(e));
  lines.push(
    `seed ${result.seed} · ${result.stats.events} simulation steps · ${events.length} trace events (${told.length} in this story${losses.hidden.size > 0 ? `; ${losses.hidden.size} repeated losses folded into their first` : ''}) · ${result.stats.messages} messages · ${result.stats.simMs.toFixed(1)} ms simulated · trace ${result.traceHash}`,
  );
  lines.push('');
  lines.push(`${'true ms'.padStart(10)}  ${'local ms'.padStart(10)}  ${'node'.padEnd(8)}  event`);
  for (const e of told) {
    lines.push(`${fmtMs(e.tUs).padStart(10)}  ${localOf(e).padStart(10)}  ${e.node.padEnd(8)}  ${narrate(e)}${losses.suffix.get(e) ?? ''}`);
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
