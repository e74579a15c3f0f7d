/**
 * The self-contained HTML reports: one page per run (`renderRunReport`) and one per suite
 * (`renderSuiteReport`). A page opens from disk with no network: chart.js is inlined, the data
 * sits in a `<script type="application/json">` block, a Content-Security-Policy forbids every
 * fetch, and there is no URL in it at all. Every user string goes through escape.ts. Rendering
 * is a pure function of its input (no clock, no randomness), so the same run gives the same page.
 */

import type { TraceEvent } from '../sim/types.js';
import { chartJsSource } from './chartjs.js';
import { clientScript } from './client-script.js';
import type { DeadlockView, EdgeEvent } from './derive-deadlocks.js';
import { deriveRunView, type RunView } from './derive.js';
import { escapeHtml, jsonForScript, renderMarkdown, safeRelativeHref } from './escape.js';
import { eventMs, fieldNum, fieldStr } from './fields.js';
import type { Violation } from '../explore/result.js';
import type { ScenarioFault } from '../scenario/index.js';
import type { RunReportInput, SuiteReportInput } from './model.js';
import { INVARIANT_NAMES } from './model.js';
import { formatMs } from '../sim/index.js';
import { MARK_COLORS, MODE_COLORS, REPORT_CSS } from './style.js';

/** Marks on the space-time diagram get text labels only below this many marks (else they would pile up). */
const MARK_LABEL_LIMIT = 1500;

/** Failing seeds listed openly per suite row; the rest fold into a details element. */
const FINDS_SHOWN = 5;

