/**
 * The opt-in invariants against the real system (DESIGN §6: a checker is only trusted once a
 * broken variant of the system makes it fire). Each case runs one scenario twice through the whole
 * simulator: as configured, where nothing is violated, and broken — by a fault or setting that
 * breaks exactly the promise the invariant judges — where that invariant alone fires, first.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile, parseScenario, type Scenario, type ScenarioInput } from '../../src/scenario/index.js';

function violations(scenario: Scenario): Array<[string, string]> {
  return simulate(scenario, 0).result.violations.map((v) => [v.invariant, v.message]);
}

function variant(scenario: Scenario, change: Partial<ScenarioInput>): Scenario {
  const { name, title, lesson, protocol, managers, lockService, storage, network, clocks, clients, faults, durationMs, invariants, expect: expectation } = scenario;
  const input = { name, title, lesson, protocol, managers, lockService, storage, network, clocks, clients, faults, durationMs, invariants, expect: expectation } as ScenarioInput;
  return parseScenario({ ...input, ...change } as ScenarioInput, 'test:opt-in-broken-variants');
}

/** `scenario` with its service expiring leases on the wall clock, and `node`'s wall clock jumping forward by `byMs` at `atMs`. */
function withWallJump(scenario: Scenario, node: string, atMs: number, byMs: number): Scenario {
  return variant(scenario, {
    lockService: { ...scenario.lockService, expiryClock: 'wall' },
    faults: [...scenario.faults, { atMs, kind: 'clock-jump', node, byMs, clock: 'wall' }],
  });
}

describe('broken variants of the real system make each opt-in checker fire', () => {
  it("early-expiry: a 5 s forward jump of the home's wall clock, on which it expires sessions (lease-checked-before-write)", async () => {
    const { scenario } = await loadScenarioFile('scenarios/lease-checked-before-write.json');
    expect(violations(scenario)).toEqual([]);
    const found = violations(withWallJump(scenario, 'm1', 4000, 5000));
    expect(found.map(([invariant]) => invariant)).toEqual(['early-expiry']);
    expect(found[0]![1]).toBe("m1 expired c1's lock on file at 8003.638 ms while c1's own lease on it still ran: its own lease lapsed only at 13000.0 ms");
  });

  it("lock-delay: a 4 s forward jump of the master's wall clock during the lock-delay (chubby-lock-delay-honoured)", async () => {
    const { scenario } = await loadScenarioFile('scenarios/chubby-lock-delay-honoured.json');
    expect(violations(scenario)).toEqual([]);
    const found = violations(withWallJump(scenario, 'm1', 12_000, 4000));
    expect(found.map(([invariant]) => invariant)).toEqual(['lock-delay']);
    expect(found[0]![1]).toBe("m1 granted EX on file to c2 at 12000.0 ms, 1992.858 ms after c1's EX lock on it expired (at 10007.142 ms): the lock-delay of 5000.0 ms had not passed");
  });

  it('herd: waiters that watch the parent instead of their predecessor (zk-two-queues-one-wakeup)', async () => {
    const { scenario } = await loadScenarioFile('scenarios/zk-two-queues-one-wakeup.json');
    expect(violations(scenario)).toEqual([]);
    const broken = variant(scenario, { lockService: { ...scenario.lockService, watch: 'parent' } });
    const found = violations(broken);
    expect(new Set(found.map(([invariant]) => invariant))).toEqual(new Set(['herd']));
    expect(found[0]![1]).toBe('m1 woke 2 waiters (c3, c5) at 1020.007 ms for one change (c1.1.49119b1b-lock-0000000000 deleted under b): a change wakes at most one waiter');
  });
});
