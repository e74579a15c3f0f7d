// Scenario faults (ms) to the kernel's fault plan (µs): exact, in file order, optional fields omitted.
import { describe, expect, it } from 'vitest';
import { fromFault, parseScenario, toFaultPlan } from '../../src/scenario/index.js';
import type { Fault } from '../../src/sim/types.js';

/** One fault of every kind, as a scenario file writes them (the clock jump names its clock). */
const FAULTS_MS = [
  { atMs: 200, kind: 'pause', node: 'c1', forMs: 15000 },
  { atMs: 1000, kind: 'clock-jump', node: 'm3', byMs: -5500.5, clock: 'wall' },
  { atMs: 1500, kind: 'clock-drift', node: 'm2', ppm: -100000 },
  { atMs: 2000, kind: 'partition', groups: [['m1', 'c1'], ['m2', 'm3', 'c2']], forMs: 5000 },
  { atMs: 2500, kind: 'partition', groups: [['c1'], ['m1']], oneWay: true },
  { atMs: 3000, kind: 'crash', node: 'm1', restartAfterMs: 5000 },
  { atMs: 3500, kind: 'crash', node: 'storage' },
  { atMs: 0, kind: 'delay', from: 'm1', to: 'c1', extraMs: 8000, forMs: 100 },
  { atMs: 0.25, kind: 'drop', from: 'c2', to: 'storage', forMs: 0.001 },
];

/** The same, with the clock jump's clock left to its default. */
const FAULTS_MS_DEFAULT_CLOCK = FAULTS_MS.map((f) => (f.kind === 'clock-jump' ? { atMs: f.atMs, kind: f.kind, node: f.node, byMs: f.byMs } : f));

describe('toFaultPlan', () => {
  it('converts every fault kind, keeping file order', () => {
    const scenario = parseScenario(
      {
        name: 'faults',
        clients: [
          { id: 'c1', steps: [{ op: 'sleep', ms: 1 }] },
          { id: 'c2', steps: [{ op: 'sleep', ms: 1 }] },
        ],
        faults: FAULTS_MS_DEFAULT_CLOCK,
      },
      'faults.json',
    );
    const expected: Fault[] = [
      { kind: 'pause', atUs: 200_000, node: 'c1', forUs: 15_000_000 },
      { kind: 'clock-jump', atUs: 1_000_000, node: 'm3', byUs: -5_500_500, clock: 'wall' },
      { kind: 'clock-drift', atUs: 1_500_000, node: 'm2', ppm: -100000 },
      { kind: 'partition', atUs: 2_000_000, groups: [['m1', 'c1'], ['m2', 'm3', 'c2']], forUs: 5_000_000 },
      { kind: 'partition', atUs: 2_500_000, groups: [['c1'], ['m1']], oneWay: true },
      { kind: 'crash', atUs: 3_000_000, node: 'm1', restartAfterUs: 5_000_000 },
      { kind: 'crash', atUs: 3_500_000, node: 'storage' },
      { kind: 'delay', atUs: 0, from: 'm1', to: 'c1', extraUs: 8_000_000, forUs: 100_000 },
      { kind: 'drop', atUs: 250, from: 'c2', to: 'storage', forUs: 1 },
    ];
    const plan = toFaultPlan(scenario);
    expect(plan).toStrictEqual(expected);
    // Optional fields are absent, not undefined: the plan is printed and hashed as JSON.
    expect(Object.keys(plan[4]!)).toEqual(['kind', 'atUs', 'groups', 'oneWay']);
    expect(Object.keys(plan[6]!)).toEqual(['kind', 'atUs', 'node']);
  });

  it('does not share arrays with the scenario', () => {
    const scenario = parseScenario(
      {
        name: 'share',
        clients: [{ id: 'c1', steps: [{ op: 'sleep', ms: 1 }] }],
        faults: [{ atMs: 1, kind: 'partition', groups: [['m1'], ['c1']] }],
      },
      'share.json',
    );
    const plan = toFaultPlan(scenario);
    const partition = plan[0];
    if (partition?.kind !== 'partition') throw new Error('expected a partition');
    partition.groups[0]!.push('m2');
    const source = scenario.faults[0];
    if (source?.kind !== 'partition') throw new Error('expected a partition');
    expect(source.groups[0]).toEqual(['m1']);
  });
});

describe('fromFault', () => {
  it('gives back every scenario fault kind from the kernel plan, in the result JSON key order', () => {
    const scenario = parseScenario(
      {
        name: 'faults-back',
        clients: [
          { id: 'c1', steps: [{ op: 'sleep', ms: 1 }] },
          { id: 'c2', steps: [{ op: 'sleep', ms: 1 }] },
        ],
        faults: FAULTS_MS,
      },
      'faults-back.json',
    );
    const back = toFaultPlan(scenario).map(fromFault);
    expect(back).toStrictEqual(FAULTS_MS);
    expect(back.map((f) => JSON.stringify(f))).toEqual(FAULTS_MS.map((f) => JSON.stringify(f)));
  });
});
