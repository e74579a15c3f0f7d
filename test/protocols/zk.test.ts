/**
 * The ZooKeeper lock recipe against the pitfalls' timelines (reference/pitfalls.md S11–S13, and
 * S15, etcd's lock, modelled on the recipe): herd effect, ghost node after a lost create reply,
 * session expiry under a believing holder, and a waiter told it holds the lock after its lease
 * died. Fixed latency 1 ms; each world runs twice and must give the same trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../src/clients/index.js';
import { zkProtocol } from '../../src/protocols/index.js';
import type { TraceEvent } from '../../src/sim/index.js';
import {
  crash,
  cut,
  dropWindow,
  eventsOf,
  pause,
  runTwice,
  serviceOptions,
  timesOf,
  violated,
  type WorldClient,
  type WorldResult,
  type WorldSpec,
} from './world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };

/** The notifications the server sent because node `nameSuffix` was deleted. */
function notifiesCausedBy(r: WorldResult, nameSuffix: string): TraceEvent[] {
  return eventsOf(r, 'notify').filter((e) => e.fields?.['change'] === 'deleted' && String(e.fields?.['cause']).endsWith(nameSuffix));
}

/** Clients in the order they were granted. */
function grantOrder(r: WorldResult): string[] {
  return eventsOf(r, 'grant').map((e) => String(e.fields?.['client']));
}

/** `zk.create` requests a client sent. */
function creates(r: WorldResult, client: string): number {
  return r.events.filter((e) => e.type === 'send' && e.node === client && e.fields?.['msg'] === 'zk.create').length;
}

describe('S11: the herd effect, and "predecessor vanished" is not "I hold the lock"', () => {
  // Clients c0..c(n−1) queue in that order (one every 10 ms); each holds the lock 1,000 ms.
  const queue = (n: number, watch: 'predecessor' | 'parent'): WorldSpec => ({
    protocol: zkProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 30_000, keepAliveMs: 1000, watch }),
    clients: Array.from({ length: n }, (_, i): WorldClient => ({ id: `c${i}`, startMs: i * 10, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] })),
    durationMs: 20_000,
  });

  for (const n of [3, 5, 8]) {
    it(`${n} clients, parent watch: C0's release wakes all ${n - 1} waiters (the herd); predecessor watch: exactly 1`, () => {
      const herd = runTwice(queue(n, 'parent'));
      expect(notifiesCausedBy(herd, 'lock-0000000000').map((e) => e.fields?.['client'])).toEqual(
        Array.from({ length: n - 1 }, (_, i) => `c${i + 1}`),
      );
      expect(grantOrder(herd)).toEqual(Array.from({ length: n }, (_, i) => `c${i}`));
      expect(herd.violations).toEqual([]);

      const recipe = runTwice(queue(n, 'predecessor'));
      for (let i = 0; i < n; i++) {
        const woken = notifiesCausedBy(recipe, `lock-${String(i).padStart(10, '0')}`).map((e) => e.fields?.['client']);
        // Each node is watched by exactly one client: its successor (the last by nobody).
        expect(woken).toEqual(i < n - 1 ? [`c${i + 1}`] : []);
      }
      expect(eventsOf(recipe, 'notify').filter((e) => e.fields?.['change'] === 'created')).toEqual([]);
      expect(eventsOf(recipe, 'notify')).toHaveLength(n - 1);
      expect(grantOrder(recipe)).toEqual(Array.from({ length: n }, (_, i) => `c${i}`));
      expect(recipe.violations).toEqual([]);
    });
  }

  it('per release, the herd wakes every remaining waiter (plus the releaser\'s own leftover watch); the recipe wakes one', () => {
    // Release i (of node …0i) with parent watches wakes the n−1−i clients still waiting and the
    // releaser itself (its last getChildren left a watch); C0's watch was used up by C1's create.
    const perRelease = (n: number, w: 'predecessor' | 'parent') => {
      const r = runTwice(queue(n, w));
      return Array.from({ length: n }, (_, i) => notifiesCausedBy(r, `lock-${String(i).padStart(10, '0')}`).length);
    };
    expect(perRelease(3, 'parent')).toEqual([2, 2, 1]);
    expect(perRelease(5, 'parent')).toEqual([4, 4, 3, 2, 1]);
    expect(perRelease(8, 'parent')).toEqual([7, 7, 6, 5, 4, 3, 2, 1]);
    expect(perRelease(5, 'predecessor')).toEqual([1, 1, 1, 1, 0]);
    expect(perRelease(8, 'predecessor')).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it("C2's session expires while C0 holds: only C3 is woken, re-lists, finds …01 and watches it (no false grant)", () => {
    // Session timeout 5,000; C2 is paused from 100 to 30,000, so its session expires at ≈5,028
    // and the server deletes …02. C0 holds until ≈20,006.
    const r = runTwice({
      protocol: zkProtocol,
      managers: 1,
      options: serviceOptions({ leaseMs: 5000, keepAliveMs: 1000, watch: 'predecessor' }),
      clients: [
        { id: 'c0', steps: [lockFile, { op: 'work', ms: 20_000 }, unlockFile] },
        ...[1, 2, 3, 4].map((i): WorldClient => ({ id: `c${i}`, startMs: i * 10, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] })),
      ],
      faults: [pause('c2', 100, 29_900)],
      durationMs: 40_000,
    });
    const expiry = notifiesCausedBy(r, 'lock-0000000002');
    expect(expiry.map((e) => e.fields?.['client'])).toEqual(['c3']);
    const t = expiry[0]!.tUs;
    // C3's next exists() after the wake-up targets …01, C1's node, which still exists.
    const next = r.events.find((e) => e.tUs > t && e.type === 'send' && e.node === 'c3' && e.fields?.['msg'] === 'zk.exists');
    expect(next).toBeDefined();
    expect(grantOrder(r)).toEqual(['c0', 'c1', 'c3', 'c4']);
    expect(timesOf(r, 'grant', 'c3')[0]!).toBeGreaterThan(timesOf(r, 'release', 'c1')[0]!);
    expect(eventsOf(r, 'complete', 'c2').map((e) => e.fields?.['status'])).toEqual(['ABORTED']);
    expect(r.violations).toEqual([]);
  });
});

