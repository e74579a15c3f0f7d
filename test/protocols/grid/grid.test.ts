/**
 * The AP data-grid lock (protocol `grid`, pitfalls S17) against hand-built timelines: forwarding
 * to the oldest member, a partition that lets each side grant, the merge at heal (a conflicting
 * grant superseded, a lone one adopted), and a member that restarts with a grant its stand-in has
 * since released. Fixed latency 1 ms; heartbeats every 1 s, a member gone after 5 s of silence;
 * each world runs twice and must give the same trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../../src/clients/index.js';
import { gridProtocol } from '../../../src/protocols/index.js';
import { gridSettings } from '../../../src/protocols/grid/index.js';
import { crash, cut, eventsOf, runTwice, serviceOptions, violated, type WorldSpec } from '../world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };
const work = (ms: number): ClientStep => ({ op: 'work', ms });
const write = (value: string): ClientStep => ({ op: 'write', resource: 'file', value });

type Run = ReturnType<typeof runTwice>;

/** [node that traced it, client] of every grant, in order. */
function grants(r: Run): Array<[string, unknown]> {
  return eventsOf(r, 'grant').map((e) => [e.node, e.fields?.['client']]);
}

function releases(r: Run): Array<[unknown, unknown]> {
  return eventsOf(r, 'release').map((e) => [e.fields?.['client'], e.fields?.['reason']]);
}

// Clients are homed in order: the first on m1, the second on m2, the third on m3.
const world = (clients: WorldSpec['clients'], extra: Partial<WorldSpec> = {}): WorldSpec => ({
  protocol: gridProtocol,
  managers: 3,
  options: serviceOptions({ heartbeatMs: 1000, failureTimeoutMs: 5000, retryDelayMs: 200 }),
  clients,
  durationMs: 60_000,
  ...extra,
});

describe('grid lock without faults', () => {
  it('every request is decided by m1, the oldest member, whichever member the client asks; one holder at a time, in retry order', () => {
    const r = runTwice(
      world([
        { id: 'a', steps: [lockFile, work(1000), write('a'), unlockFile] },
        { id: 'b', startMs: 10, steps: [lockFile, work(1000), write('b'), unlockFile] },
        { id: 'c', startMs: 20, steps: [lockFile, work(1000), write('c'), unlockFile] },
      ]),
    );
    // Refused requests retry after a random delay, so the order is not the order of asking (no fairness, as in Hazelcast).
    expect(grants(r)).toEqual([['m1', 'a'], ['m1', 'c'], ['m1', 'b']]);
    expect(releases(r)).toEqual([['a', 'unlock'], ['c', 'unlock'], ['b', 'unlock']]);
    expect(r.events.filter((e) => e.type === 'send' && e.fields?.['msg'] === 'grid.lock' && e.node === 'm3').length).toBeGreaterThan(0);
    expect(r.violations).toEqual([]);
  });
});

describe('grid lock under a partition', () => {
  // c (home m3) takes the lock at t ≈ 0 through m1; at 1,000 m3 and c are cut off until 21,000. A member
  // believed gone is sent a heartbeat every 5 s (at 20,000, 25,000, ...), so the sides find each other at 25,000.
  // b asks nothing; it is there so that c's home is m3.
  it('each side grants: m1 drops c\'s lock when m3 looks gone and grants a; at heal m3 hands over and c\'s grant is superseded', () => {
    const spec = world(
      [
        { id: 'a', startMs: 2000, steps: [lockFile, write('a'), work(30_000), unlockFile] },
        { id: 'b', startMs: 59_000, steps: [{ op: 'sleep', ms: 1 }] },
        { id: 'c', steps: [lockFile, work(25_000), write('c'), unlockFile] },
      ],
      { faults: [cut([['m1', 'm2', 'a', 'b'], ['m3', 'c']], 1000, 20_000)] },
    );
    const r = runTwice(spec);
    expect(grants(r)).toEqual([['m1', 'c'], ['m1', 'a']]);
    const aGrant = eventsOf(r, 'grant', 'a')[0]!.tUs / 1000;
    // m1 last heard m3's heartbeat of t = 0; m3 counts as gone at the first tick 5 s later.
    expect(aGrant).toBeGreaterThan(5000);
    expect(aGrant).toBeLessThan(7000);
    expect(eventsOf(r, 'grid-primary').map((e) => [e.node, e.fields?.['primary']])).toEqual([['m3', 'm3'], ['m3', 'm1']]);
    expect(releases(r)).toEqual([['c', 'superseded'], ['a', 'unlock']]);
    const superseded = eventsOf(r, 'release', 'c')[0]!;
    expect(superseded.node).toBe('m1');
    expect(superseded.tUs / 1000).toBeGreaterThan(25_000);
    expect(superseded.tUs / 1000).toBeLessThan(25_010);
    // c writes at ≈ 25,001, after its grant was superseded: a stale write beside the double grant.
    expect(violated(r)).toEqual(['mutual-exclusion', 'stale-write']);
  });

  it('a grant made on the minority side alone is adopted at the merge: a waits until c unlocks', () => {
    const r = runTwice(
      world(
        [
          { id: 'a', startMs: 26_000, steps: [lockFile, write('a'), unlockFile] },
          { id: 'b', startMs: 59_000, steps: [{ op: 'sleep', ms: 1 }] },
          { id: 'c', startMs: 8000, steps: [lockFile, work(20_000), write('c'), unlockFile] },
        ],
        { faults: [cut([['m1', 'm2', 'a', 'b'], ['m3', 'c']], 1000, 20_000)] },
      ),
    );
    expect(grants(r)).toEqual([['m3', 'c'], ['m1', 'a']]);
    const cRelease = eventsOf(r, 'release', 'c')[0]!;
    expect(cRelease.node).toBe('m1');
    expect(cRelease.fields?.['reason']).toBe('unlock');
    expect(eventsOf(r, 'grant', 'a')[0]!.tUs).toBeGreaterThan(cRelease.tUs);
    expect(r.violations).toEqual([]);
  });
});

describe('grid member restart', () => {
  it('m1 restarts with b\'s grant on disk; m2, which stood in and released it, hands the release over, and c is granted', () => {
    const r = runTwice(
      world([
        { id: 'a', startMs: 59_000, steps: [{ op: 'sleep', ms: 1 }] },
        { id: 'b', steps: [lockFile, work(8000), unlockFile] },
        { id: 'c', startMs: 15_000, steps: [lockFile, write('c'), unlockFile] },
      ], { faults: [crash('m1', 1000, 10_000)] }),
    );
    expect(grants(r)).toEqual([['m1', 'b'], ['m1', 'c']]);
    expect(eventsOf(r, 'release').map((e) => [e.node, e.fields?.['client'], e.fields?.['reason']])).toEqual([
      ['m2', 'b', 'unlock'],
      ['m1', 'c', 'unlock'],
    ]);
    expect(eventsOf(r, 'grant', 'c')[0]!.tUs / 1000).toBeLessThan(15_100);
    expect(r.violations).toEqual([]);
  });
});

describe('grid settings', () => {
  it('refuses a single member and a failure timeout not above the heartbeat period', () => {
    expect(() => gridSettings(['m1'], serviceOptions())).toThrow('lockstep grid: needs at least two members, got 1');
    expect(() => gridSettings(['m1', 'm2'], serviceOptions({ heartbeatMs: 1000, failureTimeoutMs: 1000 }))).toThrow(
      'lockstep grid: failureTimeoutMs (1000) must exceed heartbeatMs (1000)',
    );
  });
});
