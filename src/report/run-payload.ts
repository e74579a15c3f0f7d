/**
 * The data block of a run page (`RunPayload`, payload.ts): the derived run view cut into the
 * compact shape the browser script draws, one builder per section of the page (violations,
 * lock timeline, storage, clocks, space-time diagram, trace). Pure: the same view gives the
 * same bytes.
 */

import type { TraceEvent } from '../sim/types.js';
import type { RunView } from './derive.js';
import { eventMs, fieldNum, fieldStr } from './fields.js';
import type { Violation } from '../explore/result.js';
import type { RunReportInput } from './model.js';
import { formatMs } from '../sim/index.js';
import type {
  ClientSpanBar,
  ClockJumpPoint,
  ClockLine,
  RunPayload,
  SpaceTimeMark,
  SpaceTimePayload,
  SpaceTimeSpan,
  StoragePoint,
  TimelineBar,
  TimelinePayload,
  TracePayload,
  ViolationMarker,
} from './payload.js';
import { MARK_COLORS, MODE_COLORS } from './style.js';

/** The least width a timeline bar is drawn with, px: a 18 ms grant in a 30 s run must still show. */
export const TIMELINE_MIN_BAR_PX = 4;

/** Past this many (resource, client) rows the timeline opens with one row per resource. */
export const TIMELINE_ROWS_PER_CLIENT_MAX = 24;

/** The timeline opens on the lock activity unless it fills at least this fraction of the run. */
const ACTIVITY_VIEW_FRACTION = 0.6;

/** Marks on the space-time diagram get text labels only below this many marks (else they would pile up). */
const MARK_LABEL_LIMIT = 1500;

/** The zooms of the space-time diagram, px per ms; the browser script offers the same steps. */
const SPACE_TIME_ZOOMS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];

/** The run page's data block, with what the page's HTML needs to know about it. */
export interface RunPayloadParts {
  payload: RunPayload;
  /** The trace row each violation links to. */
  violationSeqs: (number | undefined)[];
  timelineRows: number;
  /** Bars per timeline row (granted, believed, and queued / paused when present). */
  timelineSlots: number;
  clientSpanCount: number;
}

/** Where a violation sits: its trace row and the node whose event caused it. */
interface ViolationAnchor {
  seq: number | undefined;
  node: string | undefined;
}

/** Lane index by node name; names without a lane fall back to lane 0. */
class Lanes {
  private readonly index: Map<string, number>;