describe('S12: a lost create reply leaves a ghost node; the GUID fix adopts it', () => {
  // c0 warms the sequence up to …06; C2 holds …0007 from 500 to ≈6,000. C1's create at 1,000
  // makes …0008, but the reply is dropped (m1 → c1, 1,000..1,003). C3 queues at 3,000, C4 at 3,500.
  const world = (guidNames: boolean): WorldSpec => ({
    protocol: zkProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 30_000, keepAliveMs: 1000, guidNames }),
    clients: [
      { id: 'c0', repeat: 7, steps: [lockFile, unlockFile] },
      { id: 'c2', startMs: 500, steps: [lockFile, { op: 'work', ms: 5500 }, unlockFile] },
      { id: 'c1', startMs: 1000, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
      { id: 'c3', startMs: 3000, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
      { id: 'c4', startMs: 3500, steps: [lockFile, unlockFile] },
    ],
    faults: [dropWindow('m1', 'c1', 1000, 3)],
    durationMs: 30_000,
    livenessMs: 10_000,
  });

  it('without GUIDs: C1 creates again (…0009) and waits on its own ghost …0008; after C2 leaves nobody acts → liveness', () => {
    const r = runTwice(world(false));
    expect(creates(r, 'c1')).toBe(2);
    // C2's release wakes nobody: C1 watches …0008 (its own ghost), C3 watches …0009.
    expect(notifiesCausedBy(r, 'lock-0000000007')).toEqual([]);
    expect(grantOrder(r)).toEqual(['c0', 'c0', 'c0', 'c0', 'c0', 'c0', 'c0', 'c2']);
    expect(violated(r)).toEqual(['liveness']);
    expect(r.violations.map((v) => v.nodes[0])).toEqual(['c1', 'c3', 'c4']);
  });

  it('with GUIDs: C1 finds …0008 by its GUID, watches …0007 and holds the lock when C2 leaves; C3 gets …0009 → pass', () => {
    const r = runTwice(world(true));
    expect(creates(r, 'c1')).toBe(1);
    const c2Release = timesOf(r, 'release', 'c2')[0]!;
    expect(notifiesCausedBy(r, 'lock-0000000007').map((e) => e.fields?.['client'])).toEqual(['c1']);
    expect(timesOf(r, 'grant', 'c1')).toEqual([c2Release + 4]);
    // C3 watched C1's node (…0008); C4 watched C3's (…0009): no second node from C1.
    expect(notifiesCausedBy(r, 'lock-0000000008').map((e) => e.fields?.['client'])).toEqual(['c3']);
    expect(notifiesCausedBy(r, 'lock-0000000009').map((e) => e.fields?.['client'])).toEqual(['c4']);
    expect(grantOrder(r).slice(7)).toEqual(['c2', 'c1', 'c3', 'c4']);
    expect(r.violations).toEqual([]);
  });
});

