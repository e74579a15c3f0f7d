/**
 * etcd's lock (protocol `etcd`) against hand-built timelines: waiters granted in create-revision
 * order with the revision as token, each deletion waking only the next waiter, a lost transaction
 * reply retried without a second key, a waiter whose lease ended in the queue (etcd issues 9921 /
 * 11456), and a paused holder against the storage's token check. Fixed latency 1 ms unless said;
 * each world runs twice and must give the same trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../../src/clients/index.js';
import { etcdProtocol } from '../../../src/protocols/index.js';
import { dropWindow, eventsOf, pause, runTwice, serviceOptions, timesOf, violated, type WorldClient, type WorldSpec } from '../world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };

function grants(r: ReturnType<typeof runTwice>): Array<[string, unknown]> {
  return eventsOf(r, 'grant').map((e) => [String(e.fields?.['client']), e.fields?.['token']]);
}

function sends(r: ReturnType<typeof runTwice>, node: string, msg: string): number {
  return r.events.filter((e) => e.type === 'send' && e.node === node && e.fields?.['msg'] === msg).length;
}

describe('etcd lock: order, tokens and watches', () => {
  const queue = (n: number): WorldSpec => ({
    protocol: etcdProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 30_000, keepAliveMs: 10_000, fencing: true }),
    clients: Array.from({ length: n }, (_, i): WorldClient => ({ id: `c${i}`, startMs: i * 10, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] })),
    durationMs: 20_000,
  });

  for (const n of [2, 4, 6]) {
    it(`${n} clients queued 10 ms apart are granted in order, tokens the create revisions 1..${n}, each release waking one waiter`, () => {
      const r = runTwice(queue(n));
      expect(grants(r)).toEqual(Array.from({ length: n }, (_, i) => [`c${i}`, i + 1]));
      expect(eventsOf(r, 'notify').map((e) => e.fields?.['client'])).toEqual(Array.from({ length: n - 1 }, (_, i) => `c${i + 1}`));
      expect(r.violations).toEqual([]);
    });
  }

  it('a lost transaction reply is retried on the same key: no second key, the next waiter gets revision 2', () => {
    // c0's lease is granted at t = 2; its txn reaches m1 at t = 3 and the reply, sent then, is dropped.
    const r = runTwice({
      ...queue(2),
      clients: [
        { id: 'c0', steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
        { id: 'c1', startMs: 500, steps: [lockFile, unlockFile] },
      ],
      faults: [dropWindow('m1', 'c0', 2.5, 1)],
    });
    expect(sends(r, 'c0', 'etcd.lock-txn')).toBe(2);
    expect(grants(r)).toEqual([['c0', 1], ['c1', 2]]);
    expect(r.violations).toEqual([]);
  });
});

describe('etcd issue 9921: a waiter whose lease ends in the queue', () => {
  // p1 holds 20 s; p2 queues at 500 with a 5 s lease and is paused 600..6,600; p3 asks at 20,100.
  const spec = (validityCheck: boolean): WorldSpec => ({
    protocol: etcdProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 5000, keepAliveMs: 1000, validityCheck }),
    clients: [
      { id: 'p1', steps: [lockFile, { op: 'work', ms: 20_000 }, unlockFile] },
      { id: 'p2', startMs: 500, steps: [lockFile, { op: 'write', resource: 'file', value: 'p2' }, { op: 'work', ms: 1000 }, unlockFile] },
      { id: 'p3', startMs: 20_100, steps: [lockFile, { op: 'write', resource: 'file', value: 'p3' }, unlockFile] },
    ],
    faults: [pause('p2', 600, 6000)],
    durationMs: 40_000,
  });

  it('without the check (before etcd #11456) p2 is told it holds the lock after p1 unlocks, and p3 holds it too', () => {
    const r = runTwice(spec(false));
    expect(grants(r).map(([c]) => c)).toEqual(['p1', 'p2', 'p3']);
    expect(violated(r)).toEqual(['mutual-exclusion']);
  });

  it('with the check p2 learns at its first keep-alive after the pause that its lease ended and gives up; p3 alone holds it', () => {
    const r = runTwice(spec(true));
    const aborted = eventsOf(r, 'complete', 'p2').filter((e) => e.fields?.['status'] === 'ABORTED');
    expect(aborted).toHaveLength(1);
    expect(aborted[0]!.tUs / 1000).toBeGreaterThan(6600);
    expect(aborted[0]!.tUs / 1000).toBeLessThan(6610);
    expect(grants(r).map(([c]) => c)).toEqual(['p1', 'p3']);
    expect(r.violations).toEqual([]);
  });
});

describe("Jepsen's etcd 3.4.3 lock test: a holder paused past its 2 s lease", () => {
  const spec = (fenced: boolean): WorldSpec => ({
    protocol: etcdProtocol,
    managers: 1,
    options: serviceOptions({ leaseMs: 2000, keepAliveMs: 667, fencing: fenced }),
    checkTokens: fenced,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'read', resource: 'file' }, { op: 'work', ms: 1000 }, { op: 'write', resource: 'file', value: '{x1}' }, unlockFile] },
      { id: 'c2', startMs: 100, steps: [lockFile, { op: 'write', resource: 'file', value: '{x2}' }, unlockFile] },
    ],
    faults: [pause('c1', 50, 3000)],
    durationMs: 10_000,
  });

  it("the store expires c1's lease 2,000 ms after its last keep-alive was heard and c2 is granted; c1's late write lands", () => {
    const r = runTwice(spec(false));
    const [expiredAt] = timesOf(r, 'expire', 'c1');
    expect(expiredAt).toBeGreaterThan(2000);
    expect(expiredAt).toBeLessThan(2010);
    expect(grants(r).map(([c]) => c)).toEqual(['c1', 'c2']);
    expect(violated(r)).toEqual(['stale-write']);
  });

  it("with the create revision as token and a checking storage, c1's write (token 1 after c2's 2) is rejected", () => {
    const r = runTwice(spec(true));
    expect(grants(r)).toEqual([['c1', 1], ['c2', 2]]);
    expect(eventsOf(r, 'reject', 'c1').map((e) => [e.fields?.['token'], e.fields?.['highest']])).toEqual([[1, 2]]);
    expect(r.violations).toEqual([]);
  });

  it('a holder paused with its grant in flight: the store traced the grant when it made it, so token 1 precedes token 2 and fencing holds', () => {
    // c1's transaction reaches m1 at t = 3 (the store grants it token 1 then); the reply arrives at
    // t = 4, while c1 is paused (3.5 .. 3,003.5), so c1 learns of its grant after its lease ended.
    const r = runTwice({ ...spec(true), faults: [pause('c1', 3.5, 3000)] });
    const grantEvents = eventsOf(r, 'grant');
    expect(grantEvents.map((e) => [e.node, e.fields?.['client'], e.fields?.['token']])).toEqual([['m1', 'c1', 1], ['m1', 'c2', 2]]);
    expect(grantEvents[0]!.tUs).toBe(3000);
    const [expiredAt] = timesOf(r, 'expire', 'c1');
    expect(expiredAt).toBeLessThan(grantEvents[1]!.tUs / 1000);
    const learnedAt = eventsOf(r, 'complete', 'c1').filter((e) => e.fields?.['status'] === 'GRANTED').map((e) => e.tUs / 1000);
    expect(learnedAt).toEqual([3003.5]);
    expect(eventsOf(r, 'reject', 'c1').map((e) => [e.fields?.['token'], e.fields?.['highest']])).toEqual([[1, 2]]);
    expect(r.violations).toEqual([]);
  });
});
