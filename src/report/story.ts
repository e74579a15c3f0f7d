/**
 * The terminal story of a run (`lockstep replay` without --json): one line per significant event,
 * true time beside the node's own clock, then the verdict and the lesson. Kernel chatter (sends,
 * deliveries, timers) is left out: the story is what a person needs to see the failure happen.
 */
import type { TraceEvent } from '../sim/types.js';
import type { ReplayResult } from './model.js';

const US_PER_MS = 1000;

/** Milliseconds with one decimal, right-aligned for columns. */
export function fmtMs(us: number): string {
  return (us / US_PER_MS).toFixed(1);
}

type Fields = Record<string, unknown>;
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const flagList = (v: unknown): string => (Array.isArray(v) && v.length > 0 ? ` [${v.join(',')}]` : '');
const tokenOf = (f: Fields): string => (f.token !== undefined ? ` token ${str(f.token)}` : '');
const valueOf = (f: Fields): string => (f.value !== undefined ? ` value "${str(f.value)}"` : '');

/**
 * One sentence for a significant event, or null for events the story leaves out.
 * Shared by the terminal story and the HTML report's narrated trace.
 */
export function narrate(e: TraceEvent): string | null {
  const f = (e.fields ?? {}) as Fields;
  switch (e.type) {
    case 'request':
      return f.op === 'unlock' || f.op === 'cancel'
        ? `${str(f.client)} asks to ${str(f.op)} ${str(f.resource)}`
        : `${str(f.client)} requests ${str(f.mode)} on ${str(f.resource)}${f.op === 'convert' ? ' (convert)' : ''}${flagList(f.flags)}`;
    case 'complete':
      return `${str(f.client)} learns ${str(f.status)} on ${str(f.resource)}${f.mode ? `, holds ${str(f.mode)}` : ''}${tokenOf(f)}${valueOf(f)}${flagList(f.flags)}`;
    case 'grant':
      return `${e.node} grants ${str(f.mode)} on ${str(f.resource)} to ${str(f.client)}${tokenOf(f)}${valueOf(f)}${flagList(f.flags)}`;
    case 'release':
      return `${e.node} releases ${str(f.client)}'s lock on ${str(f.resource)} (${str(f.reason)})`;
    case 'expire':
      return `${str(f.client)}'s lock on ${str(f.resource)} expires (${e.node})`;
    case 'lapse':
      return `${str(f.client)}'s own lease deadline on ${str(f.resource)} passes on its clock`;
    case 'enqueue':
      return `${e.node} queues ${str(f.client)}'s ${str(f.mode)} request on ${str(f.resource)} (${str(f.queue)})`;
    case 'dequeue':
      return `${e.node} drops ${str(f.client)}'s queued request on ${str(f.resource)} (${str(f.reason)})`;
    case 'bast':
      return `${str(f.client)} is asked to give up ${str(f.resource)} (blocked ${str(f.mode)})`;
    case 'lvb-write':
      return `${e.node} writes the value block of ${str(f.resource)}: "${str(f.value)}"`;
    case 'lvb-invalidate':
      return `${e.node} marks the value block of ${str(f.resource)} invalid (${str(f.reason)})`;
    case 'deadlock': {
      const cycle = Array.isArray(f.cycle) ? (f.cycle as Fields[]).map((c) => `${str(c.node)} waits for ${str(c.waitsFor)} on ${str(c.resource)}`).join('; ') : '';
      return `${e.node} finds a deadlock: ${cycle}; victim ${str(f.victim)}`;
    }
    case 'write':
      return `storage ACCEPTS ${str(f.client)}'s write of "${str(f.value)}" to ${str(f.resource)}${tokenOf(f)}`;
    case 'reject':
      return `storage REJECTS ${str(f.client)}'s write to ${str(f.resource)}${tokenOf(f)} (highest accepted ${str(f.highest)})`;
    case 'read':
      return `storage serves ${str(f.client)} a read of ${str(f.resource)}: "${str(f.value)}"`;
    case 'skip':
      return `${str(f.client)} skips its write to ${str(f.resource)} (${str(f.reason)})`;
    case 'pause':
      return `${e.node} PAUSES for ${str(f.forMs)} ms`;
    case 'resume':
      return `${e.node} resumes`;
    case 'crash':
      return `${e.node} CRASHES`;
    case 'restart':
      return `${e.node} restarts (incarnation ${str(f.incarnation)})`;
    case 'clock-jump':
      return `${e.node}'s wall clock jumps ${Number(f.byMs) >= 0 ? '+' : ''}${str(f.byMs)} ms`;
    case 'clock-drift':
      return `${e.node}'s clock now drifts ${str(f.ppm)} ppm`;
    case 'partition':
      return `network partition: ${Array.isArray(f.groups) ? (f.groups as unknown[][]).map((g) => `{${g.join(',')}}`).join(f.oneWay ? ' -/-> ' : ' | ') : ''}`;
    case 'heal':
      return 'network partition heals';
    case 'violation':
      return `VIOLATION ${str(f.invariant)}: ${str(f.message)}`;
    default:
      return null;
  }
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
  lines.push(`seed ${result.seed} · ${result.stats.events} events · ${result.stats.messages} messages · ${result.stats.simMs.toFixed(1)} ms simulated · trace ${result.traceHash}`);
  lines.push('');
  lines.push(`${'true ms'.padStart(10)}  ${'local ms'.padStart(10)}  ${'node'.padEnd(8)}  event`);
  for (const e of events) {
    const text = narrate(e);
    if (text === null) continue;
    lines.push(`${fmtMs(e.tUs).padStart(10)}  ${localOf(e).padStart(10)}  ${e.node.padEnd(8)}  ${text}`);
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
