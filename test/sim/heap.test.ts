import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHeap, EventKind, SimEvent, TimedScheduler } from '../../src/sim/index.js';

describe('EventHeap / TimedScheduler', () => {
  it('pops in (timeUs, seq) order under any interleaving of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(-1)), { maxLength: 300 }), (ops) => {
        const sched = new TimedScheduler();
        const model: SimEvent[] = [];
        let seq = 0;
        const popped: SimEvent[] = [];
        const expected: SimEvent[] = [];
        const byOrder = (x: SimEvent, y: SimEvent) => x.timeUs - y.timeUs || x.seq - y.seq;
        for (const op of ops) {
          if (op >= 0) {
            const ev = new SimEvent(op, EventKind.Timer, 0, -1, null, null);
            ev.seq = seq++;
            sched.push(ev);
            model.push(ev);
          } else {
            model.sort(byOrder);
            const want = model.shift();
            const got = sched.pop();
            expect(got).toBe(want);
            if (got !== undefined) popped.push(got);
            if (want !== undefined) expected.push(want);
          }
          expect(sched.size).toBe(model.length);
          model.sort(byOrder);
          expect(sched.peekTimeUs()).toBe(model[0]?.timeUs ?? Infinity);
        }
        expect(popped).toEqual(expected);
      }),
    );
  });

  it('replaceTop is pop-then-push, also when the new event is the popped one re-keyed', () => {
    // op >= 0: push at that time; -1: pop; -2: replace the top by a new event; -3: re-key the top and put it back.
    const op = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom(-1, -2, -3));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 0, max: 50 }), (ops, later) => {
        const sched = new TimedScheduler();
        const model: SimEvent[] = [];
        const byOrder = (x: SimEvent, y: SimEvent) => x.timeUs - y.timeUs || x.seq - y.seq;
        let seq = 0;
        const fresh = (t: number) => {
          const ev = new SimEvent(t, EventKind.Timer, 0, -1, null, null);
          ev.seq = seq++;
          return ev;
        };
        for (const o of ops) {
          model.sort(byOrder);
          if (o >= 0) {
            const ev = fresh(o);
            sched.push(ev);
            model.push(ev);
          } else if (o === -1) {
            expect(sched.pop()).toBe(model.shift());
          } else if (model.length > 0) {
            const top = sched.peek()!;
            expect(top).toBe(model[0]);
            let ev: SimEvent;
            if (o === -2) {
              ev = fresh(top.timeUs + later);
            } else {
              ev = top;
              ev.timeUs += later;
              ev.seq = seq++;
            }
            sched.replaceTop(ev);
            model[0] = ev;
          }
          expect(sched.size).toBe(model.length);
          model.sort(byOrder);
          expect(sched.peek()).toBe(model[0]);
        }
        const drained: SimEvent[] = [];
        for (let ev = sched.pop(); ev !== undefined; ev = sched.pop()) drained.push(ev);
        expect(drained).toEqual(model.sort(byOrder));
      }),
    );
  });

  it('replaceTop refuses an empty heap', () => {
    const ev = new SimEvent(0, EventKind.Timer, 0, -1, null, null);
    expect(() => new EventHeap().replaceTop(ev)).toThrow(/empty heap/);
  });

  it('keeps equal-time events in creation order', () => {
    const heap = new EventHeap();
    const evs = Array.from({ length: 100 }, (_, i) => {
      const ev = new SimEvent(5, EventKind.Deliver, i, -1, null, null);
      ev.seq = i;
      return ev;
    });
    for (const ev of [...evs].reverse()) heap.push(ev);
    const out: number[] = [];
    for (let ev = heap.pop(); ev !== undefined; ev = heap.pop()) out.push(ev.seq);
    expect(out).toEqual(evs.map((e) => e.seq));
  });
});
