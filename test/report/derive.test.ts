import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveClocks } from '../../src/report/derive-clocks.js';
import { deriveDeadlocks } from '../../src/report/derive-deadlocks.js';
import { deriveFaultSpans } from '../../src/report/derive-faults.js';
import { naturalCompare, orderNodes } from '../../src/report/derive-lanes.js';
import { deriveBeliefBars, deriveGrantBars, deriveQueueBars } from '../../src/report/derive-locks.js';
import { deriveMessages } from '../../src/report/derive-messages.js';
import { deriveStorageOps } from '../../src/report/derive-storage.js';
import { deriveTraceRows } from '../../src/report/derive-trace.js';
import { deriveRunView, ReportBoundError } from '../../src/report/derive.js';
import { narrate } from '../../src/report/narrate.js';
import type { TraceEvent } from '../../src/sim/types.js';
import { deadlockInput, gcPauseInput, TraceBuilder } from './fixtures.js';

describe('derive on the GC-pause lesson', () => {
  const input = gcPauseInput();
  const view = deriveRunView(input.events, input.result);

  it('orders lanes managers, clients, storage and leaves the checker out', () => {
    expect(view.nodes).toEqual(['m1', 'm2', 'm3', 'c1', 'c2', 'storage']);
    expect(view.resources).toEqual(['file']);
    expect(view.endMs).toBe(16000);
  });

  it('shows what the service granted: c1 until its lease expired, c2 until it unlocked', () => {
    expect(view.grants).toEqual([
      { resource: 'file', client: 'c1', mode: 'EX', token: 33, fromMs: 1.2, toMs: 10001.2, end: 'expire', seq: 3, endSeq: 19 },
      { resource: 'file', client: 'c2', mode: 'EX', token: 34, fromMs: 10095, toMs: 15304.5, end: 'release', seq: 31, endSeq: 71 },
    ]);
  });

  it('shows what the clients believed: c1 long past its expiry, until its unlock at 15302', () => {
    expect(view.beliefs).toEqual([
      { resource: 'file', client: 'c1', mode: 'EX', token: 33, fromMs: 2.6, toMs: 15302, end: 'unlock', seq: 6, endSeq: 66 },
      { resource: 'file', client: 'c2', mode: 'EX', token: 34, fromMs: 10100, toMs: 15300, end: 'unlock', seq: 36, endSeq: 61 },
    ]);
    expect(view.queued).toEqual([]);
  });

  it('lists storage writes with tokens and flags the stale one', () => {
    expect(view.storage).toEqual([
      { tMs: 10300, seq: 44, client: 'c2', resource: 'file', accepted: true, token: 34, value: 'v1', violating: false },
      { tMs: 15300, seq: 58, client: 'c1', resource: 'file', accepted: true, token: 33, value: 'v0+Δ1', violating: true },
    ]);
  });

  it('matches every send to its delivery', () => {
    const sends = input.events.filter((e) => e.type === 'send').length;
    expect(view.messages).toHaveLength(sends);
    expect(view.unmatchedMessages).toBe(0);
    expect(view.messages.every((m) => m.fate === 'delivered' && !m.duplicate)).toBe(true);
    expect(view.messages[0]).toEqual({
      from: 'c1',
      to: 'm1',
      msg: 'lock',
      sendMs: 0,
      sendSeq: 1,
      fate: 'delivered',
      endMs: 1.2,
      endSeq: 2,
      duplicate: false,
    });
  });

  it('has the pause as one closed interval', () => {
    expect(view.spans).toEqual([{ kind: 'pause', nodes: ['c1'], fromMs: 200, toMs: 15200, open: false, seq: 12, endSeq: 55 }]);
  });

  it('computes each node clock error from local − true time', () => {
    const c1 = view.clocks.find((s) => s.node === 'c1');
    expect(c1?.offsetMs[0]).toBe(12);
    // 12 ms skew plus 180 ppm of drift over 15.3046 s.
    expect(c1?.offsetMs[c1.offsetMs.length - 1]).toBe(14.755);
    expect(view.clocks.map((s) => s.node).sort()).toEqual(['c1', 'c2', 'm1', 'm2', 'm3', 'storage']);
    expect(view.jumps).toEqual([]);
  });

  it('narrates the story', () => {
    const story = view.rows.filter((r) => r.significant).map((r) => `${r.seq} ${r.text}`);
    expect(story).toContain('3 m1 grants c1 EX on file, token 33');
    expect(story).toContain("19 m1: c1's lease on file expires; the service no longer counts it as held");
    expect(story).toContain('12 c1 stops (process pause for 15 s)');
    expect(story).toContain('58 storage accepts c1\'s write to file, token 33: "v0+Δ1"');
    expect(story.find((line) => line.startsWith('59 '))).toMatch(/^59 VIOLATION stale-write: storage accepted/);
    const send = view.rows.find((r) => r.seq === 1);
    expect(send).toMatchObject({ type: 'send', significant: false, text: 'c1 → m1 lock', involved: ['c1', 'm1'] });
  });
});

