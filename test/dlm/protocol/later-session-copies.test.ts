/**
 * A request of a later session rides on the copy of the earlier session's lock, and a rebuild
 * replays it (issue 12, liveness).
 *
 * A copy holder keeps the copy of a purged session's lock, marked lost, until the master confirms
 * the lock's end: should the master die first, the copy is what tells the next master to end it.
 * Copies are kept by client and resource, so the client's next session's request on the same
 * resource lands on that copy. The copy holder used to make the copy the new session's, keeping
 * the old lock's grant and its `lost` mark: the rebuild then took the new request for one of a
 * session that is over, replayed nothing of it, ended the lock as the new session's and counted
 * the new session lost. The client's request was never answered, and its later requests on the
 * resource would all be dropped by the master (3m-short-lease-lock-delay seed 93814).
 *
 * Now the copy stays the old session's, with the new session's request pending on it, until the
 * master answers that request or releases the copy (it ends the old lock before it acts on a
 * later session's request); a rebuild ends the old lock and replays the request of the later
 * session unless that session is over too (src/dlm/protocol/recovery-merge.ts, `later`).
 *
 * Seed 93814: m1@0, a's master and c1's home, is cut off (3,337 ms to 5,704 ms); m2, c1's copy
 * holder on a, declares it dead at 7,000 ms and decides c1#0.0's adoption as lost (expire of its
 * EX on a, token 6), marking the copy lost. c1 opens c1#0.1 at m2 and asks for EX on a at
 * 7,516.657 ms; the request waits for a's directory until m1@1 joins (8,691.463 ms) and goes to
 * m3, a's new master, by way of m2's copy. m3's rebuild (8,717.359 ms) used to end the lock as
 * c1#0.1's and queue only c2 and c4; c1's request was still open at the end of the run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModeName } from '../../../src/vocabulary/index.js';
import { mergeCopies, replayOrder } from '../../../src/dlm/protocol/recovery-merge.js';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import type { CopyWire, GatherResultBody, OpWire } from '../../../src/dlm/protocol/wire.js';
import { outcomes, pick, runTwice, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

function op(client: string, sess: string, reqId: number, mode: ModeName): OpWire {
  return { key: `${client}\u0001a`, client, sess, home: 'm2', reqId, op: 'lock', resource: 'a', root: 'a', path: ['a'], mode, flags: 0, value: null, priority: 0, parent: null };
}

function copy(client: string, sess: string, grantedMode: ModeName | null, token: number | null, pending: OpWire[], lost: boolean): CopyWire {
  return {
    client, sess, home: 'm1', resource: 'a', root: 'a', path: ['a'], parent: null, lockId: 1, version: 5,
    grantedMode, grantFlags: 0, token, value: null, lvbSeq: 0, priority: 0, pending, lost, lvbInvalid: false,
  };
}

describe('recovery merge: the requests of a later session on an earlier session\u2019s copy', () => {
  const later = op('c1', 'c1#0.1', 9, 'EX');
  const replies: GatherResultBody[] = [
    { root: 'a', round: 1, records: [copy('c1', 'c1#0.0', 'EX', 6, [later], true), copy('c2', 'c2#0.0', null, null, [op('c2', 'c2#0.0', 9, 'EX')], false)], tokens: [], sessionsOver: [], latestSessions: [] },
  ];
  const over = (c: CopyWire): boolean => c.lost;

  it('are kept apart from the copy\u2019s own operations', () => {
    const { entries } = mergeCopies(replies);
    expect(entries.map((e) => `${e.copy.sess} ${String(e.copy.grantedMode)} [${e.pending.map((p) => `${p.sess}/${p.reqId}`).join(',')}] [${e.later.map((p) => `${p.sess}/${p.reqId}`).join(',')}]`)).toEqual([
      'c1#0.0 EX [] [c1#0.1/9]',
      'c2#0.0 null [c2#0.0/9] []',
    ]);
  });

  it('are replayed although the copy is over, unless their own session is over too', () => {
    const { entries } = mergeCopies(replies);
    expect(replayOrder(entries, over, () => false).others.map((o) => `${o.sess}/${o.reqId}`)).toEqual(['c1#0.1/9', 'c2#0.0/9']);
    expect(replayOrder(entries, over, (sess) => sess === 'c1#0.1').others.map((o) => `${o.sess}/${o.reqId}`)).toEqual(['c2#0.0/9']);
  });
});

describe('3m-short-lease-lock-delay seed 93814: c1#0.1\u2019s request on a, gathered from the copy of c1#0.0\u2019s lock, is served', () => {
  it('m3 ends c1#0.0\u2019s EX on a and queues c1#0.1\u2019s request, grants it after the lock-delay, and nothing is violated', () => {
    const { result, events } = runTwice(threeShortLockDelay, 93814);
    expect(pick(events, 'request', { client: 'c1', resource: 'a', op: 'lock' }).filter((e) => e.t > 7_000 && e.t < 8_000).map((e) => e.t)).toEqual([7516.657]);
    // The copy m2 hands in still stands for c1#0.0's lock, with c1#0.1's request pending on it.
    expect(pick(events, 'dlm-view', { view: 'm1@1,m2@0,m3@0' }).filter((e) => e.node === 'm2').map((e) => e.t)).toEqual([8691.463]);
    expect(timelineBetween(events, 'a', 8_717, 11_718)).toEqual([
      '8717.359 m3 release client=c2 reason=superseded',
      '8717.359 m3 release client=c4 reason=superseded',
      '8717.359 m3 release client=c3 reason=superseded',
      '8717.359 m3 expire client=c1',
      '8717.359 m3 enqueue client=c1 mode=EX queue=waiting',
      '8717.359 m3 enqueue client=c2 mode=EX queue=waiting',
      '8717.359 m3 enqueue client=c4 mode=EX queue=waiting',
      '11717.359 m3 grant client=c1 mode=EX token=1007',
    ]);
    expect(outcomes(events, 'c1', 'a').filter((line) => Number(line.split(' ')[0]) > 7_000).slice(0, 3)).toEqual([
      '7002.22 a UNLOCKED',
      '11724.999 a GRANTED EX token=1007',
      '11960.13 a UNLOCKED',
    ]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('f2a8233d7dd73ad2');
  });
});
