import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockError, NodeClock } from '../../src/sim/index.js';

type Change = { atUs: number; kind: 'jump'; byUs: number } | { atUs: number; kind: 'drift'; ppm: number };

/** Floor division for BigInt (BigInt `/` truncates toward zero). */
function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

/**
 * An independent model of a node's clocks: integrate the drift over every piece in exact
 * integer arithmetic, add the offset and every jump made at or before t.
 */
function model(offsetUs: number, ppm0: number, changes: readonly Change[], kind: 'wall' | 'mono', t: number): number {
  let driftNum = 0n; // Σ ppm · µs
  let ppm = BigInt(ppm0);
  let from = 0;
  let jumps = 0;
  for (const c of changes) {
    if (c.atUs > t) break;
    driftNum += ppm * BigInt(c.atUs - from);
    from = c.atUs;
    if (c.kind === 'drift') ppm = BigInt(c.ppm);
    else jumps += c.byUs;
  }
  driftNum += ppm * BigInt(t - from);
  const base = t + Number(floorDiv(driftNum, 1_000_000n));
  return kind === 'wall' ? base + offsetUs + jumps : base;
}

const changeArb = fc.oneof(
  fc.record({ atUs: fc.integer({ min: 0, max: 2_000_000 }), kind: fc.constant('jump' as const), byUs: fc.integer({ min: -500_000, max: 500_000 }) }),
  fc.record({ atUs: fc.integer({ min: 0, max: 2_000_000 }), kind: fc.constant('drift' as const), ppm: fc.integer({ min: -200_000, max: 200_000 }) }),
);

function build(offsetUs: number, ppm0: number, changes: Change[]): NodeClock {
  const clock = new NodeClock({ offsetUs, driftPpm: ppm0 });
  for (const c of changes) {
    if (c.kind === 'jump') clock.jump(c.atUs, c.byUs);
    else clock.setDrift(c.atUs, c.ppm);
  }
  return clock;
}

const sorted = (cs: Change[]) => [...cs].sort((x, y) => x.atUs - y.atUs);

describe('NodeClock', () => {
  it('local time equals offset + drift + jumps for any true time (independent piecewise model)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: -200_000, max: 200_000 }),
        fc.array(changeArb, { maxLength: 8 }).map(sorted),
        fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 20 }),
        (offsetUs, ppm0, changes, probes) => {
          const clock = build(offsetUs, ppm0, changes);
          for (const t of probes) {
            expect(clock.read('wall', t)).toBe(model(offsetUs, ppm0, changes, 'wall', t));
            expect(clock.read('mono', t)).toBe(model(offsetUs, ppm0, changes, 'mono', t));
          }
        },
      ),
    );
  });

  it('mono starts at 0, never decreases and ignores jumps; wall jumps by exactly the jump', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -200_000, max: 200_000 }),
        fc.array(changeArb, { maxLength: 8 }).map(sorted),
        fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 2, maxLength: 40 }).map((ts) => [...ts].sort((a, b) => a - b)),
        (ppm0, changes, times) => {
          const clock = build(123, ppm0, changes);
          expect(clock.read('mono', 0)).toBe(0);
          for (let i = 1; i < times.length; i++) {
            expect(clock.read('mono', times[i]!)).toBeGreaterThanOrEqual(clock.read('mono', times[i - 1]!));
          }
          const withoutJumps = build(123, ppm0, changes.filter((c) => c.kind === 'drift'));
          for (const t of times) expect(clock.read('mono', t)).toBe(withoutJumps.read('mono', t));
        },
      ),
    );
    const c = new NodeClock({ offsetUs: 0, driftPpm: 0 });
    c.jump(1000, 5000);
    expect(c.read('wall', 999)).toBe(999);
    expect(c.read('wall', 1000)).toBe(6000);
    expect(c.read('mono', 1000)).toBe(1000);
  });

  it('runs at 1 + ppm/1e6 exactly', () => {
    const c = new NodeClock({ offsetUs: 7, driftPpm: 100 });
    expect(c.read('mono', 1_000_000)).toBe(1_000_100);
    expect(c.read('wall', 1_000_000)).toBe(1_000_107);
    const slow = new NodeClock({ offsetUs: 0, driftPpm: -1 });
    expect(slow.read('mono', 999_999)).toBe(999_998); // 999_999 - 0.999999 floors down
    expect(slow.read('mono', 1_000_000)).toBe(999_999);
  });

  it('trueTimeWhen returns the earliest true time >= from at which the clock reads >= target', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3000, max: 3000 }),
        fc.integer({ min: -300_000, max: 300_000 }),
        fc.array(
          fc.oneof(
            fc.record({ atUs: fc.integer({ min: 0, max: 4000 }), kind: fc.constant('jump' as const), byUs: fc.integer({ min: -2000, max: 2000 }) }),
            fc.record({ atUs: fc.integer({ min: 0, max: 4000 }), kind: fc.constant('drift' as const), ppm: fc.integer({ min: -500_000, max: 500_000 }) }),
          ),
          { maxLength: 5 },
        ).map(sorted),
        fc.constantFrom('wall' as const, 'mono' as const),
        fc.integer({ min: -2000, max: 9000 }),
        fc.integer({ min: 0, max: 5000 }),
        (offsetUs, ppm0, changes, kind, target, from) => {
          const clock = build(offsetUs, ppm0, changes);
          const t = clock.trueTimeWhen(kind, target, from);
          expect(Number.isSafeInteger(t)).toBe(true);
          expect(t).toBeGreaterThanOrEqual(from);
          expect(clock.read(kind, t)).toBeGreaterThanOrEqual(target);
          for (let u = from; u < t; u++) expect(clock.read(kind, u)).toBeLessThan(target);
        },
      ),
    );
  });

  it('rounds a fractional target up and refuses impossible changes', () => {
    const c = new NodeClock({ offsetUs: 0, driftPpm: 0 });
    expect(c.trueTimeWhen('mono', 10.2, 0)).toBe(11);
    c.jump(100, 10);
    expect(() => c.jump(50, 10)).toThrow(ClockError);
    expect(() => c.jump(200, 0.5)).toThrow(/integer/);
    expect(() => c.setDrift(200, -1e6)).toThrow(/ppm/);
    expect(() => new NodeClock({ offsetUs: 1.5, driftPpm: 0 })).toThrow(/offsetUs/);
  });
});
