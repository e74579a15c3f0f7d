import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { SimRng, deriveRng, streamSeed } from '../../src/sim/index.js';

describe('deriveRng', () => {
  it('is seeded from lockstep/v1/<seed>/<name> and draws exactly what seedrandom.alea draws', () => {
    expect(streamSeed(7, 'net/a->b')).toBe('lockstep/v1/7/net/a->b');
    expect(streamSeed(-1, 'x')).toBe('lockstep/v1/4294967295/x');
    const ours = deriveRng(7, 'net/a->b');
    const theirs = seedrandom.alea('lockstep/v1/7/net/a->b');
    for (let i = 0; i < 1000; i++) expect(ours.next()).toBe(theirs());
  });

  it('gives the same sequence for the same (seed, name) and different ones otherwise', () => {
    const draw = (seed: number, name: string) => Array.from({ length: 8 }, ((r) => () => r.next())(deriveRng(seed, name)));
    expect(draw(1, 'a')).toEqual(draw(1, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'));
  });

  it('using a new named stream leaves every other stream’s draws unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
        (seed, names, extra, schedule) => {
          fc.pre(!names.includes(extra));
          // World 1: only the named streams, drawn in `schedule` order.
          const alone = names.map((n) => deriveRng(seed, n));
          const out1 = names.map(() => [] as number[]);
          for (const s of schedule) {
            const i = s % names.length;
            out1[i]!.push(alone[i]!.next());
          }
          // World 2: the extra stream is created first and drawn from between every draw.
          const intruder = deriveRng(seed, extra);
          const withExtra = names.map((n) => deriveRng(seed, n));
          const out2 = names.map(() => [] as number[]);
          for (const s of schedule) {
            intruder.next();
            const i = s % names.length;
            out2[i]!.push(withExtra[i]!.next());
            intruder.int(0, 9);
          }
          expect(out2).toEqual(out1);
        },
      ),
    );
  });
});

describe('SimRng', () => {
  it('int(min, max) stays within bounds, inclusive at both ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 50 }), fc.string(), (min, width, name) => {
        const r = deriveRng(3, name);
        const seen = new Set<number>();
        const bad: number[] = [];
        for (let i = 0; i < 400; i++) {
          const v = r.int(min, min + width);
          if (!Number.isInteger(v) || v < min || v > min + width) bad.push(v);
          seen.add(v);
        }
        expect(bad).toEqual([]);
        if (width <= 3) expect(seen.size).toBe(width + 1);
      }),
    );
  });

  it('chance, pick and next behave at their edges and refuse bad input', () => {
    const r = new SimRng('edge');
    for (let i = 0; i < 100; i++) {
      expect(r.chance(0)).toBe(false);
      expect(r.chance(1)).toBe(true);
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(['x', 'y', 'z']).toContain(r.pick(['x', 'y', 'z']));
    }
    expect(() => r.pick([])).toThrow(/empty array/);
    expect(() => r.int(5, 4)).toThrow(/min <= max/);
    expect(() => r.int(0.5, 4)).toThrow(/integers/);
  });

  it('each of int, chance and pick consumes exactly one draw', () => {
    const a = deriveRng(9, 's');
    const b = deriveRng(9, 's');
    a.int(0, 10);
    a.chance(0.5);
    a.pick([1, 2, 3]);
    b.next();
    b.next();
    b.next();
    expect(a.next()).toBe(b.next());
  });
});
