/**
 * The zk client's connection states (`connectionStates`, pitfalls S14, CURATOR-460) against a
 * hand-built timeline: session timeout 15,000, pings every 5,000, fixed latency 1 ms. c1 holds
 * the lock from the start; a partition cuts it from m1 at 1,000. Times are measured from the last
 * message c1 heard from m1, read off the trace; each world runs twice and must give the same hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../src/clients/index.js';
import type { ServiceOptions } from '../../src/protocols/contract.js';
import { zkProtocol } from '../../src/protocols/index.js';
import { cut, eventsOf, runTwice, serviceOptions, timesOf, violated, type WorldSpec } from './world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };
const checkedWrite = (value: string): ClientStep => ({ op: 'write', resource: 'file', value, checkLease: true });

type Run = ReturnType<typeof runTwice>;

const world = (connectionStates: ServiceOptions['connectionStates'], partitionForMs: number): WorldSpec => ({
  protocol: zkProtocol,
  managers: 1,
  options: serviceOptions({ leaseMs: 15_000, keepAliveMs: 5000, connectionStates }),
  clients: [
    {
      id: 'c1',
      steps: [lockFile, { op: 'work', ms: 16_000 }, checkedWrite('c1-16s'), { op: 'work', ms: 10_000 }, checkedWrite('c1-26s'), unlockFile],
    },
    { id: 'c2', startMs: 5000, steps: [lockFile, checkedWrite('c2'), unlockFile] },
  ],
  faults: [cut([['c1'], ['m1']], 1000, partitionForMs)],
  durationMs: 60_000,
});

/** When c1 last heard from m1 before the partition, ms. */
function lastHeardMs(r: Run): number {
  const heard = r.events.filter((e) => e.type === 'deliver' && e.fields?.['to'] === 'c1' && e.fields?.['from'] === 'm1' && e.tUs < 1_000_000);
  return heard.at(-1)!.tUs / 1000;
}

function states(r: Run): Array<[number, unknown]> {
  return eventsOf(r, 'connection', 'c1').map((e) => [e.tUs / 1000, e.fields?.['state']]);
}

describe('zk connection states under a partition that outlasts the session', () => {
  it("'lost-after-suspended' (before CURATOR-460): SUSPENDED at 2/3 of the timeout, LOST a whole timeout later; c1 writes after the server expired it", () => {
    const r = runTwice(world('lost-after-suspended', 40_000));
    const heard = lastHeardMs(r);
    expect(states(r)).toEqual([
      [heard + 10_000, 'SUSPENDED'],
      [heard + 25_000, 'LOST'],
    ]);
    const expiry = timesOf(r, 'expire', 'c1')[0]!;
    expect(expiry).toBeLessThan(heard + 15_000);
    expect(expiry).toBeGreaterThan(heard + 14_990);
    // The write at ≈ 16,000 is accepted (stale); by ≈ 26,000 c1 has gone LOST and skips.
    expect(eventsOf(r, 'write').map((e) => e.fields?.['client'])).toEqual(['c2', 'c1']);
    expect(eventsOf(r, 'skip', 'c1').map((e) => e.fields?.['reason'])).toEqual(['lease-expired']);
    expect(violated(r)).toEqual(['stale-write']);
  });

  it("'suspended-is-loss' (the fix): c1's trust ends at SUSPENDED, before the server's expiry; it skips both writes, and is LOST when the server says so after the heal", () => {
    const r = runTwice(world('suspended-is-loss', 40_000));
    const heard = lastHeardMs(r);
    const told = r.events.find((e) => e.type === 'deliver' && e.fields?.['to'] === 'c1' && e.fields?.['msg'] === 'zk.expired')!.tUs / 1000;
    expect(told).toBeGreaterThan(41_000);
    expect(states(r)).toEqual([
      [heard + 10_000, 'SUSPENDED'],
      [told, 'LOST'],
    ]);
    expect(timesOf(r, 'lapse', 'c1')).toEqual([heard + 10_000]);
    expect(eventsOf(r, 'skip', 'c1')).toHaveLength(2);
    expect(r.violations).toEqual([]);
  });

  it("'none': no connection events; c1 trusts its lock for a session timeout from its last answered request", () => {
    const r = runTwice(world('none', 40_000));
    expect(states(r)).toEqual([]);
    expect(eventsOf(r, 'skip', 'c1')).toHaveLength(2);
    expect(r.violations).toEqual([]);
  });
});

describe('zk connection states when the partition heals before the session expires', () => {
  it('SUSPENDED at 2/3 of the timeout, RECONNECTED at the first answered ping; no LOST, and the lock is kept', () => {
    const r = runTwice(world('lost-after-suspended', 11_000));
    const heard = lastHeardMs(r);
    const reconnected = r.events.find((e) => e.type === 'deliver' && e.fields?.['to'] === 'c1' && e.tUs > 12_000_000)!.tUs / 1000;
    expect(states(r)).toEqual([
      [heard + 10_000, 'SUSPENDED'],
      [reconnected, 'RECONNECTED'],
    ]);
    expect(eventsOf(r, 'expire')).toEqual([]);
    expect(eventsOf(r, 'grant').map((e) => e.fields?.['client'])).toEqual(['c1', 'c2']);
    expect(r.violations).toEqual([]);
  });
});
