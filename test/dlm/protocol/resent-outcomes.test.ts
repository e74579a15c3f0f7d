/**
 * A request that reaches its master again after the lock has moved on: the master answers a
 * repeated request by re-sending the outcome it recorded, and its copy holder applies an outcome
 * as the lock's state. Re-sent after a later one, an old GRANTED made the copy again, granted, on
 * the holder that had let it go at the client's unlock (it reads a missing copy as version 0).
 * Driven here on purpose: c1's home m1 masters `a`, so its copies sit on m1's buddy, which moves
 * from m3 to m2 and back while m1 → m3 drops everything, and the request c1 sent through m3 comes
 * out of that link after c1 has unlocked.
 */
import { describe, expect, it } from 'vitest';
import { pick, runTwice, scenario, sends, timeline } from './world.js';

const input = scenario({
  managers: 5,
  clients: [
    {
      id: 'c1',
      home: 'm1',
      steps: [
        { op: 'lock', resource: 'a', mode: 'EX' },
        { op: 'unlock', resource: 'a' },
        { op: 'sleep', ms: 7000 },
        { op: 'lock', resource: 'a', mode: 'EX' },
        { op: 'work', ms: 100 },
        { op: 'unlock', resource: 'a' },
      ],
    },
  ],
  faults: [
    { atMs: 1000, kind: 'crash', node: 'm2', restartAfterMs: 7100 },
    { atMs: 6500, kind: 'drop', from: 'm1', to: 'm3', forMs: 3000 },
    { atMs: 12_000, kind: 'crash', node: 'm1' },
  ],
});

describe('a repeated request whose lock has moved on since its outcome', () => {
  // m1 masters a from c1's first lock (35 ms). m2 is down from 1,000 ms, so from 6,000 ms m1's
  // buddy, and c1's copy holder, is m3; c1's second lock goes to m3 at 7,085 ms, where m1 → m3
  // drops it until 9,500 ms. m2 is back at 8,100 ms and is the buddy again: m1 sends the request
  // through m2 (8,105 ms), grants it (token 2), and c1 unlocks at 8,230 ms: m2 lets its copy go
  // (version 4). At 10,050 ms m1's link to m3 retransmits the request; m3 passes it to m1
  // (10,055 ms), a repeat. m1 re-sent its GRANTED (version 3) to m2, which made c1's copy again,
  // EX: after m1's crash (12,000 ms) m2, adopting c1's session, found c1 holding an EX it did not
  // believe it held and ended the session (a purge at 16,100 ms), and m2's rebuild of a ended the
  // ghost (`expire` at 17,015 ms). The outcome is no longer re-sent: the lock has changed since.
  it('re-sends nothing to m2, which keeps no copy: c1 keeps its session and nobody ends a lock on a', () => {
    const { result, events } = runTwice(input);
    expect(result.violations).toEqual([]);
    expect(sends(events, 'mreq', 'm3', 'm1').map((e) => e.t)).toEqual([10_055]);
    expect(sends(events, 'mout', 'm1', 'm2').map((e) => e.t)).toEqual([35, 65, 8115, 8245]);
    expect(timeline(events, 'a')).toEqual([
      '35 m1 grant client=c1 mode=EX token=1',
      '65 m1 release client=c1 reason=unlock',
      '8115 m1 grant client=c1 mode=EX token=2',
      '8245 m1 release client=c1 reason=unlock',
    ]);
    expect(sends(events, 'purge')).toEqual([]);
    expect(sends(events, 'ka-ack', 'm2', 'c1').map((e) => e.t)[0]).toBe(16_100);
    expect(pick(events, 'dlm-view', { view: 'm2@1000,m3@0,m4@0,m5@0' }).map((e) => `${e.t} ${e.node}`)).toEqual(['16100 m2', '17000 m3', '17000 m4', '17000 m5']);
    expect(result.traceHash).toBe('193d0f8f815ce06a');
  });
});