describe('S13: the session expires while the partitioned holder still believes it holds the lock', () => {
  // Session timeout 30,000, pings every 1,000. C1 holds from 6; its last ping (sent 1,002) is
  // heard at 1,003 and answered at 1,004, then a partition cuts it from m1 until 60,000. The
  // server expires C1 at 31,003; C2, watching C1's node, holds the lock from 31,006. C1 writes
  // at 50,006.
  const world = (opts: { checkLease?: boolean; fencing?: boolean }): WorldSpec => ({
    protocol: zkProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 30_000, keepAliveMs: 1000, fencing: opts.fencing ?? false }),
    checkTokens: opts.fencing ?? false,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 50_000 }, { op: 'write', resource: 'file', checkLease: opts.checkLease ?? false }, unlockFile] },
      { id: 'c2', startMs: 100, steps: [lockFile, { op: 'work', ms: 1000 }, { op: 'write', resource: 'file' }, unlockFile] },
    ],
    faults: [cut([['c1'], ['m1']], 1005, 58_995)],
    durationMs: 70_000,
  });

  it('the naive holder writes at 50,006, after the server expired its session at 31,003 → stale-write', () => {
    const r = runTwice(world({}));
    expect(timesOf(r, 'grant', 'c1')).toEqual([6]);
    expect(eventsOf(r, 'expire', 'c1').map((e) => [e.tUs / 1000, e.node])).toEqual([[31_003, 'm1']]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([31_006]);
    expect(violated(r)).toEqual(['stale-write']);
    expect(r.violations[0]!.atUs).toBe(50_007_000);
    // C1 believes on; the overlap closes when C2 unlocks at 32,008.
    expect(r.observations.map((o) => [o.fromUs / 1000, o.toUs / 1000])).toEqual([[31_006, 32_008]]);
  });

  it('fix 1: a lease-checking holder (deadline = last acked ping sent at 1,002 + 30,000) skips the write → pass', () => {
    const r = runTwice(world({ checkLease: true }));
    expect(timesOf(r, 'lapse', 'c1')).toEqual([31_002]);
    expect(eventsOf(r, 'skip', 'c1').map((e) => e.fields?.['reason'])).toEqual(['lease-expired']);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });

  it('fix 2: fencing with the czxid: the storage rejects the stale token → no violation, but the overlap remains', () => {
    const r = runTwice(world({ fencing: true }));
    expect(eventsOf(r, 'grant').map((e) => [e.fields?.['client'], e.fields?.['token']])).toEqual([['c1', 1], ['c2', 2]]);
    expect(eventsOf(r, 'reject').map((e) => [e.fields?.['client'], e.fields?.['token'], e.fields?.['highest']])).toEqual([['c1', 1, 2]]);
    expect(r.violations).toEqual([]);
    expect(r.observations).toHaveLength(1);
  });
});

describe('S15 (etcd, modelled on the recipe): a waiter whose lease died while queued is told it holds the lock', () => {
  // Lease (session) 5,000 with keep-alives every 1,000; every client connects at 0. P1 (c1) holds
  // from 6 and dies at 15,010, so its lease runs out at 20,003. P2 (c2) queues at 10 and stalls
  // 20 → 20,050 (no keep-alives): its lease expires at 5,015 and its key is deleted. P3 (c3)
  // asks at 20,100.
  const world = (validityCheck: boolean): WorldSpec => ({
    protocol: zkProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 5000, keepAliveMs: 1000, validityCheck }),
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 30_000 }, unlockFile] },
      { id: 'c2', startMs: 10, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
      { id: 'c3', startMs: 20_100, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
    ],
    faults: [pause('c2', 20, 20_030), crash('c1', 15_010)],
    durationMs: 40_000,
  });

  it("pre-fix (validityCheck off, etcd's Mutex before #11456): P2 is told it holds at 20,052, P3 at 20,104 → mutual-exclusion", () => {
    const r = runTwice(world(false));
    expect(eventsOf(r, 'expire').map((e) => [e.tUs / 1000, e.fields?.['client']])).toEqual([[20_003, 'c1']]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([20_052]);
    expect(timesOf(r, 'grant', 'c3')).toEqual([20_104]);
    expect(violated(r)).toEqual(['mutual-exclusion']);
    expect(r.violations[0]!.atUs).toBe(20_104_000);
  });

  it('fix (validityCheck on): P2 learns its session expired and gets ABORTED at 20,052; P3 alone holds → pass', () => {
    const r = runTwice(world(true));
    expect(eventsOf(r, 'complete', 'c2').map((e) => [e.tUs / 1000, e.fields?.['status']])).toEqual([[20_052, 'ABORTED']]);
    expect(eventsOf(r, 'grant', 'c2')).toEqual([]);
    expect(timesOf(r, 'grant', 'c3')).toEqual([20_104]);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });
});