describe('derive on the AB–BA deadlock', () => {
  const input = deadlockInput();
  const view = deriveRunView(input.events, input.result);

  it('finds the events that built each wait-for edge', () => {
    expect(view.deadlocks).toHaveLength(1);
    const [deadlock] = view.deadlocks;
    expect(deadlock).toMatchObject({ atMs: 1056, victim: 'c2', detector: 'm1', seq: 36 });
    expect(deadlock?.edges.map((e) => [e.node, e.resource, e.waitsFor, e.waitEvent?.seq, e.waitEvent?.type, e.holdEvent?.seq, e.holdEvent?.type])).toEqual([
      ['c1', 'b', 'c2', 23, 'enqueue', 8, 'grant'],
      ['c2', 'a', 'c1', 26, 'enqueue', 5, 'grant'],
    ]);
    expect(deadlock?.edges[0]?.waitEvent?.text).toBe("m2 queues c1's EX request on b (waiting)");
  });

  it('shows the waits: c1 granted b after the victim let go, c2 refused', () => {
    expect(view.queued.map((q) => [q.client, q.resource, q.fromMs, q.toMs, q.end])).toEqual([
      ['c1', 'b', 53, 1059.6, 'granted'],
      ['c2', 'a', 53.5, 1056, 'dequeue'],
    ]);
  });

  it('falls back to the trace when the result lists no deadlock, and to the result when the trace has none', () => {
    const fromTrace = deriveDeadlocks(input.events, []);
    expect(fromTrace.map((d) => [d.victim, d.seq, d.edges.length])).toEqual([['c2', 36, 2]]);
    const withoutEvent = deriveDeadlocks(
      input.events.filter((e) => e.type !== 'deadlock'),
      input.result.deadlocks,
    );
    expect(withoutEvent[0]?.seq).toBeUndefined();
    expect(withoutEvent[0]?.edges[1]?.waitEvent?.seq).toBe(26);
  });
});

