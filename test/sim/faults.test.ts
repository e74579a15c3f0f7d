import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FAULT_KINDS,
  FaultProfileError,
  Simulation,
  deriveRng,
  drawFaultPlan,
  type Fault,
  type FaultKind,
  type RandomFaultProfile,
} from '../../src/sim/index.js';

const targets = { managers: ['m1', 'm2', 'm3'], clients: ['c1', 'c2'], all: ['m1', 'm2', 'm3', 'c1', 'c2', 'storage'] };
const fullProfile: RandomFaultProfile = {
  pause: { maxMs: 200 },
  crash: { maxMs: 300, count: 2 },
  'clock-jump': { maxMs: 100 },
  'clock-drift': { maxPpm: 500 },
  partition: { maxMs: 400 },
  delay: { maxMs: 50 },
  drop: { maxMs: 60, rate: 1 },
};

/** The magnitude bounds a fault must respect under fullProfile. */
function checkFault(f: Fault, durationUs: number): void {
  expect(f.atUs).toBeGreaterThanOrEqual(0);
  expect(f.atUs).toBeLessThan(durationUs);
  expect(f.atUs % 1000).toBe(0);
  switch (f.kind) {
    case 'pause':
      expect(targets.all).toContain(f.node);
      expect(f.forUs).toBeGreaterThanOrEqual(1000);
      expect(f.forUs).toBeLessThanOrEqual(200_000);
      break;
    case 'crash':
      expect(targets.managers).toContain(f.node);
      expect(f.restartAfterUs).toBeLessThanOrEqual(300_000);
      break;
    case 'clock-jump':
      expect(Math.abs(f.byUs)).toBeGreaterThanOrEqual(1000);
      expect(Math.abs(f.byUs)).toBeLessThanOrEqual(100_000);
      break;
    case 'clock-drift':
      expect(Math.abs(f.ppm)).toBeLessThanOrEqual(500);
      break;
    case 'partition':
      expect(f.groups.length).toBe(2);
      expect(f.groups.every((g) => g.length > 0)).toBe(true);
      expect([...f.groups.flat()].sort()).toEqual([...targets.all].sort());
      expect(f.forUs).toBeLessThanOrEqual(400_000);
      break;
    case 'delay':
      expect(f.from).not.toBe(f.to);
      expect(f.extraUs).toBeLessThanOrEqual(50_000);
      break;
    case 'drop':
      expect(f.from).not.toBe(f.to);
      expect(f.forUs).toBeLessThanOrEqual(60_000);
      break;
  }
}

const sortNode = (f: Fault) => ('node' in f ? f.node : 'from' in f ? f.from : '');

describe('drawFaultPlan', () => {
  it('draws bounded, valid, sorted plans that a simulation accepts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 5000 }), (seed, durationMs) => {
        const durationUs = durationMs * 1000;
        const plan = drawFaultPlan(deriveRng(seed, 'faults'), fullProfile, targets, durationUs);
        for (const f of plan) checkFault(f, durationUs);
        for (let i = 1; i < plan.length; i++) {
          const [x, y] = [plan[i - 1]!, plan[i]!];
          const key = (f: Fault) => [f.atUs, FAULT_KINDS.indexOf(f.kind), sortNode(f)] as const;
          const [kx, ky] = [key(x), key(y)];
          const ordered = kx[0] < ky[0] || (kx[0] === ky[0] && (kx[1] < ky[1] || (kx[1] === ky[1] && kx[2] <= ky[2])));
          expect(ordered).toBe(true);
        }
        const perKind = new Map<FaultKind, number>();
        for (const f of plan) perKind.set(f.kind, (perKind.get(f.kind) ?? 0) + 1);
        expect(perKind.get('crash') ?? 0).toBeLessThanOrEqual(2);
        expect(perKind.get('pause') ?? 0).toBeLessThanOrEqual(3);
        expect(perKind.get('drop') ?? 0).toBeLessThanOrEqual(Math.max(1, Math.ceil(durationMs / 1000)));
        const sim = new Simulation({ seed });
        for (const id of targets.all) sim.addNode(id, () => ({ onMessage() {} }));
        sim.addFaults(plan);
        sim.run(durationUs + 1_000_000);
      }),
      { numRuns: 200 },
    );
  });

  it('is a pure function of the stream, and ignores the profile’s key order', () => {
    const a = drawFaultPlan(deriveRng(5, 'faults'), fullProfile, targets, 10_000_000);
    const b = drawFaultPlan(deriveRng(5, 'faults'), fullProfile, targets, 10_000_000);
    const reversed = Object.fromEntries(Object.entries(fullProfile).reverse()) as RandomFaultProfile;
    const c = drawFaultPlan(deriveRng(5, 'faults'), reversed, targets, 10_000_000);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('swarm: each listed kind is active for some seeds and off for others; unlisted kinds never appear', () => {
    const active = new Map<FaultKind, number>();
    const seeds = 200;
    for (let seed = 0; seed < seeds; seed++) {
      const plan = drawFaultPlan(deriveRng(seed, 'faults'), { pause: {}, partition: {} }, targets, 10_000_000);
      for (const kind of new Set(plan.map((f) => f.kind))) active.set(kind, (active.get(kind) ?? 0) + 1);
    }
    expect([...active.keys()].sort()).toEqual(['partition', 'pause']);
    for (const n of active.values()) {
      expect(n).toBeGreaterThan(seeds * 0.3);
      expect(n).toBeLessThan(seeds * 0.7);
    }
  });

  it('draws nothing for an empty profile and refuses bad knobs', () => {
    expect(drawFaultPlan(deriveRng(1, 'f'), {}, targets, 1_000_000)).toEqual([]);
    for (let seed = 0; seed < 10; seed++) {
      expect(() => drawFaultPlan(deriveRng(seed, 'f'), { pause: { maxMs: -1 } }, targets, 1_000_000)).toThrow(FaultProfileError);
      expect(() => drawFaultPlan(deriveRng(seed, 'f'), { 'clock-drift': { maxPpm: 2e6 } }, targets, 1_000_000)).toThrow(/maxPpm/);
    }
    expect(() => drawFaultPlan(deriveRng(1, 'f'), { pause: {} }, targets, -5)).toThrow(/durationUs/);
  });
});
