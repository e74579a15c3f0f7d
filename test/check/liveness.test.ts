import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCheckers } from '../../src/check/index.js';
import { formatUs } from '../../src/sim/index.js';
import type { StatusName } from '../../src/vocabulary/index.js';
import { Stream, check, ms } from './stream.js';

describe('liveness', () => {
  it('fires for a lost grant that is never answered, at the deadline', () => {
    const s = new Stream().request(1_000, 'c2', 'file', 'lock', 'EX');
    const { violations } = check(s, ['liveness'], { livenessMs: 30_000, healMs: 0, endMs: 60_000 });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'liveness', atUs: 31_000_000, resource: 'file', nodes: ['c2'] });
    expect(violations[0]!.message).toBe("c2's lock EX request on file (sent at 1000.0 ms) was still unanswered at 31000.0 ms, 30000.0 ms after it was sent");
  });

  it('reports online, as soon as an event passes the deadline, and once', () => {
    const set = createCheckers({ invariants: ['liveness'], livenessUs: ms(1_000), healUs: 0 });
    const s = new Stream().request(0, 'c1', 'file', 'lock', 'EX').grant(500, 'c9', 'x', 'NL').grant(1_500, 'c9', 'y', 'NL');
    set.onEvent(s.events[0]!);
    set.onEvent(s.events[1]!);
    expect(set.violations).toEqual([]);
    set.onEvent(s.events[2]!);
    expect(set.violations.map((v) => v.atUs)).toEqual([1_000_000]);
    set.finish(ms(5_000));
    expect(set.violations).toHaveLength(1);
  });

  it('counts from the heal time for requests sent during faults', () => {
    const s = new Stream().request(1_000, 'c2', 'file', 'lock', 'EX');
    expect(check(s, ['liveness'], { livenessMs: 30_000, healMs: 50_000, endMs: 70_000 }).violations).toEqual([]);
    const { violations } = check(s, ['liveness'], { livenessMs: 30_000, healMs: 50_000, endMs: 90_000 });
    expect(violations.map((v) => v.atUs)).toEqual([80_000_000]);
    expect(violations[0]!.message).toContain('30000.0 ms after the faults healed at 50000.0 ms');
  });

  it('is silent when every request is answered, including wait:false + cancel and CANCELGRANT', () => {
    const s = new Stream()
      .request(0, 'c1', 'a', 'lock', 'EX')
      .complete(5, 'c1', 'a', 'GRANTED', { mode: 'EX' })
      .request(10, 'c1', 'a', 'unlock')
      .complete(15, 'c1', 'a', 'UNLOCKED')
      .request(20, 'c2', 'b', 'lock', 'EX')
      .request(21, 'c2', 'b', 'cancel')
      .complete(25, 'c2', 'b', 'ABORTED')
      .request(30, 'c3', 'c', 'lock', 'PR')
      .request(31, 'c3', 'c', 'cancel')
      .complete(32, 'c3', 'c', 'GRANTED', { mode: 'PR' })
      .complete(33, 'c3', 'c', 'CANCELGRANT', { mode: 'PR' })
      .request(40, 'c3', 'c', 'convert', 'EX', ['NOQUEUE'])
      .request(41, 'c3', 'c', 'unlock')
      .complete(42, 'c3', 'c', 'BUSY', { mode: 'PR' })
      .complete(43, 'c3', 'c', 'NOTQUEUED', { mode: 'PR' });
    expect(check(s, ['liveness'], { livenessMs: 1_000, endMs: 100_000 }).violations).toEqual([]);
  });

  it('names the request left unanswered when a refusal answers the newest', () => {
    const s = new Stream()
      .request(0, 'c3', 'c', 'lock', 'PR')
      .request(1, 'c3', 'c', 'unlock')
      .complete(2, 'c3', 'c', 'BUSY');
    const { violations } = check(s, ['liveness'], { livenessMs: 1_000, endMs: 5_000 });
    expect(violations.map((v) => v.message)).toEqual(["c3's lock PR request on c (sent at 0.0 ms) was still unanswered at 1000.0 ms, 1000.0 ms after it was sent"]);
  });

  it('still fires for an answer that comes after the deadline', () => {
    const s = new Stream().request(0, 'c1', 'a', 'lock', 'EX').complete(2_000, 'c1', 'a', 'GRANTED', { mode: 'EX' });
    expect(check(s, ['liveness'], { livenessMs: 1_000, endMs: 5_000 }).violations.map((v) => v.atUs)).toEqual([1_000_000]);
  });

  it("drops a crashed client's pending requests", () => {
    const s = new Stream().request(0, 'c1', 'a', 'lock', 'EX').crash(10, 'c1');
    expect(check(s, ['liveness'], { livenessMs: 1_000, endMs: 5_000 }).violations).toEqual([]);
  });

  it('reports exactly what a plain model of the answering rules leaves unanswered, at the deadline', () => {
    type Op = 'lock' | 'convert' | 'unlock' | 'cancel';
    type Ev =
      | { kind: 'request'; client: string; op: Op }
      | { kind: 'complete'; client: string; status: StatusName }
      | { kind: 'crash' | 'tick'; client: string };
    const statuses: StatusName[] = ['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'TIMEOUT', 'ABORTED', 'CANCELLED', 'CANCELGRANT', 'UNLOCKED', 'BUSY', 'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT'];
    const client = fc.constantFrom('c1', 'c2');
    const ev: fc.Arbitrary<Ev> = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), client, op: fc.constantFrom<Op>('lock', 'convert', 'unlock', 'cancel') }, { noNullPrototype: true }),
      fc.record({ kind: fc.constant('complete' as const), client, status: fc.constantFrom(...statuses) }, { noNullPrototype: true }),
      fc.record({ kind: fc.constantFrom('crash' as const, 'tick' as const), client }, { noNullPrototype: true }),
    );
    const step = fc.record({ dtMs: fc.constantFrom(0, 1, 4), ev }, { noNullPrototype: true });
    const LIVENESS_MS = 5;
    const HEAL_MS = 3;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60, size: 'max' }), (steps) => {
        // The model: pending requests in request order; each event first reports the deadlines it passed.
        type P = { client: string; op: Op; atMs: number; deadlineMs: number; reported: boolean };
        let pending: P[] = [];
        const expected: string[] = [];
        const passDeadlines = (nowMs: number) => {
          for (const p of pending) {
            if (p.reported || p.deadlineMs >= nowMs) continue;
            p.reported = true;
            const what = p.op === 'lock' || p.op === 'convert' ? `${p.op} EX` : p.op;
            expected.push(`${p.deadlineMs} ${p.client}'s ${what} request on r (sent at ${formatUs(ms(p.atMs))})`);
          }
        };
        const s = new Stream();
        let t = 0;
        for (const { dtMs, ev: e } of steps) {
          t += dtMs;
          passDeadlines(t);
          const mine = pending.filter((p) => p.client === e.client);
          const oldestOf = (...ops: Op[]) => mine.find((p) => ops.includes(p.op));
          if (e.kind === 'request') {
            s.request(t, e.client, 'r', e.op, e.op === 'lock' || e.op === 'convert' ? 'EX' : undefined);
            pending.push({ client: e.client, op: e.op, atMs: t, deadlineMs: Math.max(t, HEAL_MS) + LIVENESS_MS, reported: false });
          } else if (e.kind === 'complete') {
            s.complete(t, e.client, 'r', e.status);
            let answered: (P | undefined)[] = [];
            if (['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'TIMEOUT'].includes(e.status)) answered = [oldestOf('lock', 'convert')];
            else if (e.status === 'ABORTED' || e.status === 'CANCELLED') answered = [oldestOf('lock', 'convert'), oldestOf('cancel')];
            else if (e.status === 'CANCELGRANT') answered = [oldestOf('cancel')];
            else if (e.status === 'UNLOCKED') answered = [oldestOf('unlock')];
            else answered = [mine[mine.length - 1]];
            if (answered.every((p) => p === undefined)) answered = [mine[0]];
            pending = pending.filter((p) => !answered.includes(p));
          } else if (e.kind === 'crash') {
            s.crash(t, e.client);
            pending = pending.filter((p) => p.client !== e.client);
          } else {
            s.grant(t, 'c9', 'other', 'NL');
          }
        }
        const endMs = t + 10;
        passDeadlines(endMs);
        const got = check(s, ['liveness'], { livenessMs: LIVENESS_MS, healMs: HEAL_MS, endMs }).violations;
        expect(got.map((v) => `${v.atUs / 1000} ${v.message.slice(0, v.message.indexOf(')') + 1)}`)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