const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function page(title: string, body: string, data: unknown, clientJs: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="generator" content="lockstep">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    body,
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${chartJsSource()}</script>`,
    `<script>${clientJs}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const h = escapeHtml;

function chip(key: string, value: string, cls = ''): string {
  return `<span class="chip${cls !== '' ? ` ${cls}` : ''}"><span class="k">${h(key)}</span>${value}</span>`;
}

function seqLink(seq: number | undefined, text: string): string {
  if (seq === undefined) return h(text);
  return `<a href="#trace" data-seq="${seq}">${h(text)}</a>`;
}

/** A one-line description of an applied fault (§5.2 form). */
export function describeFault(fault: ScenarioFault): string {
  const at = `at ${formatMs(fault.atMs)}`;
  switch (fault.kind) {
    case 'pause':
      return `${fault.node} pauses for ${formatMs(fault.forMs)} ${at}`;
    case 'crash':
      return `${fault.node} crashes ${at}${fault.restartAfterMs !== undefined ? `, restarts ${formatMs(fault.restartAfterMs)} later` : ''}`;
    case 'clock-jump':
      return `${fault.node}'s ${fault.clock} clock jumps ${fault.byMs >= 0 ? '+' : ''}${formatMs(fault.byMs)} ${at}`;
    case 'clock-drift':
      return `${fault.node}'s clock drifts ${fault.ppm} ppm from ${formatMs(fault.atMs)}`;
    case 'partition':
      return `${fault.oneWay === true ? 'one-way ' : ''}partition ${fault.groups.map((g) => `{${g.join(' ')}}`).join(' | ')} ${at}${fault.forMs !== undefined ? ` for ${formatMs(fault.forMs)}` : ''}`;
    case 'delay':
      return `messages ${fault.from} → ${fault.to} delayed +${formatMs(fault.extraMs)} for ${formatMs(fault.forMs)} ${at}`;
    case 'drop':
      return `messages ${fault.from} → ${fault.to} dropped for ${formatMs(fault.forMs)} ${at}`;
    default:
      return JSON.stringify(fault);
  }
}

// ----------------------------------------------------------------------------------------------
// Run report.

/**
 * Where a violation sits in the trace: `seq` is its `violation` event (else the storage write at
 * that instant, else the next event), and `node` is the node of the event that caused it (the
 * event just before the `violation` event, which the checker layer traces right after its cause).
 */
function violationAnchor(events: readonly TraceEvent[], violation: Violation): { seq: number | undefined; node: string | undefined } {
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

/**
 * A clock series without the interior points of runs of equal offset: the drawn line is the
 * same (those points sit on a flat segment between the run's first and last point), and a
 * long run's data shrinks by an order of magnitude.
 */
function thinClockSeries(series: RunView['clocks'][number]): { node: string; t: number[]; o: number[]; s: number[] } {
  const out = { node: series.node, t: [] as number[], o: [] as number[], s: [] as number[] };
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

interface RunPayloadParts {
  payload: unknown;
  violationSeqs: (number | undefined)[];
  timelineRows: number;
  /** Bars per timeline row (granted, believed, and queued / paused when present). */
  timelineSlots: number;
  clientSpanCount: number;
}

function buildRunPayload(input: RunReportInput, view: RunView): RunPayloadParts {
  const { events, result } = input;
  const laneIndex = new Map<string, number>(view.nodes.map((name, index) => [name, index]));

  // Timeline rows: resource-major, clients in lane order.
  const rowKeys: { resource: string; client: string }[] = [];
  const rowIndex = new Map<string, number>();
  const clientOrder = (name: string): number => laneIndex.get(name) ?? view.nodes.length;
  for (const resource of view.resources) {
    const clients: string[] = [];
    for (const bar of [...view.grants, ...view.beliefs, ...view.queued]) {
      if (bar.resource === resource && !clients.includes(bar.client)) clients.push(bar.client);
    }
    clients.sort((a, b) => clientOrder(a) - clientOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const client of clients) {
      rowIndex.set(`${resource}\u0000${client}`, rowKeys.length);
      rowKeys.push({ resource, client });
    }
  }
  const barData = (bars: RunView['grants']): unknown[] =>
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
  const anchors = result.violations.map((v) => violationAnchor(events, v));
  const violationSeqs = anchors.map((a) => a.seq);
  const violations = result.violations.map((v, i) => ({ t: v.atMs, inv: v.invariant, res: v.resource ?? null, seq: violationSeqs[i] ?? null }));
  // Pauses and crashes of clients, one bar per timeline row of that client.
  const clientSpans: { r: number; a: number; b: number; k: string; label: string; s: number }[] = [];
  for (const span of view.spans) {
    if (span.kind !== 'pause' && span.kind !== 'crash') continue;
    const node = span.nodes[0] ?? '';
    const label = `${span.kind === 'pause' ? 'paused' : 'crashed'} ${formatMs(span.toMs - span.fromMs)}${span.open ? '+' : ''}`;
    rowKeys.forEach((row, r) => {
      if (row.client === node) clientSpans.push({ r, a: span.fromMs, b: span.toMs, k: span.kind, label, s: span.seq });
    });
  }

  // Space-time: messages in columns, fault spans, marks.
  const msgNames: string[] = [];
  const msgIndex = new Map<string, number>();
  const st = {
    from: [] as number[],
    to: [] as number[],
    msg: [] as number[],
    sm: [] as number[],
    ss: [] as number[],
    em: [] as (number | null)[],
    fate: [] as number[],
    dup: [] as number[],
  };
  const lane = (name: string): number => laneIndex.get(name) ?? 0;
  for (const message of view.messages) {
    let name = msgIndex.get(message.msg);
    if (name === undefined) {
      name = msgNames.length;
      msgIndex.set(message.msg, name);
      msgNames.push(message.msg);
    }
    st.from.push(lane(message.from));
    st.to.push(lane(message.to));
    st.msg.push(name);
    st.sm.push(message.sendMs);
    st.ss.push(message.sendSeq);
    st.em.push(message.endMs ?? null);
    st.fate.push(message.fate === 'delivered' ? 0 : message.fate === 'dropped' ? 1 : 2);
    st.dup.push(message.duplicate ? 1 : 0);
  }
  const spans = view.spans.map((span) => {
    let label: string;
    if (span.kind === 'pause') label = `paused ${formatMs(span.toMs - span.fromMs)}${span.open ? '+' : ''}`;
    else if (span.kind === 'crash') label = `crashed${span.open ? '' : `, restarts after ${formatMs(span.toMs - span.fromMs)}`}`;
    else if (span.kind === 'partition') label = `${span.oneWay === true ? 'one-way ' : ''}partition ${(span.groups ?? []).map((g) => `{${g.join(' ')}}`).join(' | ')}`;
    else if (span.kind === 'delay') label = `to ${span.link?.to ?? '?'} delayed +${formatMs(span.extraMs ?? 0)}`;
    else label = `to ${span.link?.to ?? '?'} dropped`;
    return { k: span.kind, n: span.nodes.filter((n) => laneIndex.has(n)).map(lane), a: span.fromMs, b: span.toMs, label, s: span.seq };
  });
  const marks: { t: number; n: number; k: string; m?: string; l?: string; s: number }[] = [];
  for (const event of events) {
    const tMs = eventMs(event);
    const onLane = laneIndex.has(event.node);
    switch (event.type) {
      case 'grant': {
        const mode = fieldStr(event, 'mode') ?? '?';
        const token = fieldNum(event, 'token');
        const mark: (typeof marks)[number] = { t: tMs, n: lane(event.node), k: 'grant', m: mode, s: event.seq };
        mark.l = `${fieldStr(event, 'client') ?? '?'} ${mode}${token !== undefined ? ` #${token}` : ''}`;
        if (onLane) marks.push(mark);
        break;
      }
      case 'complete':
        if (onLane && fieldStr(event, 'status') === 'GRANTED') {
          marks.push({ t: tMs, n: lane(event.node), k: 'complete', m: fieldStr(event, 'mode') ?? '?', s: event.seq });
        }
        break;
      case 'write':
      case 'reject':
        if (onLane) marks.push({ t: tMs, n: lane(event.node), k: event.type, l: `${fieldStr(event, 'client') ?? '?'}${fieldNum(event, 'token') !== undefined ? ` #${fieldNum(event, 'token') ?? ''}` : ''}`, s: event.seq });
        break;
      case 'expire':
        if (onLane) marks.push({ t: tMs, n: lane(event.node), k: 'expire', l: `${fieldStr(event, 'client') ?? '?'}'s lease expires`, s: event.seq });
        break;
      case 'lapse':
        if (onLane) marks.push({ t: tMs, n: lane(event.node), k: 'lapse', l: 'own lease lapses', s: event.seq });
        break;
      case 'deadlock':
        if (onLane) marks.push({ t: tMs, n: lane(event.node), k: 'deadlock', l: `deadlock, victim ${fieldStr(event, 'victim') ?? '?'}`, s: event.seq });
        break;
      default:
        break;
    }
  }
  for (const jump of view.jumps) {
    if (!laneIndex.has(jump.node)) continue;
    marks.push({ t: jump.tMs, n: lane(jump.node), k: 'jump', l: `clock ${jump.byMs >= 0 ? '+' : ''}${formatMs(jump.byMs)}`, s: jump.seq });
  }
  if (marks.length >= MARK_LABEL_LIMIT) {
    for (const mark of marks) if (mark.k === 'grant' || mark.k === 'write' || mark.k === 'reject') delete mark.l;
  }
  result.violations.forEach((violation, i) => {
    const anchor = anchors[i];
    let node = anchor?.node !== undefined && laneIndex.has(anchor.node) ? anchor.node : undefined;
    node ??= violation.nodes.find((n) => laneIndex.has(n));
    marks.push({ t: violation.atMs, n: lane(node ?? view.nodes[0] ?? ''), k: 'violation', l: `\u2717 ${violation.invariant}`, s: anchor?.seq ?? 0 });
  });

  // Clock jumps sit at the offset the node shows right after the jump.
  const jumps = view.jumps.map((jump) => {
    const series = view.clocks.find((s) => s.node === jump.node);
    let y = 0;
    if (series !== undefined) {
      const index = series.tMs.findIndex((t, i) => t >= jump.tMs && (series.seq[i] ?? 0) >= jump.seq);
      const at = index >= 0 ? index : series.tMs.length - 1;
      y = series.offsetMs[at] ?? 0;
    }
    return { node: jump.node, t: jump.tMs, by: jump.byMs, y, s: jump.seq };
  });

  // Trace columns.
  const traceNodes: string[] = [...view.nodes];
  const traceNodeIndex = new Map<string, number>(traceNodes.map((n, i) => [n, i]));
  const nodeId = (name: string): number => {
    let id = traceNodeIndex.get(name);
    if (id === undefined) {
      id = traceNodes.length;
      traceNodes.push(name);
      traceNodeIndex.set(name, id);
    }
    return id;
  };
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const resourceIndex = new Map<string, number>(view.resources.map((r, i) => [r, i]));
  const trace = {
    nodes: traceNodes,
    types,
    resources: view.resources,
    seq: [] as number[],
    t: [] as number[],
    n: [] as number[],
    ty: [] as number[],
    r: [] as number[],
    inv: [] as number[][],
    text: [] as string[],
    sig: [] as number[],
  };
  for (const row of view.rows) {
    let type = typeIndex.get(row.type);
    if (type === undefined) {
      type = types.length;
      typeIndex.set(row.type, type);
      types.push(row.type);
    }
    trace.seq.push(row.seq);
    trace.t.push(row.tMs);
    trace.n.push(nodeId(row.node));
    trace.ty.push(type);
    trace.r.push(row.resource !== undefined ? resourceIndex.get(row.resource) ?? -1 : -1);
    trace.inv.push(row.involved.map(nodeId));
    trace.text.push(row.text);
    trace.sig.push(row.significant ? 1 : 0);
  }

  const storagePoints = view.storage.map((op) => ({
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

  const latencies = view.messages
    .filter((m) => m.fate === 'delivered' && m.endMs !== undefined)
    .map((m) => (m.endMs ?? 0) - m.sendMs)
    .sort((a, b) => a - b);
  const medianLatencyMs = latencies[Math.floor(latencies.length / 2)] ?? 5;
  // Default zoom: a typical message spans about 24 px.
  const zooms = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];
  const defaultPxPerMs = zooms.find((z) => z * Math.max(medianLatencyMs, 0.001) >= 24) ?? 128;

  const payload = {
    endMs: view.endMs,
    modeColors: MODE_COLORS,
    markColors: MARK_COLORS,
    nodes: view.nodes,
    violations,
    timeline: {
      rows: rowKeys.map((row) => `${row.resource} · ${row.client}`),
      rowResource: rowKeys.map((row) => row.resource),
      rowClient: rowKeys.map((row) => row.client),
      grants: barData(view.grants),
      beliefs: barData(view.beliefs),
      queued: barData(view.queued),
      overlaps: result.observations
        .filter((o) => o.kind === 'belief-overlap')
        .map((o) => ({ a: o.fromMs, b: o.toMs, res: o.resource, nodes: o.nodes })),
      pauses: clientSpans,
    },
    storage: { points: storagePoints, hasTokens: view.storage.some((op) => op.token !== undefined) },
    clocks: {
      series: [...view.clocks]
        .sort((a, b) => (laneIndex.get(a.node) ?? view.nodes.length) - (laneIndex.get(b.node) ?? view.nodes.length))
        .map(thinClockSeries),
      jumps,
    },
    st: { ...st, msgNames, spans, marks, defaultPxPerMs, medianLatencyMs },
    trace,
  };
  const timelineSlots = 2 + (view.queued.length > 0 ? 1 : 0) + (clientSpans.length > 0 ? 1 : 0);
  return { payload, violationSeqs, timelineRows: rowKeys.length, timelineSlots, clientSpanCount: clientSpans.length };
}

function modeLegend(view: RunView, result: RunReportInput['result'], clientSpanCount: number): string {
  const modes: string[] = [];
  for (const bar of [...view.grants, ...view.beliefs, ...view.queued]) if (!modes.includes(bar.mode)) modes.push(bar.mode);
  const order = Object.keys(MODE_COLORS);
  modes.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const items = modes.map((mode) => {
    const color = MODE_COLORS[mode] ?? '#777777';
    return `<span class="item"><span class="sw" style="background:${color}"></span>${h(mode)}</span>`;
  });
  const sample = MODE_COLORS[modes[0] ?? 'EX'] ?? '#0072B2';
  items.push('<span class="sw sep"></span>');
  items.push(`<span class="item"><span class="sw" style="background:${sample}"></span>service granted</span>`);
  items.push(
    `<span class="item"><span class="sw" style="background:repeating-linear-gradient(135deg, ${sample} 0 2px, rgba(255,255,255,.75) 2px 6px)"></span>client believed</span>`,
  );
  if (view.queued.length > 0) {
    items.push(
      `<span class="item"><span class="sw" style="background:radial-gradient(${sample} 1.2px, rgba(255,255,255,.9) 1.6px) 0 0/5px 5px;border-color:${sample}"></span>queued at the service</span>`,
    );
  }
  if (clientSpanCount > 0) {
    items.push(
      '<span class="item"><span class="sw" style="background:repeating-linear-gradient(135deg, #8a8f98 0 1px, #f3f4f6 1px 5px)"></span>client paused / crashed</span>',
    );
  }
  if (result.observations.length > 0) {
    items.push(`<span class="item"><span class="sw" style="background:rgba(204,121,167,.25);border-color:${MARK_COLORS.overlap}"></span>belief overlap</span>`);
  }
  if (result.violations.length > 0) items.push('<span class="item"><span class="sw line"></span>violation</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

function edgeEventLine(label: string, event: EdgeEvent | undefined): string {
  if (event === undefined) return `<span class="evt">${h(label)}: not in the trace</span>`;
  return `<span class="evt">${h(label)}: ${seqLink(event.seq, `#${event.seq}`)} at ${h(formatMs(event.tMs))}: ${h(event.text)}</span>`;
}

/** The wait-for cycle of one deadlock as an inline SVG: nodes on a circle, arrows waiter → holder labelled `resource mode`, victim highlighted. */
export function renderDeadlockSvg(view: DeadlockView, idPrefix: string): string {
  const names: string[] = [];
  for (const edge of view.edges) {
    if (!names.includes(edge.node)) names.push(edge.node);
    if (!names.includes(edge.waitsFor)) names.push(edge.waitsFor);
  }
  const width = 440;
  const height = names.length <= 2 ? 230 : 350;
  const cx = width / 2;
  const cy = names.length <= 2 ? 126 : height / 2 + 10;
  const radius = names.length <= 2 ? 120 : 112;
  const nodeR = 30;
  const start = names.length === 2 ? Math.PI : -Math.PI / 2;
  const pos = new Map<string, { x: number; y: number }>();
  names.forEach((name, i) => {
    const angle = start + (2 * Math.PI * i) / Math.max(1, names.length);
    pos.set(name, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) });
  });
  const modes = [...new Set(view.edges.map((e) => e.mode))];
  const markerId = (mode: string): string => `${idPrefix}-arrow-${modes.indexOf(mode)}`;
  const defs = modes
    .map((mode) => {
      const color = MODE_COLORS[mode] ?? '#555555';
      return `<marker id="${h(markerId(mode))}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
    })
    .join('');
  const parts: string[] = [];
  const fmt = (n: number): string => n.toFixed(1);
  for (const edge of view.edges) {
    const a = pos.get(edge.node);
    const b = pos.get(edge.waitsFor);
    if (a === undefined || b === undefined) continue;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const dist = Math.max(1, Math.hypot(dx, dy));
    // Bow every arrow to its left, so A→B and B→A never overlap.
    const bow = edge.node === edge.waitsFor ? 0 : Math.min(70, dist * 0.3);
    const ctrl = { x: (a.x + b.x) / 2 + (dy / dist) * bow, y: (a.y + b.y) / 2 - (dx / dist) * bow };
    const from = towards(a, ctrl, nodeR + 2);
    const to = towards(b, ctrl, nodeR + 4);
    const color = MODE_COLORS[edge.mode] ?? '#555555';
    const mid = { x: 0.25 * from.x + 0.5 * ctrl.x + 0.25 * to.x, y: 0.25 * from.y + 0.5 * ctrl.y + 0.25 * to.y };
    parts.push(
      `<path d="M${fmt(from.x)},${fmt(from.y)} Q${fmt(ctrl.x)},${fmt(ctrl.y)} ${fmt(to.x)},${fmt(to.y)}" fill="none" stroke="${color}" stroke-width="2.6" marker-end="url(#${h(markerId(edge.mode))})"/>`,
    );
    const label = `${edge.mode} on ${edge.resource}`;
    const labelW = Math.min(200, label.length * 7.6 + 12);
    parts.push(
      `<rect x="${fmt(mid.x - labelW / 2)}" y="${fmt(mid.y - 10)}" width="${fmt(labelW)}" height="20" rx="4" fill="#ffffff" stroke="${color}" stroke-width="1"/>`,
      `<text x="${fmt(mid.x)}" y="${fmt(mid.y)}" text-anchor="middle" dominant-baseline="central" font-size="12.5" font-weight="600" fill="#1f2328">${h(label)}</text>`,
    );
  }
  for (const name of names) {
    const p = pos.get(name);
    if (p === undefined) continue;
    const victim = name === view.victim;
    parts.push(
      `<circle cx="${fmt(p.x)}" cy="${fmt(p.y)}" r="${nodeR}" fill="${victim ? '#fdebe3' : '#ffffff'}" stroke="${victim ? MARK_COLORS.violation : '#3b434b'}" stroke-width="${victim ? 3.5 : 2}"/>`,
    );
    parts.push(
      `<text x="${fmt(p.x)}" y="${fmt(p.y)}" text-anchor="middle" dominant-baseline="central" font-size="14" font-weight="700" fill="#1f2328">${h(name)}</text>`,
    );
    if (victim) {
      parts.push(
        `<text x="${fmt(p.x)}" y="${fmt(p.y + nodeR + 16)}" text-anchor="middle" font-size="12" font-weight="700" fill="${MARK_COLORS.violation}">victim</text>`,
      );
    }
  }
  const cycleText = `${names.join(' → ')} → ${names[0] ?? ''}`;
  return [
    `<svg class="waitfor" viewBox="0 0 ${width} ${height}" role="img" aria-label="${h(`wait-for cycle ${cycleText}; victim ${view.victim}`)}" font-family="system-ui, 'DejaVu Sans', sans-serif">`,
    `<title>${h(`wait-for cycle ${cycleText}; victim ${view.victim}`)}</title>`,
    `<defs>${defs}</defs>`,
    `<text x="12" y="20" font-size="11" fill="#59636e">arrow: waiter → holder, labelled with the resource and the mode it waits for</text>`,
    ...parts,
    '</svg>',
  ].join('');
}

function towards(from: { x: number; y: number }, to: { x: number; y: number }, by: number): { x: number; y: number } {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const dist = Math.max(1e-9, Math.hypot(dx, dy));
  return { x: from.x + (dx / dist) * by, y: from.y + (dy / dist) * by };
}

function deadlockSection(view: RunView): string {
  if (view.deadlocks.length === 0) return '<p class="empty">No deadlock was found in this run.</p>';
  return view.deadlocks
    .map((deadlock, index) => {
      const names = deadlock.edges.map((e) => e.node);
      const items = deadlock.edges
        .map(
          (edge) =>
            `<li><strong>${h(edge.node)}</strong> waits for <strong>${h(edge.waitsFor)}</strong>: it wants <code>${h(edge.mode)}</code> on <code>${h(edge.resource)}</code>` +
            edgeEventLine('waiting since', edge.waitEvent) +
            edgeEventLine(`${edge.waitsFor} holds ${edge.resource} since`, edge.holdEvent) +
            '</li>',
        )
        .join('');
      const found = deadlock.detector !== undefined ? `, found by ${h(deadlock.detector)} (${seqLink(deadlock.seq, `#${deadlock.seq ?? ''}`)})` : '';
      return (
        `<div class="dl" id="deadlock-${index + 1}">${renderDeadlockSvg(deadlock, `dl${index + 1}`)}<div>` +
        `<h3>Deadlock ${index + 1} at ${h(formatMs(deadlock.atMs))}${found}</h3>` +
        `<p>Cycle ${h(`${names.join(' → ')} → ${names[0] ?? ''}`)}. Victim: <strong>${h(deadlock.victim)}</strong>, whose request is refused with DEADLOCK to break the cycle.</p>` +
        `<p class="hint">The events that created each wait-for edge:</p><ol>${items}</ol></div></div>`
      );
    })
    .join('');
}

/** The run report: one self-contained HTML page for one (scenario, seed). */
export function renderRunReport(input: RunReportInput): string {
  const { scenario, result } = input;
  const view = deriveRunView(input.events, result, input.clocks);
  const { payload, violationSeqs, timelineRows, timelineSlots, clientSpanCount } = buildRunPayload(input, view);

  const verdict =
    result.violations.length > 0
      ? chip('verdict', h(`✗ violated: ${[...new Set(result.violations.map((v) => v.invariant))].join(', ')}`), 'bad')
      : chip('verdict', '✓ no violation', 'good');
  const expectation = result.expectMet ? chip('expectation', '✓ met', 'good') : chip('expectation', '✗ not met', 'bad');

  const violationItems =
    result.violations.length === 0
      ? '<p class="empty">none</p>'
      : `<ul>${result.violations
          .map(
            (v, i) =>
              `<li>${seqLink(violationSeqs[i], `✗ ${v.invariant} at ${formatMs(v.atMs)}`)}: ${h(v.message)}${v.resource !== undefined ? ` <span class="evt">on ${h(v.resource)}; ${h(v.nodes.join(', '))}</span>` : ''}</li>`,
          )
          .join('')}</ul>`;
  const observationItems =
    result.observations.length === 0
      ? '<p class="empty">none</p>'
      : `<ul>${result.observations
          .map((o) => `<li>${h(`${o.kind} on ${o.resource}: ${o.nodes.join(' and ')} both believed they held it from ${formatMs(o.fromMs)} to ${formatMs(o.toMs)} (${formatMs(o.toMs - o.fromMs)})`)}</li>`)
          .join('')}</ul>`;
  const deadlockItems =
    view.deadlocks.length === 0
      ? '<p class="empty">none</p>'
      : `<ul>${view.deadlocks
          .map((d, i) => `<li><a href="#deadlock-${i + 1}">${h(`at ${formatMs(d.atMs)}: ${d.edges.map((e) => e.node).join(' → ')}; victim ${d.victim}`)}</a></li>`)
          .join('')}</ul>`;
  const faultItems =
    result.faults.length === 0 ? '<p class="empty">none</p>' : `<ul>${result.faults.map((f) => `<li>${h(describeFault(f))}</li>`).join('')}</ul>`;

  const labelLines = Math.min(2, result.violations.length + result.observations.length);
  const timelineHeight = Math.max(170, timelineRows * (timelineSlots * 17 + 16) + 64 + labelLines * 21);
  const notes: string[] = [];
  if (view.barsOmitted > 0) notes.push(`<p class="note">${view.barsOmitted} later bars are not drawn (the timeline keeps the first ${view.grants.length} of each kind); the trace below has every event.</p>`);
  if (view.unmatchedMessages > 0) notes.push(`<p class="note">${view.unmatchedMessages} deliveries matched no send (the trace began mid-flight).</p>`);

  const body = `
<header class="top"><div class="wrap">
  <div class="brand">lockstep · run report</div>
  <h1 id="report-title">${h(scenario.title)}</h1>
  <div class="meta">
    ${chip('scenario', `<b>${h(scenario.name)}</b>`)}
    ${chip('protocol', h(scenario.protocol))}
    ${chip('seed', h(String(input.seed)))}
    ${verdict}
    ${expectation}
  </div>
  <div class="replay"><span class="label">Replay</span><code id="replay-command">${h(input.replayCommand)}</code></div>
</div></header>
<nav class="toc"><div class="wrap">
  <a href="#summary">Summary</a>${scenario.lesson.trim() !== '' ? '<a href="#lesson">Lesson</a>' : ''}<a href="#timeline">Lock timeline</a><a href="#storage">Storage</a><a href="#clocks">Clocks</a><a href="#spacetime">Messages</a><a href="#deadlocks">Deadlocks</a><a href="#trace">Trace</a>
</div></nav>
<main class="wrap">
<section class="card" id="summary">
  <div class="grid">
    <div class="stat"><div class="k">Violations</div>${violationItems}</div>
    <div class="stat"><div class="k">Observations</div>${observationItems}</div>
    <div class="stat"><div class="k">Deadlocks</div>${deadlockItems}</div>
    <div class="stat"><div class="k">Faults applied</div>${faultItems}</div>
    <div class="stat"><div class="k">Run</div><dl class="kv">
      <dt>events</dt><dd>${result.stats.events}</dd>
      <dt>messages</dt><dd>${result.stats.messages}</dd>
      <dt>simulated</dt><dd>${h(formatMs(result.stats.simMs))}</dd>
      <dt>trace hash</dt><dd class="mono">${h(result.traceHash)}</dd>
      ${scenario.file !== undefined ? `<dt>file</dt><dd class="mono">${h(scenario.file)}</dd>` : ''}
    </dl></div>
  </div>
</section>
${scenario.lesson.trim() !== '' ? `<section class="card lesson" id="lesson"><h2>Lesson</h2>${renderMarkdown(scenario.lesson)}</section>` : ''}
<section class="card" id="timeline">
  <h2>Lock timeline</h2>
  <p class="hint">One row per client and resource. The solid bar is what the lock service granted (with its fencing token); the hatched bar beside it is what the client believed it held. Where the hatched bar outlasts the solid one, the client acts on a lock it no longer has. Click a bar to open its event in the trace.</p>
  ${timelineRows > 0 ? `${modeLegend(view, result, clientSpanCount)}<div class="chart" style="height:${timelineHeight}px"><canvas id="chart-timeline" role="img" aria-label="lock timeline"></canvas></div>` : '<p class="empty">No lock was granted in this run.</p>'}
  ${notes.join('')}
</section>
<section class="card" id="storage">
  <h2>Storage</h2>
  <p class="hint">Every write the storage accepted or rejected, at its true time, by fencing token. A write whose token is below one already accepted is what fencing must reject. Click a point to open it in the trace.</p>
  ${view.storage.length > 0 ? '<div class="chart" style="height:280px"><canvas id="chart-storage" role="img" aria-label="storage writes"></canvas></div>' : '<p class="empty">No writes reached the storage in this run.</p>'}
</section>
<section class="card" id="clocks">
  <h2>Clocks</h2>
  <p class="hint">Each node's wall clock minus true time. A constant offset is skew, a slope is drift, a vertical step is a jump. Leases measured on these clocks stretch and shrink with them.</p>
  ${view.clocks.length > 0 ? '<div class="chart" style="height:300px"><canvas id="chart-clocks" role="img" aria-label="clock offsets"></canvas></div>' : '<p class="empty">No event in this trace carries a local clock reading.</p>'}
</section>
<section class="card" id="spacetime">
  <h2>Messages (space-time diagram)</h2>
  <p class="hint">One lane per node, true time left to right. Arrows are messages (a cross: lost); hatched bands are pauses and crashes, tinted bands partitions. Squares are grants, dots a client learning its grant, green dots accepted writes. Idle stretches are compressed (the grey breaks say how long). Drag or scroll sideways to move; click an arrow or mark to open it in the trace.</p>
  ${view.nodes.length > 0 ? `<div class="controls">
    <button id="st-out" type="button" title="zoom out">− zoom out</button>
    <button id="st-in" type="button" title="zoom in">+ zoom in</button>
    <label><input id="st-compress" type="checkbox" checked> compress idle time</label>
    <button id="st-goto" type="button">go to first violation</button>
    <span id="st-zoom-label" class="hint"></span>
  </div>
  <div class="st-frame"><canvas id="st-canvas" class="st-canvas" role="img" aria-label="space-time diagram"></canvas><div class="st-scroll" id="st-scroll"><div id="st-spacer"></div></div></div>` : '<p class="empty">The trace is empty.</p>'}
</section>
<section class="card" id="deadlocks">
  <h2>Deadlocks</h2>
  ${deadlockSection(view)}
</section>
<section class="card" id="trace">
  <h2>Trace</h2>
  <p class="hint">Every event in order, narrated. Filter by node (an event concerns its node, client, sender and receiver) or resource.</p>
  <div class="controls">
    <label>node <select id="f-node"><option value="">all</option></select></label>
    <label>resource <select id="f-res"><option value="">all</option></select></label>
    <label><input id="f-story" type="checkbox"> hide messages and timers</label>
    <label>search <input id="f-text" type="search" placeholder="text or type"></label>
  </div>
  <div class="pager">
    <button id="pg-first" type="button">« first</button><button id="pg-prev" type="button">‹ prev</button>
    <button id="pg-next" type="button">next ›</button><button id="pg-last" type="button">last »</button>
    <label class="count">go to seq <input id="pg-seq" type="number" min="0" style="width:7em"></label>
    <span id="page-info" class="count"></span>
  </div>
  <table class="trace"><thead><tr><th class="num">seq</th><th class="num">true time</th><th>node</th><th>type</th><th>what happened</th></tr></thead><tbody id="trace-body"></tbody></table>
</section>
<footer>lockstep run report · ${h(scenario.name)} · seed ${h(String(input.seed))} · ${result.stats.events} events · trace ${h(result.traceHash)}</footer>
</main>
<div class="tip" id="tip"></div>`;

  return page(`${scenario.title} · ${scenario.name} seed ${input.seed} · lockstep`, body, payload, clientScript('run.js'));
}

// ----------------------------------------------------------------------------------------------
// Suite page.

/** The suite page: every scenario of a sweep with its verdict and finds, and a chart of finds per invariant. */
export function renderSuiteReport(input: SuiteReportInput): string {
  const expected = INVARIANT_NAMES.map(() => 0);
  const unexpected = INVARIANT_NAMES.map(() => 0);
  let finds = 0;
  let seeds = 0;
  let wallMs = 0;
  let met = 0;
  for (const row of input.scenarios) {
    seeds += row.scenario.seedsRun;
    wallMs += row.wallMs;
    if (row.scenario.met) met += 1;
    const expect = row.scenario.expect;
    for (const failure of row.scenario.failures) {
      finds += 1;
      const index = INVARIANT_NAMES.indexOf(failure.invariant);
      if (index < 0) continue;
      if (expect !== 'pass' && expect.violation === failure.invariant) expected[index] = (expected[index] ?? 0) + 1;
      else unexpected[index] = (unexpected[index] ?? 0) + 1;
    }
  }
  const unmet = input.scenarios.length - met;

  const rows = input.scenarios
    .map((row) => {
      const s = row.scenario;
      const expectText = s.expect === 'pass' ? 'pass' : `violation: ${s.expect.violation}`;
      const findItem = (failure: (typeof s.failures)[number]): string => {
        const href = row.reportLinks[String(failure.seed)];
        const what = `${failure.invariant} @ ${formatMs(failure.atMs)}`;
        const seedText = href !== undefined ? `<a href="${safeRelativeHref(href)}">seed ${failure.seed}</a>` : `seed ${failure.seed}`;
        return `<li>${seedText} · ${h(what)}<br><code>${h(failure.replay)}</code></li>`;
      };
      let findsCell = '<span class="empty">—</span>';
      if (s.failures.length > 0) {
        const shown = s.failures.slice(0, FINDS_SHOWN).map(findItem).join('');
        const rest = s.failures.slice(FINDS_SHOWN);
        findsCell = `<ul class="finds">${shown}</ul>`;
        if (rest.length > 0) findsCell += `<details><summary>${rest.length} more</summary><ul class="finds">${rest.map(findItem).join('')}</ul></details>`;
      }
      const verdict = s.met ? '<span class="verdict-met">✓ met</span>' : '<span class="verdict-unmet">✗ not met</span>';
      return `<tr>
  <td><strong>${h(s.scenario)}</strong><span class="title">${h(row.title)}</span><span class="title mono">${h(s.file)}</span></td>
  <td>${h(row.protocol)}</td>
  <td>${h(expectText)}</td>
  <td class="num">${s.seedsRun}</td>
  <td>${verdict}</td>
  <td class="num" style="text-align:left">${s.failures.length > 0 ? `<strong>${s.failures.length}</strong>` : ''}${findsCell}</td>
  <td class="num">${h(formatMs(row.wallMs))}</td>
</tr>`;
    })
    .join('\n');

  const body = `
<header class="top"><div class="wrap">
  <div class="brand">lockstep · suite</div>
  <h1>Scenario suite</h1>
  <div class="meta">
    ${chip('scenarios', String(input.scenarios.length))}
    ${chip('met', String(met), 'good')}
    ${chip('not met', String(unmet), unmet > 0 ? 'bad' : '')}
    ${chip('seeds run', String(seeds))}
    ${chip('finds', String(finds))}
    ${chip('time', h(formatMs(wallMs)))}
  </div>
  <div class="replay"><span class="label">Command</span><code>${h(input.generatedBy)}</code></div>
</div></header>
<main class="wrap">
<section class="card" id="finds">
  <h2>Finds per invariant</h2>
  <p class="hint">Failing seeds across the suite, by the invariant they violated. Blue finds are lessons working as intended (a broken scenario failing as it should); orange ones are violations no scenario asked for.</p>
  <div class="chart" style="height:${INVARIANT_NAMES.length * 30 + 80}px"><canvas id="chart-finds" role="img" aria-label="finds per invariant"></canvas></div>
</section>
<section class="card" id="scenarios">
  <h2>Scenarios</h2>
  <table class="suite"><thead><tr><th>scenario</th><th>protocol</th><th>expectation</th><th class="num">seeds</th><th>verdict</th><th>finds</th><th class="num">time</th></tr></thead>
  <tbody>
${rows}
  </tbody></table>
</section>
<footer>lockstep suite report · ${input.scenarios.length} scenarios · ${seeds} seeds</footer>
</main>`;

  return page('lockstep · scenario suite', body, { invariants: INVARIANT_NAMES, expected, unexpected }, clientScript('suite.js'));
}
