// Fault strategies: where a seed's drawn faults land (uniform, workload, moments), and crashes and
// partitions that never end. Every strategy is a pure function of (scenario, seed).
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario, type Scenario } from '../../src/scenario/index.js';
import { simulate } from '../../src/explore/simulate.js';
import { LockActivity, placeInSpans, withFaultStrategy, withinSpans } from '../../src/explore/strategies/index.js';
import type { Fault } from '../../src/sim/index.js';
import { cli } from '../cli/cli.js';

/** Two clients take `a` in turns for 20 s of a 60 s run: the last 40 s have no lock activity. */
function scenario(randomFaults: Record<string, unknown>, faults: unknown[] = []): Scenario {
  const steps = [
    { op: 'lock', resource: 'a', mode: 'EX' },
    { op: 'work', ms: 200 },
    { op: 'write', resource: 'a', value: 'x' },
    { op: 'unlock', resource: 'a' },
    { op: 'sleep', ms: 300 },
  ];
  return parseScenario({
    name: 'strategy-test',
    managers: 3,
    lockService: { leaseMs: 20000, keepAliveMs: 1000, fencing: true },
    storage: { checkTokens: true },
    clients: [
      { id: 'c1', repeat: 35, steps },
      { id: 'c2', startMs: 100, repeat: 35, steps },
    ],
    randomFaults: { pause: { maxMs: 3000 }, partition: { maxMs: 3000 }, 'clock-jump': { maxMs: 2000 }, ...randomFaults },
    faults,
    durationMs: 60000,
    expect: 'pass',
  }, 'strategy-test.json');
}

/** The run's result and the spans in which a client held or waited for a lock in it. */
function runWithActivity(s: Scenario, seed: number) {
  const activity = new LockActivity();
  const { result } = simulate(s, seed, { onBuilt: ({ sim }) => sim.addListener(activity) });
  return { result, spans: activity.spans(s.durationMs * 1000) };
}

