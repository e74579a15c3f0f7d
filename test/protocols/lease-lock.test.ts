/**
 * The single-instance lease lock (`SET key value NX PX ttl`) against pitfalls S08, and the
 * instance's own rules: it decides the grants, so its `grant` / `expire` / `release` events are
 * what the checkers judge. Fixed latency 1 ms; each world runs twice with the same trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../src/clients/index.js';
import { leaseLockProtocol } from '../../src/protocols/index.js';
import { crash, eventsOf, jump, pause, runTwice, serviceOptions, timesOf, violated, type WorldSpec } from './world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };
const write: ClientStep = { op: 'write', resource: 'file' };

describe('S08: releasing someone else\'s lock with a plain DEL; compare-and-delete fixes it', () => {
  // PX 30,000. A (c1) takes the key at 0 and works 35,000; the key expires at 30,001. B (c2)
  // takes it at 31,001 and believes until 61,000. A's DEL at 35,002 hits B's key. C (c3) asks at
  // 36,000. B writes at 41,003.
  const world = (release: 'del' | 'compare-and-delete'): WorldSpec => ({
    protocol: leaseLockProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 30_000, release }),
    clients: [
      // A checks its lease before writing (the write is skipped): its belief ends at 30,000.
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 35_000 }, { ...write, checkLease: true }, unlockFile] },
      { id: 'c2', startMs: 31_000, steps: [lockFile, { op: 'work', ms: 10_000 }, write, unlockFile] },
      { id: 'c3', startMs: 36_000, steps: [lockFile, { op: 'work', ms: 1000 }, write, unlockFile] },
    ],
    durationMs: 70_000,
  });

  it("plain DEL: A deletes B's key at 35,003 (the instance ends B's grant), C gets it at 36,001 while B believes → stale-write, belief-overlap", () => {
    const r = runTwice(world('del'));
    expect(eventsOf(r, 'expire').map((e) => [e.tUs / 1000, e.node, e.fields?.['client']])).toEqual([[30_001, 'm1', 'c1']]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([31_001]);
    // The DEL came from c1 but removed c2's key: the release is c2's.
    expect(eventsOf(r, 'release').map((e) => [e.tUs / 1000, e.node, e.fields?.['client']])).toEqual([
      [35_003, 'm1', 'c2'],
      [37_005, 'm1', 'c3'],
    ]);
    expect(timesOf(r, 'grant', 'c3')).toEqual([36_001]);
    // Judged by the instance's grants, mutual exclusion holds (INV-ME-grant); the damage is B's
    // write after its key was gone, and the overlap of beliefs (INV-ME-belief).
    expect(violated(r)).toEqual(['stale-write']);
    expect(r.violations[0]!.nodes[0]).toBe('c2');
    expect(r.violations[0]!.atUs).toBe(41_003_000);
    expect(r.observations.map((o) => [o.fromUs / 1000, o.toUs / 1000, [...o.nodes]])).toEqual([[36_002, 37_004, ['c2', 'c3']]]);
  });

  it("compare-and-delete: A's release returns 0, B keeps the key, C waits until B unlocks → pass", () => {
    const r = runTwice(world('compare-and-delete'));
    expect(eventsOf(r, 'release').map((e) => e.fields?.['client'])).toEqual(['c2', 'c3']);
    expect(timesOf(r, 'release', 'c2')).toEqual([41_005]);
    expect(timesOf(r, 'grant', 'c3')[0]!).toBeGreaterThan(41_005);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });
});

describe('lease-lock instance rules', () => {
  it('fencing: each grant INCRs the key\'s counter; a paused holder\'s late write is rejected by the storage', () => {
    const r = runTwice({
      protocol: leaseLockProtocol,
      managers: 1,
      options: serviceOptions({ leaseMs: 10_000, fencing: true }),
      checkTokens: true,
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 100 }, write, unlockFile] },
        { id: 'c2', startMs: 10_100, steps: [lockFile, write, unlockFile] },
      ],
      faults: [pause('c1', 50, 15_000)],
      durationMs: 30_000,
    });
    expect(eventsOf(r, 'grant').map((e) => [e.fields?.['client'], e.fields?.['token']])).toEqual([['c1', 1], ['c2', 2]]);
    expect(eventsOf(r, 'reject').map((e) => [e.fields?.['client'], e.fields?.['token'], e.fields?.['highest']])).toEqual([['c1', 1, 2]]);
    expect(r.violations).toEqual([]);
  });

  it('crash without persistence: the restart purges the lost grant, and the token counter restarts → fencing', () => {
    const world = (persistence: 'none' | 'fsync'): WorldSpec => ({
      protocol: leaseLockProtocol,
      managers: 1,
      options: serviceOptions({ leaseMs: 10_000, fencing: true, persistence }),
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 20_000 }, unlockFile] },
        { id: 'c2', startMs: 2000, steps: [lockFile, unlockFile] },
      ],
      faults: [crash('m1', 1000, 500)],
      durationMs: 30_000,
    });
    const lost = runTwice(world('none'));
    expect(eventsOf(lost, 'release').map((e) => [e.tUs / 1000, e.fields?.['client'], e.fields?.['reason']])[0]).toEqual([1500, 'c1', 'purge']);
    expect(eventsOf(lost, 'grant').map((e) => [e.tUs / 1000, e.fields?.['client'], e.fields?.['token']])).toEqual([
      [1, 'c1', 1],
      [2001, 'c2', 1],
    ]);
    expect(violated(lost)).toEqual(['fencing']);

    // With fsync the key and the counter survive: c2 waits for the key to expire at 10,001.
    const kept = runTwice(world('fsync'));
    expect(eventsOf(kept, 'expire').map((e) => [e.tUs / 1000, e.fields?.['client']])).toEqual([[10_001, 'c1']]);
    const c2 = eventsOf(kept, 'grant', 'c2');
    expect(c2.map((e) => e.fields?.['token'])).toEqual([2]);
    expect(c2[0]!.tUs).toBeGreaterThan(10_001_000);
    expect(kept.violations).toEqual([]);
  });

  it('a SET landing on the very instant a wall jump expires the key waits for the expire: expire is traced before the grant', () => {
    // A's key is set at 1 and expires at wall 10,001. At 5,000 the instance's wall clock jumps
    // +5,001, so the key expires at 5,000 — the same instant B's SET (sent at 4,999) arrives.
    const r = runTwice({
      protocol: leaseLockProtocol,
      managers: 1,
      options: serviceOptions({ leaseMs: 10_000, expiryClock: 'wall' }),
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 20_000 }, unlockFile] },
        { id: 'c2', startMs: 4999, steps: [lockFile, unlockFile] },
      ],
      faults: [jump('m1', 5000, 5001)],
      durationMs: 30_000,
    });
    const ends = r.lockEvents.filter((e) => (e.type === 'expire' || e.type === 'grant') && e.tUs === 5_000_000);
    expect(ends.map((e) => [e.type, e.fields?.['client']])).toEqual([
      ['expire', 'c1'],
      ['grant', 'c2'],
    ]);
    expect(violated(r)).toEqual([]);
  });

  it('NOQUEUE, a SET reply lost to a partition, and INVALID_ARG', () => {
    const r = runTwice({
      protocol: leaseLockProtocol,
      managers: 1,
      options: serviceOptions({ leaseMs: 5000, retryDelayMs: 10 }),
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
        { id: 'c2', startMs: 100, steps: [{ ...lockFile, flags: ['NOQUEUE'], onFail: 'continue' }, { op: 'lock', resource: 'x', mode: 'PW', onFail: 'continue' }] },
      ],
      durationMs: 10_000,
    });
    expect(eventsOf(r, 'complete', 'c2').map((e) => [e.tUs / 1000, e.fields?.['resource'], e.fields?.['status']])).toEqual([
      [102, 'file', 'NOTQUEUED'],
      [102, 'x', 'INVALID_ARG'],
    ]);
    expect(r.violations).toEqual([]);
  });
});
