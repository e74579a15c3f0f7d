// The teaching catalogue's contract, through the real command: every broken scenario finds its
// violation, and its fixed twin passes (DESIGN §1 "Teaching"). Seeds are kept modest: a broken
// scenario's sweep stops at its first find, and every fixed twin is deterministic in its faults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueFiles, cliJson, ROOT, type RunJson } from './cli.js';

/** A broken scenario, the invariant it must violate, and the twin that fixes it. */
interface Pair {
  broken: string;
  invariant: string;
  fixed: string;
}

const PAIRS: readonly Pair[] = [
  { broken: 'gc-pause-unfenced', invariant: 'stale-write', fixed: 'gc-pause-fenced' },
  { broken: 'gc-pause-check-then-write', invariant: 'stale-write', fixed: 'gc-pause-fenced' },
  { broken: 'delayed-write-unfenced', invariant: 'stale-write', fixed: 'delayed-write-fenced' },
  { broken: 'chubby-lock-delay-outrun', invariant: 'stale-write', fixed: 'chubby-lock-delay-sequencer' },
  { broken: 'dlm-failover-no-grace', invariant: 'stale-write', fixed: 'dlm-failover-within-grace' },
  { broken: 'ab-ba-deadlock-undetected', invariant: 'deadlock', fixed: 'ab-ba-deadlock-detected' },
  { broken: 'dining-philosophers-left-first', invariant: 'deadlock', fixed: 'dining-philosophers-ordered' },
  { broken: 'conversion-deadlock-ignored', invariant: 'stale-write', fixed: 'conversion-deadlock-refused' },
  { broken: 'conversion-deadlock-ignored', invariant: 'stale-write', fixed: 'conversion-deadlock-convdeadlk' },
  { broken: 'ntp-step-lease', invariant: 'stale-write', fixed: 'ntp-slew-lease' },
  { broken: 'redlock-clock-jump-wall', invariant: 'mutual-exclusion', fixed: 'redlock-clock-jump-mono' },
  { broken: 'redlock-restart-no-persistence', invariant: 'mutual-exclusion', fixed: 'redlock-restart-delayed' },
  { broken: 'redlock-pause-unchecked', invariant: 'mutual-exclusion', fixed: 'redlock-pause-checked' },
  { broken: 'redlock-pause-checked-wall-clock', invariant: 'mutual-exclusion', fixed: 'redlock-pause-checked' },
  { broken: 'redlock-drift-default-allowance', invariant: 'mutual-exclusion', fixed: 'redlock-drift-wide-allowance' },
  { broken: 'lease-lock-release-del', invariant: 'stale-write', fixed: 'lease-lock-release-compare-and-delete' },
  { broken: 'zk-ghost-node', invariant: 'liveness', fixed: 'zk-ghost-node-guid' },
  { broken: 'zk-herd-parent-watch', invariant: 'herd', fixed: 'zk-herd-predecessor-watch' },
  { broken: 'zk-session-expiry-unfenced', invariant: 'stale-write', fixed: 'zk-session-expiry-fenced' },
  { broken: 'etcd-waiter-lease-expired-unchecked', invariant: 'mutual-exclusion', fixed: 'etcd-waiter-lease-expired-checked' },
  { broken: 'etcd-lock-pause-unfenced', invariant: 'stale-write', fixed: 'etcd-lock-pause-fenced' },
  { broken: 'heartbeat-failover-unconfirmed', invariant: 'stale-write', fixed: 'heartbeat-failover-self-fenced' },
  { broken: 'redis-failover-async-replica', invariant: 'stale-write', fixed: 'redis-failover-consensus-fenced' },
  { broken: 'hbase-regionserver-gc-unfenced', invariant: 'stale-write', fixed: 'hbase-regionserver-gc-fenced' },
  { broken: 'phantom-deadlock-stale-edges', invariant: 'deadlock', fixed: 'phantom-deadlock-confirmed-edges' },
  { broken: 'zk-leader-lost-after-suspended', invariant: 'stale-write', fixed: 'zk-leader-suspended-is-loss' },
  { broken: 'grid-lock-partition-split-brain', invariant: 'mutual-exclusion', fixed: 'grid-lock-partition-consensus-fenced' },
  // The swarm's lease lengths: leases shorter than a drawn silence let a late write through where
  // fencing cannot reject it; leases that outlive every silence keep every invariant.
  { broken: 'swarm-dlm-3m-short-lease-lock-delay', invariant: 'stale-write', fixed: 'swarm-dlm-3m-long-lease' },
  { broken: 'swarm-dlm-5m-short-lease', invariant: 'stale-write', fixed: 'swarm-dlm-5m-long-lease-lock-delay' },
];

/** Seeds for each fixed twin: enough to see that the fix holds beyond one schedule, cheap to run. */
const FIXED_SEEDS = '5';

type Entry = RunJson['scenarios'][number];

function runOne(name: string, ...extra: string[]): Entry {
  const file = `scenarios/${name}.json`;
  const { code, json, stderr } = cliJson<RunJson>('run', file, '--json', ...extra);
  expect(json.scenarios, stderr).toHaveLength(1);
  const entry = json.scenarios[0]!;
  expect(entry.scenario).toBe(name);
  expect(entry.file).toBe(file);
  expect(code, `${name}: ${JSON.stringify(entry)}`).toBe(entry.met ? 0 : 1);
  return entry;
}

describe('every broken scenario finds its violation; its fixed twin passes', () => {
  for (const pair of PAIRS) {
    it(`${pair.broken} → ${pair.invariant}`, () => {
      const entry = runOne(pair.broken);
      expect(entry.expect).toEqual({ violation: pair.invariant });
      expect(entry.met).toBe(true);
      expect(entry.failures.length).toBeGreaterThan(0);
      const find = entry.failures.find((f) => f.invariant === pair.invariant);
      expect(find, JSON.stringify(entry.failures)).toBeDefined();
      // The sweep stops at its first find, and that find is the last seed it ran.
      expect(entry.failures.at(-1)!.seed).toBe(entry.seedsRun - 1);
      expect(find!.replay).toBe(`npx lockstep replay scenarios/${pair.broken}.json --seed ${find!.seed}`);
    });

    it(`${pair.fixed} passes (fixes ${pair.broken})`, () => {
      const entry = runOne(pair.fixed, '--seeds', FIXED_SEEDS);
      expect(entry.expect).toBe('pass');
      expect(entry.seedsRun).toBe(Number(FIXED_SEEDS));
      expect(entry.failures).toEqual([]);
      expect(entry.met).toBe(true);
    });
  }
});

describe('the pair table covers the catalogue', () => {
  it('every scenario that expects a violation is the broken half of a pair, and every name exists', () => {
    const expecting: string[] = [];
    for (const file of catalogueFiles()) {
      const s = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as { name: string; expect?: unknown };
      if (s.expect !== undefined && s.expect !== 'pass') expecting.push(s.name);
    }
    expect([...new Set(PAIRS.map((p) => p.broken))].sort()).toEqual(expecting.sort());
    const names = new Set(catalogueFiles().map((f) => path.basename(f, '.json')));
    for (const p of PAIRS) expect(names.has(p.fixed), p.fixed).toBe(true);
  });
});
