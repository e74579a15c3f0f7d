/**
 * The run report: one self-contained HTML page for one (scenario, seed), opened from disk with
 * no network: chart.js is inlined, the data sits in a `<script type="application/json">` block
 * (run-payload.ts), a Content-Security-Policy forbids every fetch, and there is no URL in it at
 * all (page.ts). Every user string goes through escape.ts. Rendering is a pure function of its
 * input (no clock, no randomness), so the same run gives the same page. The suite page is
 * suite-page.ts.
 */

import { clientScript } from './client-script.js';
import { deadlockSection } from './deadlock-svg.js';
import { deriveRunView, type RunView } from './derive.js';
import { renderMarkdown } from './escape.js';
import type { ScenarioFault } from '../scenario/index.js';
import type { RunReportInput } from './model.js';
import { formatMs } from '../sim/index.js';
import { chip, h, page, seqLink } from './page.js';
import { TIMELINE_MIN_BAR_PX, buildRunPayload, type RunPayloadParts } from './run-payload.js';
import { MARK_COLORS, MODE_COLORS } from './style.js';

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

/** The run report: one self-contained HTML page for one (scenario, seed). */
export function renderRunReport(input: RunReportInput): string {
  const { scenario } = input;
  const view = deriveRunView(input.events, input.result, input.clocks);
  const parts = buildRunPayload(input, view);
  const body = [
    '',
    headerHtml(input),
    tocHtml(input),
    '<main class="wrap">',
    summaryHtml(input, view, parts.violationSeqs),
    lessonHtml(input),
    timelineHtml(input, view, parts),
    storageHtml(view),
    clocksHtml(view),
    spaceTimeHtml(view),
    deadlocksHtml(view),
    traceHtml(view),
    footerHtml(input),
    '</main>',
    '<div class="tip" id="tip"></div>',
  ].join('\n');
  return page(`${scenario.title} · ${scenario.name} seed ${input.seed} · lockstep`, body, parts.payload, clientScript('run'));
}

/** Title, scenario, protocol, seed, verdict, and the command that replays the run. */
function headerHtml(input: RunReportInput): string {
  const { scenario, result } = input;
  const verdict =
    result.violations.length > 0
      ? chip('verdict', h(`✗ violated: ${[...new Set(result.violations.map((v) => v.invariant))].join(', ')}`), 'bad')
      : chip('verdict', '✓ no violation', 'good');
  const expectation = result.expectMet ? chip('expectation', '✓ met', 'good') : chip('expectation', '✗ not met', 'bad');
  return `<header class="top"><div class="wrap">
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
</div></header>`;
}

function tocHtml(input: RunReportInput): string {
  const { scenario } = input;
  return `<nav class="toc"><div class="wrap">
  <a href="#summary">Summary</a>${scenario.lesson.trim() !== '' ? '<a href="#lesson">Lesson</a>' : ''}<a href="#timeline">Lock timeline</a><a href="#storage">Storage</a><a href="#clocks">Clocks</a><a href="#spacetime">Messages</a><a href="#deadlocks">Deadlocks</a><a href="#trace">Trace</a>
</div></nav>`;
}

