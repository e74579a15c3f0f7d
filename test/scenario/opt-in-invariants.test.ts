import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, type ScenarioInput } from '../../src/scenario/index.js';

const steps = [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'write', resource: 'r', value: 'v' }, { op: 'unlock', resource: 'r' }];

function scenario(extra: Record<string, unknown>): ScenarioInput {
  return { name: 'opt-in', protocol: 'dlm', clients: [{ id: 'c1', steps }], ...extra } as unknown as ScenarioInput;
}

function problems(input: ScenarioInput): ReadonlyArray<{ path: string; message: string }> {
  try {
    parseScenario(input, 'scenarios/x.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).problems;
  }
  return [];
}

describe('the opt-in invariants', () => {
  it('are checked only when a scenario names them', () => {
    expect(parseScenario(scenario({}), 'x').invariants).toEqual(['mutual-exclusion', 'stale-write', 'fencing', 'value-block', 'grant-order', 'deadlock', 'liveness']);
    expect(parseScenario(scenario({ protocol: 'zk', lockService: { leaseMs: 9000 } }), 'x').invariants).toEqual(['mutual-exclusion', 'stale-write', 'fencing', 'deadlock', 'liveness']);
    const named = scenario({ lockService: { leaseMs: 9000, lockDelayMs: 1000 }, invariants: ['lock-delay', 'liveness'] });
    expect(parseScenario(named, 'x').invariants).toEqual(['lock-delay', 'liveness']);
  });

  it('are refused, naming the field, where the scenario makes no such promise', () => {
    expect(problems(scenario({ invariants: ['lock-delay'] }))).toEqual([{ path: 'invariants[0]', message: 'needs lockService.lockDelayMs above 0 (nothing is delayed)' }]);
    expect(problems(scenario({ protocol: 'redlock', invariants: ['lock-delay', 'herd'], lockService: { leaseMs: 9000 } }))).toEqual([
      { path: 'invariants[0]', message: "lock-delay exists only in the dlm; this scenario's protocol is redlock" },
      { path: 'invariants[1]', message: "watch notifications exist only in zk and etcd; this scenario's protocol is redlock" },
    ]);
    expect(problems(scenario({ invariants: ['early-expiry'] }))).toEqual([
      { path: 'invariants[0]', message: 'needs a client whose write checks its lease ("checkLease": true): only such a client has a lease of its own to outlive' },
    ]);
    const checked = [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'write', resource: 'r', value: 'v', checkLease: true }];
    expect(problems(scenario({ clients: [{ id: 'c1', steps: checked }], invariants: ['early-expiry'] }))).toEqual([]);
    expect(problems(scenario({ protocol: 'etcd', lockService: { leaseMs: 9000 }, invariants: ['herd'] }))).toEqual([]);
  });
});