describe('fault strategies', () => {
  it('draws exactly the old plan when the strategy is absent or uniform', () => {
    for (let seed = 0; seed < 5; seed++) {
      expect(simulate(scenario({ strategy: 'uniform' }), seed).result).toEqual(simulate(scenario({}), seed).result);
    }
  });

  it('moves a uniform draw into the active spans at the same fraction', () => {
    const fault = (atMs: number): Fault => ({ kind: 'pause', atUs: atMs * 1000, node: 'c1', forUs: 1000 });
    const spans = [{ fromUs: 1_000_000, toUs: 2_000_000 }, { fromUs: 5_000_000, toUs: 8_000_000 }];
    const placed = placeInSpans([fault(9000), fault(0), fault(2500)], spans, 10_000_000);
    expect(placed.map((f) => f.atUs / 1000)).toEqual([1000, 5000, 7600]);
    expect(placeInSpans([fault(9000)], [], 10_000_000)).toEqual([fault(9000)]);
  });

  it('workload placement keeps the draws, moves their times into the lock activity, and replays', () => {
    let landed = 0;
    let drawn = 0;
    for (let seed = 0; seed < 8; seed++) {
      const uniform = simulate(scenario({}), seed).result.faults;
      const { result, spans } = runWithActivity(scenario({ strategy: 'workload' }), seed);
      const strip = (faults: typeof uniform) => faults.map(({ atMs: _atMs, ...rest }) => JSON.stringify(rest)).sort();
      expect(strip(result.faults)).toEqual(strip(uniform));
      for (const f of result.faults) expect(f.atMs).toBeLessThan(spans[spans.length - 1]!.toUs / 1000);
      drawn += result.faults.length;
      landed += result.faults.filter((f) => withinSpans(spans, f.atMs * 1000)).length;
      expect(simulate(scenario({ strategy: 'workload' }), seed).result.traceHash).toBe(result.traceHash);
    }
    expect(drawn).toBeGreaterThan(10);
    expect(landed / drawn).toBeGreaterThan(0.8);
  });

  it('fires each fault at a moment of its kind: here, when c1 learns it holds a lock', () => {
    const s = scenario({ strategy: 'moments', moments: { on: ['hold'], clients: ['c1'] } });
    let fired = 0;
    for (let seed = 0; seed < 6; seed++) {
      const { result, events = [] } = simulate(s, seed, { record: true });
      const grantsToC1 = new Set(events.filter((e) => e.type === 'complete' && e.fields?.['client'] === 'c1' && e.fields['status'] === 'GRANTED').map((e) => e.tUs));
      for (const f of result.faults) expect(grantsToC1.has(Math.round(f.atMs * 1000))).toBe(true);
      fired += result.faults.length;
      expect(simulate(s, seed).result.traceHash).toBe(result.traceHash);
    }
    expect(fired).toBeGreaterThan(5);
  });

  it('fires a fault on a client at that client\'s own request, the instant it is in flight', () => {
    const s = scenario({ strategy: 'moments', moments: { on: ['request'] }, pause: { maxMs: 3000, nodes: ['c1', 'c2'] }, partition: undefined, 'clock-jump': undefined });
    let fired = 0;
    for (let seed = 0; seed < 6; seed++) {
      const { result, events = [] } = simulate(s, seed, { record: true });
      const requestsBy = (client: string) => new Set(events.filter((e) => e.type === 'request' && e.fields?.['client'] === client && e.fields['op'] === 'lock').map((e) => e.tUs));
      for (const f of result.faults) {
        expect(f.kind).toBe('pause');
        if (f.kind === 'pause') expect(requestsBy(f.node).has(Math.round(f.atMs * 1000))).toBe(true);
      }
      fired += result.faults.length;
      expect(simulate(s, seed).result.traceHash).toBe(result.traceHash);
    }
    expect(fired).toBeGreaterThan(3);
  });

  it('finds the Redlock pause twins with moment-fired faults, where a pause must strike while the SETs are in flight', async () => {
    for (const name of ['redlock-pause-unchecked-search', 'redlock-pause-checked-wall-clock-search']) {
      const { scenario: twin } = await loadScenarioFile(`scenarios/search/${name}.json`);
      expect(twin.randomFaults.strategy).toBe('moments');
      const first = Array.from({ length: 200 }, (_, seed) => seed).find((seed) => simulate(twin, seed).result.violations.some((v) => v.invariant === 'mutual-exclusion'));
      expect(first, name).toBeDefined();
      const uniform = withFaultStrategy(twin, 'uniform');
      expect(Array.from({ length: first! + 1 }, (_, seed) => seed).some((seed) => simulate(uniform, seed).result.violations.some((v) => v.invariant === 'mutual-exclusion')), name).toBe(false);
    }
  });

  it('fires at recovery when the lock managers see a member die (here of an explicit crash)', () => {
    const crash = { atMs: 4000, kind: 'crash', node: 'm2', restartAfterMs: 10000 };
    const s = scenario({ strategy: 'moments', moments: { on: ['recovery'], withinMs: 20000 } }, [crash]);
    let fired = 0;
    for (let seed = 0; seed < 10; seed++) {
      const { result, events = [] } = simulate(s, seed, { record: true });
      const recoveries = new Set(events.filter((e) => e.type === 'dlm-reset' || (e.type === 'dlm-view' && (e.fields?.['dead'] as unknown[]).length > 0)).map((e) => e.tUs));
      const drawn = result.faults.filter((f) => !(f.kind === 'crash' && f.node === 'm2' && f.atMs === 4000));
      for (const f of drawn) expect(recoveries.has(Math.round(f.atMs * 1000))).toBe(true);
      fired += drawn.length;
    }
    expect(fired).toBeGreaterThan(0);
  });

  it('makes every crash and partition permanent at share 1, and none at share 0', () => {
    const forGood = scenario({ crash: { count: 2, permanent: 1, nodes: ['c1', 'm2'] }, partition: { permanent: 1 } });
    const never = scenario({ crash: { count: 2, permanent: 0, nodes: ['c1', 'm2'] }, partition: { permanent: 0 } });
    const kinds = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      for (const f of simulate(forGood, seed).result.faults) {
        kinds.add(f.kind);
        if (f.kind === 'crash') expect(f.restartAfterMs).toBeUndefined();
        if (f.kind === 'partition') expect(f.forMs).toBeUndefined();
      }
      for (const f of simulate(never, seed).result.faults) {
        if (f.kind === 'crash') expect(f.restartAfterMs).toBeGreaterThan(0);
        if (f.kind === 'partition') expect(f.forMs).toBeGreaterThan(0);
      }
    }
    expect(kinds).toEqual(new Set(['pause', 'crash', 'partition', 'clock-jump']));
  });

  it('overrides the strategy only of scenarios that draw faults', () => {
    expect(withFaultStrategy(scenario({}), 'moments').randomFaults.strategy).toBe('moments');
    const none = { ...scenario({}), randomFaults: {} };
    expect(withFaultStrategy(none, 'workload')).toBe(none);
  });

  it('refuses an unknown strategy, moment or client, naming the field', () => {
    const base = { name: 'x', clients: [{ id: 'c1', steps: [{ op: 'work', ms: 1 }] }] };
    expect(() => parseScenario({ ...base, randomFaults: { strategy: 'spread' } }, 'x.json')).toThrow(/randomFaults\.strategy/);
    expect(() => parseScenario({ ...base, randomFaults: { moments: { on: ['lease'] } } }, 'x.json')).toThrow(/randomFaults\.moments\.on\[0\]/);
    expect(() => parseScenario({ ...base, randomFaults: { moments: { clients: ['c9'] } } }, 'x.json')).toThrow(/randomFaults\.moments\.clients\[0\]: unknown client "c9"/);
    expect(() => parseScenario({ ...base, randomFaults: { pause: { permanent: 1 } } }, 'x.json')).toThrow(/randomFaults\.pause\.permanent/);
  });
});

describe('--fault-strategy on the command line', () => {
  it('overrides the scenario, carries the flag into the replay line, and replays the same verdict', () => {
    const file = 'scenarios/search/gc-pause-unfenced-search.json';
    const run = cli('run', file, '--seed', '5', '--fault-strategy', 'workload', '--json');
    const entry = (JSON.parse(run.stdout) as { scenarios: Array<{ failures: Array<{ seed: number; invariant: string; replay: string }> }> }).scenarios[0]!;
    expect(entry.failures.map((f) => [f.seed, f.invariant, f.replay])).toEqual([[5, 'stale-write', `npx lockstep replay ${file} --seed 5 --fault-strategy workload`]]);
    const replay = cli('replay', file, '--seed', '5', '--fault-strategy', 'workload', '--json');
    const result = JSON.parse(replay.stdout) as { violations: Array<{ invariant: string }> };
    expect(result.violations.map((v) => v.invariant)).toEqual(['stale-write']);
    const uniform = cli('run', file, '--seed', '5', '--json');
    expect(JSON.parse(uniform.stdout).scenarios[0].failures).toEqual([]);
  });

  it('refuses an unknown strategy with exit 2', () => {
    const run = cli('run', 'scenarios/search', '--fault-strategy', 'spread');
    expect([run.code, run.stderr.trim()]).toEqual([2, 'error: run: --fault-strategy: expected one of uniform, workload, moments, got "spread"']);
  });
});
