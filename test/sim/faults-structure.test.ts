// Richer seed-drawn faults: a minimum magnitude, the nodes a kind may hit, and a partition with a
// named side. Without these fields the draws are the old ones (the fingerprint relies on it).
import { describe, expect, it } from 'vitest';
import { deriveRng, drawFaultPlan, type Fault } from '../../src/sim/index.js';
import { parseScenario } from '../../src/scenario/index.js';

const targets = { managers: ['m1', 'm2', 'm3'], clients: ['c1', 'c2'], all: ['m1', 'm2', 'm3', 'storage', 'c1', 'c2'] };
const durationUs = 30_000_000;

function plans(profile: Parameters<typeof drawFaultPlan>[1]): Fault[] {
  const all: Fault[] = [];
  for (let seed = 0; seed < 200; seed++) all.push(...drawFaultPlan(deriveRng(seed, 'faults'), profile, targets, durationUs));
  return all;
}

describe('structured random faults', () => {
  it('draws magnitudes no smaller than minMs and hits only the listed nodes', () => {
    const faults = plans({ pause: { minMs: 9000, maxMs: 12000, nodes: ['c1'] }, crash: { nodes: ['m2'] }, 'clock-jump': { minMs: 4000, nodes: ['c2'] } });
    expect(faults.length).toBeGreaterThan(100);
    for (const f of faults) {
      if (f.kind === 'pause') expect([f.node, f.forUs >= 9_000_000 && f.forUs <= 12_000_000]).toEqual(['c1', true]);
      if (f.kind === 'crash') expect(f.node).toBe('m2');
      if (f.kind === 'clock-jump') expect([f.node, Math.abs(f.byUs) >= 4_000_000]).toEqual(['c2', true]);
    }
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(['pause', 'crash', 'clock-jump']));
  });

  it('splits a partition along its named side', () => {
    const faults = plans({ partition: { nodes: ['c1', 'm1', 'm2'] } });
    expect(faults.length).toBeGreaterThan(50);
    for (const f of faults) {
      if (f.kind !== 'partition') throw new Error(`unexpected ${f.kind}`);
      expect(f.groups).toEqual([['c1', 'm1', 'm2'], ['m3', 'storage', 'c2']]);
    }
  });

  it('leaves the draws of a profile without the new fields unchanged', () => {
    const withDefaults = plans({ pause: { maxMs: 5000, minMs: 1 } });
    expect(withDefaults).toEqual(plans({ pause: { maxMs: 5000 } }));
  });

  it('refuses unknown nodes and a minimum above the maximum, naming the field', () => {
    const base = { name: 'x', clients: [{ id: 'c1', steps: [{ op: 'work', ms: 1 }] }] };
    expect(() => parseScenario({ ...base, randomFaults: { pause: { nodes: ['c9'] } } }, 'x.json')).toThrow(/randomFaults\.pause\.nodes\[0\]: unknown node "c9"/);
    expect(() => parseScenario({ ...base, randomFaults: { pause: { minMs: 10, maxMs: 5 } } }, 'x.json')).toThrow(/randomFaults\.pause\.minMs: 10 is above maxMs 5/);
  });
});