/** Violations, observations, deadlocks and faults at a glance, with the run's figures. */
function summaryHtml(input: RunReportInput, view: RunView, violationSeqs: readonly (number | undefined)[]): string {
  const { scenario, result } = input;
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
          .map((d, i) => `<li><a href="#deadlock-${i + 1}">${h(`at ${formatMs(d.atMs)}: ${d.edges.map((e) => e.node).join(' → ')}; ${d.victim !== undefined ? `victim ${d.victim}` : 'unresolved'}`)}</a></li>`)
          .join('')}</ul>`;
  const faultItems =
    result.faults.length === 0 ? '<p class="empty">none</p>' : `<ul>${result.faults.map((f) => `<li>${h(describeFault(f))}</li>`).join('')}</ul>`;
  return `<section class="card" id="summary">
  <div class="grid">
    <div class="stat"><div class="k">Violations</div>${violationItems}</div>
    <div class="stat"><div class="k">Observations</div>${observationItems}</div>
    <div class="stat"><div class="k">Deadlocks</div>${deadlockItems}</div>
    <div class="stat"><div class="k">Faults applied</div>${faultItems}</div>
    <div class="stat"><div class="k">Run</div><dl class="kv">
      <dt title="events the simulator ran (the replay result's stats.events)">simulation steps</dt><dd>${result.stats.events}</dd>
      <dt title="rows of the trace below">trace events</dt><dd>${input.events.length} (${storyCount(view)} in the story)</dd>
      <dt>messages</dt><dd>${result.stats.messages}</dd>
      <dt>simulated</dt><dd>${h(formatMs(result.stats.simMs))}</dd>
      <dt>trace hash</dt><dd class="mono">${h(result.traceHash)}</dd>
      ${scenario.file !== undefined ? `<dt>file</dt><dd class="mono">${h(scenario.file)}</dd>` : ''}
    </dl></div>
  </div>
</section>`;
}

function lessonHtml(input: RunReportInput): string {
  const { scenario } = input;
  return `${scenario.lesson.trim() !== '' ? `<section class="card lesson" id="lesson"><h2>Lesson</h2>${renderMarkdown(scenario.lesson)}</section>` : ''}`;
}

/** The lock timeline's legend and canvas, sized to its rows, and notes on what it leaves out. */
function timelineHtml(input: RunReportInput, view: RunView, parts: RunPayloadParts): string {
  const { result } = input;
  const { timelineRows, timelineSlots, clientSpanCount } = parts;
  const labelLines = Math.min(3, result.violations.length + result.observations.length);
  const rows = parts.payload.timeline.byResource ? new Set(parts.payload.timeline.rowResource).size : timelineRows;
  const timelineHeight = Math.max(170, rows * (timelineSlots * 17 + 16) + 64 + labelLines * 21);
  const notes: string[] = [];
  if (view.barsOmitted > 0) notes.push(`<p class="note">${view.barsOmitted} later bars are not drawn (the timeline keeps the first ${view.grants.length} of each kind); the trace below has every event.</p>`);
  if (view.unmatchedMessages > 0) notes.push(`<p class="note">${view.unmatchedMessages} deliveries matched no send (the trace began mid-flight).</p>`);
  return `<section class="card" id="timeline">
  <h2>Lock timeline</h2>
  <p class="hint">One row per client and resource (or, with many clients, one per resource, each bar naming its client). The solid bar is what the lock service granted (with its fencing token); the hatched bar beside it is what the client believed it held. Where the hatched bar outlasts the solid one, the client acts on a lock it no longer has. Every bar is drawn at least ${TIMELINE_MIN_BAR_PX} px wide, however short. Zoom with the buttons or Ctrl+wheel, drag sideways to pan; click a bar to open its event in the trace.</p>
  ${timelineRows > 0 ? `${modeLegend(view, result, clientSpanCount)}${TIMELINE_CONTROLS}<div class="chart" style="height:${timelineHeight}px"><canvas id="chart-timeline" role="img" aria-label="lock timeline"></canvas></div>` : '<p class="empty">No lock was granted in this run.</p>'}
  ${notes.join('')}
</section>`;
}

const TIMELINE_CONTROLS = `<div class="controls">
    <button id="tl-out" type="button" title="zoom out">− zoom out</button>
    <button id="tl-in" type="button" title="zoom in">+ zoom in</button>
    <button id="tl-left" type="button" title="earlier">‹ earlier</button>
    <button id="tl-right" type="button" title="later">later ›</button>
    <button id="tl-fit" type="button">lock activity</button>
    <button id="tl-all" type="button">whole run</button>
    <label><input id="tl-group" type="checkbox"> one row per resource</label>
    <span id="tl-zoom-label" class="hint"></span>
  </div>`;

function storageHtml(view: RunView): string {
  return `<section class="card" id="storage">
  <h2>Storage</h2>
  <p class="hint">Every write the storage accepted or rejected, at its true time, by fencing token. A write whose token is below one already accepted on the same resource is what fencing must reject; each resource has its own dashed line of the highest token accepted on it (tokens of different resources are unrelated). Click a point to open it in the trace.</p>
  ${view.storage.length > 0 ? '<div class="chart" style="height:280px"><canvas id="chart-storage" role="img" aria-label="storage writes"></canvas></div>' : '<p class="empty">No writes reached the storage in this run.</p>'}
