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
