/**
 * The deadlock section of a run page: each wait-for cycle drawn as an inline SVG graph (nodes on
 * a circle, arrows waiter → holder, the victim marked) beside the events that built its edges.
 */

import type { DeadlockView, EdgeEvent } from './derive-deadlocks.js';
import type { RunView } from './derive.js';
import { formatMs } from '../sim/index.js';
import { h, seqLink } from './page.js';
import { MARK_COLORS, MODE_COLORS } from './style.js';

/** The deadlocks of a run, or a line saying there were none. */
export function deadlockSection(view: RunView): string {
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
        `<h3>${deadlock.unresolved === true ? `Unresolved deadlock ${index + 1}, reported at` : `Deadlock ${index + 1} at`} ${h(formatMs(deadlock.atMs))}${found}</h3>` +
        `<p>Cycle ${h(`${names.join(' → ')} → ${names[0] ?? ''}`)}. ${outcomeText(deadlock)}</p>` +
        `<p class="hint">The events that created each wait-for edge:</p><ol>${items}</ol></div></div>`
      );
    })
    .join('');
}


/** What became of the cycle: the victim the service chose, or nobody (an unresolved cycle). */
function outcomeText(deadlock: DeadlockView): string {
  if (deadlock.victim !== undefined) {
    return `Victim: <strong>${h(deadlock.victim)}</strong>, whose request is refused with DEADLOCK to break the cycle.`;
  }
  const formed = deadlock.formedAtMs !== undefined ? ` It formed at ${h(formatMs(deadlock.formedAtMs))};` : '';
  return `<strong>No victim: the lock service never broke this cycle.</strong>${formed} the <code>deadlock</code> checker reported it at ${h(formatMs(deadlock.atMs))}, and every client on it waits for ever.`;
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
    const victim = view.victim !== undefined && name === view.victim;
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
  const outcome = view.victim !== undefined ? `victim ${view.victim}` : 'unresolved: no victim';
  return [
    `<svg class="waitfor" viewBox="0 0 ${width} ${height}" role="img" aria-label="${h(`wait-for cycle ${cycleText}; ${outcome}`)}" font-family="system-ui, 'DejaVu Sans', sans-serif">`,
    `<title>${h(`wait-for cycle ${cycleText}; ${outcome}`)}</title>`,
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