</section>`;
}

function clocksHtml(view: RunView): string {
  return `<section class="card" id="clocks">
  <h2>Clocks</h2>
  <p class="hint">Each node's wall clock minus true time. A constant offset is skew, a slope is drift, a vertical step is a jump. Leases measured on these clocks stretch and shrink with them.</p>
  ${clocksBody(view)}
</section>`;
}

/** The chart, or a sentence where a chart would only draw one flat line hiding all the others. */
function clocksBody(view: RunView): string {
  if (view.clocks.length === 0) return '<p class="empty">No event in this trace carries a local clock reading.</p>';
  if (view.jumps.length === 0 && view.clocks.every((line) => line.offsetMs.every((offsetMs) => offsetMs === 0))) {
    return `<p class="empty">Every node's wall clock kept true time for the whole run (no skew, drift or jump on ${view.clocks.length === 1 ? 'its one node' : `any of its ${view.clocks.length} nodes`}), so there is no line to draw.</p>`;
  }
  return '<div class="chart" style="height:300px"><canvas id="chart-clocks" role="img" aria-label="clock offsets"></canvas></div>';
}

/** The space-time diagram's controls and canvas (the browser script draws it). */
function spaceTimeHtml(view: RunView): string {
  return `<section class="card" id="spacetime">
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
</section>`;
}

function deadlocksHtml(view: RunView): string {
  return `<section class="card" id="deadlocks">
  <h2>Deadlocks</h2>
  ${deadlockSection(view)}
</section>`;
}

/** The trace table's filters and pager; the browser script fills its rows from the data block. It opens on the story. */
function traceHtml(view: RunView): string {
  const story = storyCount(view);
  const routine = view.rows.length - story;
  return `<section class="card" id="trace">
  <h2>Trace</h2>
  <p class="hint">The run's ${view.rows.length} trace events in order, narrated. It opens on the story: the ${story} lock, storage, fault and verdict events; tick the box to add the ${routine} messages and timers between them. Filter by node (an event concerns its node, client, sender and receiver) or resource.</p>
  <div class="controls">
    <label>node <select id="f-node"><option value="">all</option></select></label>
    <label>resource <select id="f-res"><option value="">all</option></select></label>
    <label><input id="f-all" type="checkbox"> show the ${routine} messages and timers too</label>
    <label>search <input id="f-text" type="search" placeholder="text or type"></label>
  </div>
  <div class="pager">
    <button id="pg-first" type="button">« first</button><button id="pg-prev" type="button">‹ prev</button>
    <button id="pg-next" type="button">next ›</button><button id="pg-last" type="button">last »</button>
    <label class="count">go to seq <input id="pg-seq" type="number" min="0" style="width:7em"></label>
    <span id="page-info" class="count"></span>
  </div>
  <table class="trace"><thead><tr><th class="num">seq</th><th class="num">true time</th><th>node</th><th>type</th><th>what happened</th></tr></thead><tbody id="trace-body"></tbody></table>
</section>`;
}

function footerHtml(input: RunReportInput): string {
  const { scenario, result } = input;
  return `<footer>lockstep run report · ${h(scenario.name)} · seed ${h(String(input.seed))} · ${result.stats.events} simulation steps · ${input.events.length} trace events · trace ${h(result.traceHash)}</footer>`;
}

/** The trace rows of the story: lock, storage, fault and verdict events (not messages or timers). */
function storyCount(view: RunView): number {
  return view.rows.filter((row) => row.significant).length;
}
