/**
 * The DLM protocol end to end through the world builder: directory, mastery by the first
 * requester's home, routing of requests between managers, copy holders, fencing tokens, and the
 * lock operations' statuses. Latency is a fixed 5 ms, so every instant below is a sum of hops.
 */
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../../src/dlm/protocol/index.js';
import { outcomes, pick, runTwice, scenario, sends, timeline } from './world.js';

describe('lock and unlock across managers', () => {
  const input = scenario({
    clients: [
      { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'work', ms: 100 }, { op: 'unlock', resource: 'r' }] },
      { id: 'c2', home: 'm2', startMs: 50, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
    ],
    durationMs: 2000,
  });

  it('masters r on the first requester home, routes the other home to it, and hands out tokens 1 and 2', () => {
    const { result, events } = runTwice(input);
    expect(result.ok).toBe(true);
    // c1's session opens by 20 ms (KeepAlive 5, adoption round trip to m2/m3 15, ack 20); its
    // request reaches m1 at 25, m1 asks r's directory node (30, answer 35) and becomes master;
    // being c1's home too, m1 keeps the lock's copy on its buddy m2 (chop 40, mreq back 45).
    expect(timeline(events, 'r')).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '60 m1 enqueue client=c2 mode=EX queue=waiting',
      '175 m1 release client=c1 reason=unlock',
      '175 m1 grant client=c2 mode=EX token=2',
      '195 m1 release client=c2 reason=unlock',
    ]);
    expect(outcomes(events, 'c1')).toEqual(['60 r GRANTED EX token=1', '190 r UNLOCKED']);
    expect(outcomes(events, 'c2')).toEqual(['185 r GRANTED EX token=2', '205 r UNLOCKED']);
  });

  it('asks the directory node FNV-1a(name) mod live count, and sends c2 requests from m2 to the master m1', () => {
    const { events } = runTwice(input);
    const dir = `m${(fnv1a32('r') % 3) + 1}`;
    expect(dir).toBe('m3');
    expect(sends(events, 'lookup', 'm1').map((e) => [e.t, e.f.to])).toEqual([[25, 'm3']]);
    // c1's requests, on m1 itself, are recorded by the buddy m2 before m1 acts on them: chop
    // m1 → m2 (35, 165), then m2 forwards them to the master (40, 170). c2's home m2 is its own
    // copy holder (the master is elsewhere): its lock and unlock go m2 → m1 at 55 and 190.
    expect(sends(events, 'chop', 'm1', 'm2').map((e) => e.t)).toEqual([35, 165]);
    expect(sends(events, 'mreq', 'm2', 'm1').map((e) => e.t)).toEqual([40, 55, 170, 190]);
  });
});

describe('lock operations through the protocol', () => {
  it('answers NOQUEUE, cancel, a down-conversion and a refused up-conversion with the lock space statuses', () => {
    const { result, events } = runTwice(
      scenario({
        clients: [
          {
            id: 'c1',
            home: 'm1',
            steps: [
              { op: 'lock', resource: 'r', mode: 'EX' },
              { op: 'sleep', ms: 300 },
              { op: 'convert', resource: 'r', mode: 'PR' },
              { op: 'sleep', ms: 300 },
              { op: 'unlock', resource: 'r' },
            ],
          },
          {
            id: 'c2',
            home: 'm2',
            startMs: 100,
            steps: [
              { op: 'lock', resource: 'r', mode: 'EX', flags: ['NOQUEUE'], onFail: 'continue' },
              { op: 'lock', resource: 'r', mode: 'PR', wait: false },
              { op: 'cancel', resource: 'r' },
              { op: 'lock', resource: 'r', mode: 'PR' },
              { op: 'convert', resource: 'r', mode: 'EX', flags: ['NOQUEUE'], onFail: 'continue' },
              { op: 'unlock', resource: 'r' },
            ],
          },
        ],
        durationMs: 2000,
      }),
    );
    expect(result.violations).toEqual([]);
    expect(outcomes(events, 'c2')).toEqual([
      '120 r NOTQUEUED',
      '140 r ABORTED',
      '385 r GRANTED PR',
      '405 r NOTQUEUED PR',
      '425 r UNLOCKED',
    ]);
    expect(outcomes(events, 'c1')).toEqual(['60 r GRANTED EX token=1', '390 r GRANTED PR', '720 r UNLOCKED']);
    expect(timeline(events, 'r')).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '130 m1 enqueue client=c2 mode=PR queue=waiting',
      '130 m1 dequeue client=c2 reason=cancel',
      '150 m1 enqueue client=c2 mode=PR queue=waiting',
      '375 m1 grant client=c1 mode=PR',
      '375 m1 grant client=c2 mode=PR',
      '415 m1 release client=c2 reason=unlock',
      '705 m1 release client=c1 reason=unlock',
    ]);
  });
});

describe('reliable delivery over a lossy, duplicating, reordering network', () => {
  it('answers every request exactly once and keeps every invariant', () => {
    const clients = ['c1', 'c2', 'c3', 'c4'].map((id, i) => ({
      id,
      repeat: 15,
      steps: [
        { op: 'lock' as const, resource: i % 2 === 0 ? 'a' : 'b', mode: 'EX' as const, flags: ['VALBLK' as const] },
        { op: 'work' as const, ms: 3 },
        { op: 'write' as const, resource: i % 2 === 0 ? 'a' : 'b', value: id },
        { op: 'unlock' as const, resource: i % 2 === 0 ? 'a' : 'b', flags: ['VALBLK' as const], value: `${id}` },
      ],
    }));
    const input = scenario({
      managers: 3,
      lockService: { leaseMs: 10_000, keepAliveMs: 2000, fencing: true },
      storage: { checkTokens: true },
      network: { latencyMs: [1, 20], dropRate: 0.2, duplicateRate: 0.2, fifo: false },
      clients,
      durationMs: 60_000,
    });
    for (const seed of [1, 2, 3]) {
      const { result, events } = runTwice(input, seed);
      expect(result.violations).toEqual([]);
      for (const { id } of clients) {
        const requests = pick(events, 'request', { client: id }).length;
        expect(requests).toBe(30);
        expect(pick(events, 'complete', { client: id }).length).toBe(requests);
        expect(pick(events, 'complete', { client: id, status: 'GRANTED' }).length).toBe(15);
      }
      expect(pick(events, 'drop').length).toBeGreaterThan(0);
    }
  });
});