describe('derive edge cases', () => {
  it('splits a belief on conversion and ends it on crash and on lapse', () => {
    const b = new TraceBuilder();
    b.at(1, 'c1', 'complete', { client: 'c1', resource: 'r', status: 'GRANTED', mode: 'PR' });
    b.at(2, 'c1', 'complete', { client: 'c1', resource: 'r', status: 'GRANTED', mode: 'EX', token: 5 });
    b.at(3, 'c1', 'complete', { client: 'c1', resource: 'r', status: 'DEADLOCK', mode: 'EX' });
    b.at(4, 'c1', 'crash', {});
    b.at(5, 'c2', 'complete', { client: 'c2', resource: 'r', status: 'GRANTED', mode: 'EX', token: 6 });
    b.at(6, 'c2', 'lapse', { client: 'c2', resource: 'r' });
    b.at(7, 'c3', 'complete', { client: 'c3', resource: 'r', status: 'NOTQUEUED' });
    b.at(8, 'c3', 'complete', { client: 'c3', resource: 'r', status: 'GRANTED', mode: 'CR' });
    const bars = deriveBeliefBars(b.build(), 10);
    expect(bars.map((x) => [x.client, x.mode, x.token, x.fromMs, x.toMs, x.end])).toEqual([
      ['c1', 'PR', undefined, 1, 2, 'converted'],
      ['c1', 'EX', 5, 2, 4, 'crash'],
      ['c2', 'EX', 6, 5, 6, 'lapse'],
      ['c3', 'CR', undefined, 8, 10, 'open'],
    ]);
  });

  it('ends a grant on a second grant (conversion) and leaves an unended one open', () => {
    const b = new TraceBuilder();
    b.at(1, 'm1', 'grant', { client: 'c1', resource: 'r', mode: 'PR' });
    b.at(2, 'm1', 'grant', { client: 'c1', resource: 'r', mode: 'EX', token: 9 });
    b.at(3, 'm1', 'grant', { client: 'c2', resource: 's', mode: 'EX', token: 1 });
    const bars = deriveGrantBars(b.build(), 50);
    expect(bars.map((x) => [x.client, x.mode, x.fromMs, x.toMs, x.end])).toEqual([
      ['c1', 'PR', 1, 2, 'converted'],
      ['c1', 'EX', 2, 50, 'open'],
      ['c2', 'EX', 3, 50, 'open'],
    ]);
  });

  it('ends a wait on dequeue or on a release of the queued lock', () => {
    const b = new TraceBuilder();
    b.at(1, 'm1', 'enqueue', { client: 'c1', resource: 'r', mode: 'EX', queue: 'waiting' });
    b.at(2, 'm1', 'enqueue', { client: 'c1', resource: 'r', mode: 'EX', queue: 'waiting' });
    b.at(3, 'm1', 'release', { client: 'c1', resource: 'r', reason: 'purge' });
    b.at(4, 'm1', 'enqueue', { client: 'c2', resource: 'r', mode: 'PW', queue: 'converting' });
    const bars = deriveQueueBars(b.build(), 9);
    expect(bars.map((x) => [x.client, x.fromMs, x.toMs, x.end])).toEqual([
      ['c1', 1, 3, 'release'],
      ['c2', 4, 9, 'open'],
    ]);
  });

  it('marks rejected writes with the highest token and flags fencing violations', () => {
    const b = new TraceBuilder();
    b.at(1, 'storage', 'reject', { client: 'c1', resource: 'r', value: 'x', token: 3, highest: 4 });
    b.at(2, 'storage', 'write', { client: 'c2', resource: 'r', value: 'y' });
    const ops = deriveStorageOps(b.build(), {
      violations: [{ invariant: 'fencing', atMs: 2, message: 'm', resource: 'r', nodes: ['c2'] }],
    });
    expect(ops).toEqual([
      { tMs: 1, seq: 0, client: 'c1', resource: 'r', accepted: false, token: 3, highest: 4, value: 'x', violating: false },
      { tMs: 2, seq: 1, client: 'c2', resource: 'r', accepted: true, value: 'y', violating: true },
    ]);
  });

  it('pairs messages FIFO per (from, to, msg), with drops, duplicates, in-flight and ids', () => {
    const b = new TraceBuilder();
    b.at(0, 'a', 'send', { from: 'a', to: 'b', msg: 'x' });
    b.at(1, 'a', 'send', { from: 'a', to: 'b', msg: 'x' });
    b.at(2, 'a', 'send', { from: 'a', to: 'b', msg: 'y' });
    b.at(3, 'b', 'deliver', { from: 'a', to: 'b', msg: 'y' });
    b.at(4, 'b', 'drop', { from: 'a', to: 'b', msg: 'x', reason: 'partition' });
    b.at(5, 'b', 'deliver', { from: 'a', to: 'b', msg: 'x' });
    b.at(6, 'b', 'deliver', { from: 'a', to: 'b', msg: 'x' });
    b.at(7, 'a', 'send', { from: 'a', to: 'c', msg: 'z' });
    b.at(8, 'c', 'drop', { from: 'c', to: 'd', msg: 'w', reason: 'loss' });
    b.at(9, 'd', 'deliver', { from: 'q', to: 'd', msg: 'orphan' });
    const { messages, unmatched } = deriveMessages(b.build());
    expect(messages.map((m) => [m.from, m.to, m.msg, m.sendMs, m.fate, m.endMs, m.duplicate])).toEqual([
      ['a', 'b', 'x', 0, 'dropped', 4, false],
      ['a', 'b', 'x', 1, 'delivered', 5, false],
      ['a', 'b', 'y', 2, 'delivered', 3, false],
      ['a', 'b', 'x', 1, 'delivered', 6, true],
      ['a', 'c', 'z', 7, 'in-flight', undefined, false],
      ['c', 'd', 'w', 8, 'dropped', 8, false],
    ]);
    expect(unmatched).toBe(1);

    const ids = new TraceBuilder();
    ids.at(0, 'a', 'send', { from: 'a', to: 'b', msg: 'x', id: 1 });
    ids.at(1, 'a', 'send', { from: 'a', to: 'b', msg: 'x', id: 2 });
    ids.at(2, 'b', 'deliver', { from: 'a', to: 'b', msg: 'x', id: 2 });
    ids.at(3, 'b', 'deliver', { from: 'a', to: 'b', msg: 'x', id: 1 });
    const byId = deriveMessages(ids.build()).messages;
    expect(byId.map((m) => [m.sendMs, m.endMs])).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('every delivery pairs with an earlier send on its key (property)', () => {
    const op = fc.record({ link: fc.constantFrom('a>b', 'b>a', 'a>c'), deliver: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const b = new TraceBuilder();
        const inFlight = new Map<string, number>();
        let sends = 0;
        let delivers = 0;
        ops.forEach((o, i) => {
          const [from = '', to = ''] = o.link.split('>');
          const pending = inFlight.get(o.link) ?? 0;
          if (o.deliver && pending > 0) {
            b.at(i, to, 'deliver', { from, to, msg: 'm' });
            inFlight.set(o.link, pending - 1);
            delivers += 1;
          } else {
            b.at(i, from, 'send', { from, to, msg: 'm' });
            inFlight.set(o.link, pending + 1);
            sends += 1;
          }
        });
        const { messages, unmatched } = deriveMessages(b.build());
        expect(unmatched).toBe(0);
        expect(messages).toHaveLength(sends);
        const delivered = messages.filter((m) => m.fate === 'delivered');
        expect(delivered).toHaveLength(delivers);
        for (const m of delivered) expect(m.endMs ?? -1).toBeGreaterThan(m.sendMs);
        // FIFO: per link, delivered messages arrive in send order.
        for (const link of ['a>b', 'b>a', 'a>c']) {
          const [from, to] = link.split('>');
          const onLink = delivered.filter((m) => m.from === from && m.to === to);
          const ends = onLink.map((m) => m.endMs ?? 0);
          expect(ends).toEqual([...ends].sort((x, y) => x - y));
        }
      }),
    );
  });

  it('turns network faults into intervals: partitions healed by groups, delay and drop windows, open crashes', () => {
    const g1 = [['m1'], ['m2', 'c1']];
    const g2 = [['m3'], ['c2']];
    const b = new TraceBuilder();
    b.raw(1, 'net', 'partition', { groups: g1 });
    b.raw(2, 'net', 'partition', { groups: g2, oneWay: true });
    b.raw(3, 'net', 'heal', { groups: g2, oneWay: true });
    b.raw(4, 'net', 'delay', { from: 'm1', to: 'c1', extraMs: 800, forMs: 100 });
    b.raw(104, 'net', 'delay-end', { from: 'm1', to: 'c1', extraMs: 800 });
    b.raw(5, 'net', 'drop-window', { from: 'c1', to: 'm1', forMs: 10 });
    b.at(6, 'm2', 'crash', {});
    b.at(7, 'c2', 'pause', { forMs: 3 });
    const spans = deriveFaultSpans(b.build(), 200);
    expect(spans.map((s) => [s.kind, s.nodes, s.fromMs, s.toMs, s.open])).toEqual([
      ['partition', ['m1', 'm2', 'c1'], 1, 200, true],
      ['partition', ['m3', 'c2'], 2, 3, false],
      ['delay', ['m1'], 4, 104, false],
      ['drop-window', ['c1'], 5, 15, false],
      ['crash', ['m2'], 6, 200, true],
      ['pause', ['c2'], 7, 10, false],
    ]);
    expect(spans[1]?.oneWay).toBe(true);
    expect(spans[2]?.extraMs).toBe(800);
    expect(orderNodes(b.build())).toEqual(['m1', 'm2', 'm3', 'c1', 'c2']);
  });

  it('sees clock jumps in the offsets and lists them', () => {
    const b = new TraceBuilder().clock('m2', 1, 0, [{ atMs: 10, byMs: 500 }]);
    b.at(5, 'm2', 'timer', {});
    b.at(10, 'm2', 'clock-jump', { byMs: 500, clock: 'wall' });
    b.at(12, 'm2', 'timer', {});
    const { series, jumps } = deriveClocks(b.build());
    expect(series).toEqual([{ node: 'm2', tMs: [5, 10, 12], offsetMs: [1, 501, 501], seq: [0, 1, 2] }]);
    expect(jumps).toEqual([{ node: 'm2', byMs: 500, seq: 1, tMs: 10 }]);
  });

  it("merges the harness's exact clock samples with the event samples, giving silent nodes a line", () => {
    const b = new TraceBuilder().clock('m2', 1, 0, [{ atMs: 10, byMs: 500 }]);
    b.at(5, 'm2', 'timer', {});
    b.at(10, 'm2', 'clock-jump', { byMs: 500, clock: 'wall' });
    b.at(12, 'm2', 'timer', {});
    const exact = [
      { node: 'm2', tUs: [0, 9_999, 10_000, 20_000], offsetUs: [1000, 1000, 501_000, 501_000] },
      { node: 'm5', tUs: [0, 20_000], offsetUs: [-250, -250] },
    ];
    const { series, jumps } = deriveClocks(b.build(), exact);
    expect(series).toEqual([
      { node: 'm2', tMs: [0, 5, 9.999, 10, 10, 12, 20], offsetMs: [1, 1, 1, 501, 501, 501, 501], seq: [-1, 0, -1, -1, 1, 2, -1] },
      { node: 'm5', tMs: [0, 20], offsetMs: [-0.25, -0.25], seq: [-1, -1] },
    ]);
    expect(jumps).toEqual([{ node: 'm2', byMs: 500, seq: 1, tMs: 10 }]);
  });

  it('sorts names naturally', () => {
    expect(['c10', 'c2', 'c1', 'b', 'c2a'].sort(naturalCompare)).toEqual(['b', 'c1', 'c2', 'c2a', 'c10']);
  });

  it('rejects a trace out of event order', () => {
    const events: TraceEvent[] = [
      { seq: 0, tUs: 5, node: 'a', type: 'x', fields: undefined },
      { seq: 1, tUs: 4, node: 'a', type: 'x', fields: undefined },
    ];
    const result = gcPauseInput().result;
    expect(() => deriveRunView(events, result)).toThrow(ReportBoundError);
  });

  it('narrates every kernel and lock event type without throwing, unknown ones by their fields', () => {
    const rows = deriveTraceRows([
      { seq: 0, tUs: 0, node: 'net', type: 'partition', fields: { groups: [['a'], ['b', 'c']], oneWay: true } },
      { seq: 1, tUs: 1, node: 'm3', type: 'clock-jump', fields: { byMs: -250, clock: 'wall', local: 3 } },
      { seq: 2, tUs: 2, node: 'x', type: 'mystery', fields: { a: 1, local: 2 } },
      { seq: 3, tUs: 3, node: 'c1', type: 'complete', fields: { client: 'c1', resource: 'r', status: 'GRANTED', mode: 'PR', flags: ['VALNOTVALID'], token: 2 } },
    ]);
    expect(rows.map((r) => r.text)).toEqual([
      'network partition (one-way): {a} | {b c}',
      "m3's wall clock jumps -250 ms",
      'x mystery {"a":1}',
      'c1 learns it holds PR on r, token 2 [VALNOTVALID]',
    ]);
    expect(narrate({ seq: 0, tUs: 0, node: 'm1', type: 'deadlock', fields: { victim: 'c2', cycle: [{ node: 'c1' }, { node: 'c2' }] } })).toBe(
      'm1 finds a deadlock: c1 → c2 → c1; victim c2',
    );
  });
});