  constructor(readonly names: readonly string[]) {
    this.index = new Map(names.map((name, index) => [name, index]));
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  of(name: string): number {
    return this.index.get(name) ?? 0;
  }

  /** Sort key: lane order, nodes without a lane after all lanes. */
  order(name: string): number {
    return this.index.get(name) ?? this.names.length;
  }
}

/** Builds the data block of one run page from its derived view. */
export function buildRunPayload(input: RunReportInput, view: RunView): RunPayloadParts {
  const { events, result } = input;
  const lanes = new Lanes(view.nodes);
  const anchors = result.violations.map((violation) => violationAnchor(events, violation));
  const violationSeqs = anchors.map((anchor) => anchor.seq);
  const timeline = timelinePayload(view, result, lanes);
  const payload: RunPayload = {
    endMs: view.endMs,
    modeColors: MODE_COLORS,
    markColors: MARK_COLORS,
    nodes: view.nodes,
    violations: violationMarkers(result.violations, violationSeqs),
    timeline,
    storage: storagePayload(view),
    clocks: clocksPayload(view, lanes),
    st: spaceTimePayload(events, view, result.violations, anchors, lanes),
    trace: tracePayload(view),
  };
  const timelineSlots = 2 + (view.queued.length > 0 ? 1 : 0) + (timeline.pauses.length > 0 ? 1 : 0);
  return { payload, violationSeqs, timelineRows: timeline.rows.length, timelineSlots, clientSpanCount: timeline.pauses.length };
}

/**
 * Where a violation sits in the trace: `seq` is its `violation` event (else the storage write at
 * that instant, else the next event), and `node` is the node of the event that caused it (the
 * event just before the `violation` event, which the checker layer traces right after its cause).
 */
function violationAnchor(events: readonly TraceEvent[], violation: Violation): ViolationAnchor {
  let firstAfter: TraceEvent | undefined;
  let storageAt: TraceEvent | undefined;
  let previous: TraceEvent | undefined;
  for (const event of events) {
    const tMs = eventMs(event);
    if (tMs + 0.0005 < violation.atMs) {
      previous = event;
      continue;
    }
    if (tMs - 0.0005 > violation.atMs) {
      firstAfter ??= event;
      break;
    }
    if (event.type === 'violation' && fieldStr(event, 'invariant') === violation.invariant) {
      return { seq: event.seq, node: previous?.node };
    }
    if ((event.type === 'write' || event.type === 'reject') && storageAt === undefined) storageAt = event;
    firstAfter ??= event;
    previous = event;
  }
  const at = storageAt ?? firstAfter;
  return { seq: at?.seq, node: at?.node };
}

function violationMarkers(violations: readonly Violation[], violationSeqs: readonly (number | undefined)[]): ViolationMarker[] {
  return violations.map((v, i) => ({ t: v.atMs, inv: v.invariant, res: v.resource ?? null, seq: violationSeqs[i] ?? null }));
}

// ----------------------------------------------------------------------------------------------
// Lock timeline.

/** One timeline row per (resource, client): resource-major, clients in lane order. */
function timelineRowKeys(view: RunView, lanes: Lanes): { resource: string; client: string }[] {
  const rowKeys: { resource: string; client: string }[] = [];
  for (const resource of view.resources) {
    const clients: string[] = [];
    for (const bar of [...view.grants, ...view.beliefs, ...view.queued]) {
      if (bar.resource === resource && !clients.includes(bar.client)) clients.push(bar.client);
    }
    clients.sort((a, b) => lanes.order(a) - lanes.order(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const client of clients) rowKeys.push({ resource, client });
  }
  return rowKeys;
}

function timelinePayload(view: RunView, result: RunReportInput['result'], lanes: Lanes): TimelinePayload {
  const { observations } = result;
  const rowKeys = timelineRowKeys(view, lanes);
  const rowIndex = new Map<string, number>(rowKeys.map((row, index) => [`${row.resource}\u0000${row.client}`, index]));
  const barData = (bars: RunView['grants']): TimelineBar[] =>
    bars.map((bar) => ({
      r: rowIndex.get(`${bar.resource}\u0000${bar.client}`) ?? 0,
      a: bar.fromMs,
      b: bar.toMs,
      m: bar.mode,
      tk: bar.token ?? null,
      s: bar.seq,
      es: bar.endSeq ?? null,
      e: bar.end,
    }));
  return {
    rows: rowKeys.map((row) => `${row.resource} · ${row.client}`),
    rowResource: rowKeys.map((row) => row.resource),
    rowClient: rowKeys.map((row) => row.client),
    grants: barData(view.grants),
    beliefs: barData(view.beliefs),
    queued: barData(view.queued),
    overlaps: observations
      .filter((o) => o.kind === 'belief-overlap')
      .map((o) => ({ a: o.fromMs, b: o.toMs, res: o.resource, nodes: o.nodes })),
    pauses: clientSpanBars(view, rowKeys),
    minBarPx: TIMELINE_MIN_BAR_PX,
    byResource: rowKeys.length > TIMELINE_ROWS_PER_CLIENT_MAX,
    activityEndMs: activityEndMs(view, result),
  };
}

/**
 * The end of the timeline's initial view: the last instant anything happens to a lock (a bar
 * starts or ends, an overlap ends, a violation), plus a twentieth, so a run whose locks are all
 * done in its first seconds does not open as a sliver. When that is most of the run, the whole run.
 */
function activityEndMs(view: RunView, result: RunReportInput['result']): number {
  let last = 0;
  for (const bar of [...view.grants, ...view.beliefs, ...view.queued]) last = Math.max(last, bar.end === 'open' ? bar.fromMs : bar.toMs);
  for (const observation of result.observations) last = Math.max(last, observation.toMs);
  for (const violation of result.violations) last = Math.max(last, violation.atMs);
  const withMargin = last * 1.05 + 1;
  return withMargin >= view.endMs * ACTIVITY_VIEW_FRACTION ? view.endMs : withMargin;
}

/** Pauses and crashes of clients, one bar per timeline row of that client. */
function clientSpanBars(view: RunView, rowKeys: readonly { resource: string; client: string }[]): ClientSpanBar[] {
  const clientSpans: ClientSpanBar[] = [];
  for (const span of view.spans) {
    if (span.kind !== 'pause' && span.kind !== 'crash') continue;
    const node = span.nodes[0] ?? '';
    const label = `${span.kind === 'pause' ? 'paused' : 'crashed'} ${formatMs(span.toMs - span.fromMs)}${span.open ? '+' : ''}`;
    rowKeys.forEach((row, r) => {
      if (row.client === node) clientSpans.push({ r, a: span.fromMs, b: span.toMs, k: span.kind, label, s: span.seq });
    });
  }
  return clientSpans;
}

// ----------------------------------------------------------------------------------------------
// Storage and clocks.

function storagePayload(view: RunView): RunPayload['storage'] {
  const points: StoragePoint[] = view.storage.map((op) => ({
    x: op.tMs,
    y: op.token ?? 0,
    s: op.seq,
    c: op.client,
    r: op.resource,
    ok: op.accepted,
    tk: op.token ?? null,
    hi: op.highest ?? null,
    bad: op.violating,
  }));
  return { points, hasTokens: view.storage.some((op) => op.token !== undefined) };
}

function clocksPayload(view: RunView, lanes: Lanes): RunPayload['clocks'] {
  return {
    series: [...view.clocks].sort((a, b) => lanes.order(a.node) - lanes.order(b.node)).map(thinClockSeries),
    jumps: view.jumps.map((jump) => clockJumpPoint(view, jump)),
  };
}

/**
 * A clock series without the interior points of runs of equal offset: the drawn line is the
 * same (those points sit on a flat segment between the run's first and last point), and a
 * long run's data shrinks by an order of magnitude.
 */
function thinClockSeries(series: RunView['clocks'][number]): ClockLine {
  const out: ClockLine = { node: series.node, t: [], o: [], s: [] };
  const n = series.offsetMs.length;
  for (let i = 0; i < n; i += 1) {
    const o = series.offsetMs[i];
    if (i > 0 && i < n - 1 && o === series.offsetMs[i - 1] && o === series.offsetMs[i + 1]) continue;
    out.t.push(series.tMs[i] ?? 0);
    out.o.push(o ?? 0);
    out.s.push(series.seq[i] ?? 0);
  }
  return out;
}

/** A clock jump sits at the offset the node shows right after the jump. */
function clockJumpPoint(view: RunView, jump: RunView['jumps'][number]): ClockJumpPoint {
  const series = view.clocks.find((s) => s.node === jump.node);
  let y = 0;
  if (series !== undefined) {
    const index = series.tMs.findIndex((t, i) => t >= jump.tMs && (series.seq[i] ?? 0) >= jump.seq);
    const at = index >= 0 ? index : series.tMs.length - 1;
    y = series.offsetMs[at] ?? 0;
  }
  return { node: jump.node, t: jump.tMs, by: jump.byMs, y, s: jump.seq };
}

// ----------------------------------------------------------------------------------------------
// Space-time diagram: messages in columns, fault spans, marks.

function spaceTimePayload(
  events: readonly TraceEvent[],
  view: RunView,
  violations: readonly Violation[],
  anchors: readonly ViolationAnchor[],
  lanes: Lanes,
): SpaceTimePayload {
  const messages = messageColumns(view, lanes);
  const medianLatencyMs = medianDeliveredLatencyMs(view);
  // Default zoom: a typical message spans about 24 px.
  const defaultPxPerMs = SPACE_TIME_ZOOMS.find((z) => z * Math.max(medianLatencyMs, 0.001) >= 24) ?? 128;
  return {
    ...messages,
    spans: view.spans.map((span) => spaceTimeSpan(span, lanes)),
    marks: spaceTimeMarks(events, view, violations, anchors, lanes),
    defaultPxPerMs,
    medianLatencyMs,
  };
}

type MessageColumns = Pick<SpaceTimePayload, 'from' | 'to' | 'msg' | 'sm' | 'ss' | 'em' | 'fate' | 'dup' | 'msgNames'>;

function messageColumns(view: RunView, lanes: Lanes): MessageColumns {
  const msgNames: string[] = [];
  const msgIndex = new Map<string, number>();
  const columns: MessageColumns = { from: [], to: [], msg: [], sm: [], ss: [], em: [], fate: [], dup: [], msgNames };
  for (const message of view.messages) {
    let name = msgIndex.get(message.msg);
    if (name === undefined) {
      name = msgNames.length;
      msgIndex.set(message.msg, name);
      msgNames.push(message.msg);
    }
    columns.from.push(lanes.of(message.from));
    columns.to.push(lanes.of(message.to));
    columns.msg.push(name);
    columns.sm.push(message.sendMs);
    columns.ss.push(message.sendSeq);
    columns.em.push(message.endMs ?? null);
    columns.fate.push(message.fate === 'delivered' ? 0 : message.fate === 'dropped' ? 1 : 2);
    columns.dup.push(message.duplicate ? 1 : 0);
  }
  return columns;
}

function medianDeliveredLatencyMs(view: RunView): number {
  const latencies = view.messages
    .filter((m) => m.fate === 'delivered' && m.endMs !== undefined)
    .map((m) => (m.endMs ?? 0) - m.sendMs)
    .sort((a, b) => a - b);
  return latencies[Math.floor(latencies.length / 2)] ?? 5;
}

function spaceTimeSpan(span: RunView['spans'][number], lanes: Lanes): SpaceTimeSpan {
  let label: string;
  if (span.kind === 'pause') label = `paused ${formatMs(span.toMs - span.fromMs)}${span.open ? '+' : ''}`;
  else if (span.kind === 'crash') label = `crashed${span.open ? '' : `, restarts after ${formatMs(span.toMs - span.fromMs)}`}`;
  else if (span.kind === 'partition') label = `${span.oneWay === true ? 'one-way ' : ''}partition ${(span.groups ?? []).map((g) => `{${g.join(' ')}}`).join(' | ')}`;
  else if (span.kind === 'delay') label = `to ${span.link?.to ?? '?'} delayed +${formatMs(span.extraMs ?? 0)}`;
  else label = `to ${span.link?.to ?? '?'} dropped`;
  return { k: span.kind, n: span.nodes.filter((n) => lanes.has(n)).map((n) => lanes.of(n)), a: span.fromMs, b: span.toMs, label, s: span.seq };
}

/** Grants, completions, writes, expiries, lapses and deadlocks on lanes, then clock jumps, then violations. */
function spaceTimeMarks(
  events: readonly TraceEvent[],
  view: RunView,
  violations: readonly Violation[],
  anchors: readonly ViolationAnchor[],
  lanes: Lanes,
): SpaceTimeMark[] {
  const marks: SpaceTimeMark[] = [];
  for (const event of events) {
    if (!lanes.has(event.node)) continue;
    const mark = eventMark(event, lanes);
    if (mark !== undefined) marks.push(mark);
  }
  for (const jump of view.jumps) {
    if (!lanes.has(jump.node)) continue;
    marks.push({ t: jump.tMs, n: lanes.of(jump.node), k: 'jump', l: `clock ${jump.byMs >= 0 ? '+' : ''}${formatMs(jump.byMs)}`, s: jump.seq });
  }
  if (marks.length >= MARK_LABEL_LIMIT) {
    for (const mark of marks) if (mark.k === 'grant' || mark.k === 'write' || mark.k === 'reject') delete mark.l;
  }
  violations.forEach((violation, i) => {
    const anchor = anchors[i];
    let node = anchor?.node !== undefined && lanes.has(anchor.node) ? anchor.node : undefined;
    node ??= violation.nodes.find((n) => lanes.has(n));
    marks.push({ t: violation.atMs, n: lanes.of(node ?? view.nodes[0] ?? ''), k: 'violation', l: `\u2717 ${violation.invariant}`, s: anchor?.seq ?? 0 });
  });
  return marks;
}

/** The mark of one event on its node's lane, or undefined for an event that gets none. */
function eventMark(event: TraceEvent, lanes: Lanes): SpaceTimeMark | undefined {
  const t = eventMs(event);
  const n = lanes.of(event.node);
  const s = event.seq;
  switch (event.type) {
    case 'grant': {
      const mode = fieldStr(event, 'mode') ?? '?';
      const token = fieldNum(event, 'token');
      return { t, n, k: 'grant', m: mode, s, l: `${fieldStr(event, 'client') ?? '?'} ${mode}${token !== undefined ? ` #${token}` : ''}` };
    }
    case 'complete':
      return fieldStr(event, 'status') === 'GRANTED' ? { t, n, k: 'complete', m: fieldStr(event, 'mode') ?? '?', s } : undefined;
    case 'write':
    case 'reject':
      return { t, n, k: event.type, l: `${fieldStr(event, 'client') ?? '?'}${fieldNum(event, 'token') !== undefined ? ` #${fieldNum(event, 'token') ?? ''}` : ''}`, s };
    case 'expire':
      return { t, n, k: 'expire', l: `${fieldStr(event, 'client') ?? '?'}'s lease expires`, s };
    case 'lapse':
      return { t, n, k: 'lapse', l: 'own lease lapses', s };
    case 'deadlock':
      return { t, n, k: 'deadlock', l: `deadlock, victim ${fieldStr(event, 'victim') ?? '?'}`, s };
    default:
      return undefined;
  }
}

// ----------------------------------------------------------------------------------------------
// Trace.

/** The narrated trace in columns; node, type and resource names sit in tables the columns index. */
function tracePayload(view: RunView): TracePayload {
  const trace: TracePayload = { nodes: [...view.nodes], types: [], resources: view.resources, seq: [], t: [], n: [], ty: [], r: [], inv: [], text: [], sig: [] };
  const nodeId = nameTable(trace.nodes);
  const typeId = nameTable(trace.types);
  const resourceIndex = new Map<string, number>(view.resources.map((r, i) => [r, i]));
  for (const row of view.rows) {
    trace.seq.push(row.seq);
    trace.t.push(row.tMs);
    trace.n.push(nodeId(row.node));
    trace.ty.push(typeId(row.type));
    trace.r.push(row.resource !== undefined ? resourceIndex.get(row.resource) ?? -1 : -1);
    trace.inv.push(row.involved.map(nodeId));
    trace.text.push(row.text);
    trace.sig.push(row.significant ? 1 : 0);
  }
  return trace;
}

/** The index of a name in `names`, appending names not yet there. */
function nameTable(names: string[]): (name: string) => number {
  const index = new Map<string, number>(names.map((name, i) => [name, i]));
  return (name) => {
    let id = index.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      index.set(name, id);
    }
    return id;
  };
}
