/**
 * A master that resets (declared dead while alive) drops its whole lock state, and with it every
 * request still queued there: it traces each as a `dequeue` with reason `reset`. Nothing else
 * would end such a request in the trace when the majority's rebuild never had it. The reason tells
 * the checkers it leaves this master's queue only: when a rebuild queued the request since (or a
 * later session's request on the same lock), that master's queue holds it and its entry stays
 * (test/check/reset-dequeue-rules.test.ts).
 *
 * A request a master ends without a quorum (its session was purged) waits in its lock space for a
 * quorum before its `dequeue` is traced: the master may have been superseded, and a rebuild
 * elsewhere may have the request queued still. It leaves with the quorum back, at once (no
 * lock-delay: it was never granted, so it has no late writes to wait for), or with the reset.
 *
 * The 3m-short and 5m-short cases are grant-order findings the two-way quorum
 * (./two-way-quorum.test.ts) uncovered: a cut-off master that kept a stale quorum traced such ends
 * at once, and went on serving its queue.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, type Ev } from './world.js';

const line = (e: Ev): string => `${e.t} ${e.node} ${e.type} ${String(e.f.client)}${e.f.reason !== undefined ? ` ${String(e.f.reason)}` : ''}`;

describe('3m-long-lease seed 6: a master that resets traces the requests queued in its lock space as dropped', () => {
  // m1 queued c3's and c4's requests on a (17,138.0 and 17,424.2 ms); cut off with c1 and c3 from
  // 20,804 to 26,225 ms, it is declared dead, and m2's rebuild of a ends c3's and c4's locks there
  // (superseded, 26,013.2 ms). m1 learns it was declared dead and resets at 26,995.4 ms: the
  // requests leave its queue with its lock space.
  const threeLong = JSON.parse(readFileSync('scenarios/swarm-dlm-3m-long-lease.json', 'utf8')) as ScenarioInput;
  const { result, events } = runTwice(threeLong, 6);

  it('both requests are traced dropped (reason reset) by m1 at its reset; no invariant is violated', () => {
    expect(pick(events, 'dequeue', { reason: 'reset' }).map(line)).toEqual(['26995.444 m1 dequeue c3 reset', '26995.444 m1 dequeue c4 reset']);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['13004.377 m3', '26995.444 m1']);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('084cf200f2a7362e');
  });
});

const threeShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 4355: the request only the cut-off master knew ends with its reset', () => {
  // c2's EX request on a is queued at m1 (1,014.5 ms) before a partition cuts m1 off (1,620 ms);
  // m1's echoes age at 6,000 ms; c2's session is purged by its home m2, whose purge reaches m1
  // at 6,666.7 ms without a quorum. m2 declares m1 dead (6,907 ms), m1 resets (6,916.1 ms), and
  // m3's rebuild of a never had c2's request.
  const { result, events } = runTwice(threeShort, 4355);

  it('m1 traces c3\u2019s and c2\u2019s requests dropped as it resets; m3, which queued c3\u2019s again, then serves a in order', () => {
    const onA = events.filter((e) => e.f.resource === 'a' && e.t > 6_900 && e.t < 7_300 && e.node.startsWith('m'));
    expect(onA.filter((e) => e.type === 'dequeue').map(line)).toEqual(['6916.093 m1 dequeue c3 reset', '6916.093 m1 dequeue c2 reset']);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['6916.093 m1']);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('b71f36a353a1df26');
  });
});

describe('3m-short-lease-lock-delay seed 221: a request m1 drops at its reset that m2\u2019s rebuild queued since stays queued at m2', () => {
  // m2 rebuilds a at 13,019.7 ms and queues c4's request there; m1, cut off, had ended c4's
  // earlier request on a without a quorum, and drops it at its reset (14,006.7 ms). m2 grants c4
  // at 16,019.7 ms as the waiting request it is (c4 first in m2's queue).
  const { result, events } = runTwice(threeShort, 221);

  it('the reset drop names m1, m2 queued c4 before it, and m2\u2019s grant to c4 is in order', () => {
    const c4 = events.filter((e) => e.f.resource === 'a' && e.f.client === 'c4' && e.t > 13_000 && e.t < 16_100 && e.node.startsWith('m'));
    expect(c4.map(line)).toEqual(['13019.726 m2 release c4 superseded', '13019.726 m2 enqueue c4', '14006.702 m1 dequeue c4 reset', '16019.726 m2 grant c4']);
    expect(result.violations.map((v) => v.invariant)).toEqual(['stale-write']);
    expect(result.traceHash).toBe('25fe919967d4a2df');
  });
});

describe('3m-short-lease-lock-delay seed 6514: the cut-off master that ended requests without a quorum resets as its quorum comes back, and the rebuild serves b in order', () => {
  // m1, cut off, declares m2 and m3 dead alone (10,995.952 ms) and ends c1's and c4's queued PR
  // requests on b without a quorum. When its quorum came back (11,009.9 ms) it used to trace those
  // ends then, and before that held them for lock-delay, which let c2 be granted PR on b ahead of
  // c4's request. A node that regains a quorum from a peer counting alive a peer it declared dead
  // without one resets instead: m1 resets at 11,009.894 ms, both requests leave with its lock space
  // (reason reset), and m2's rebuild of b (11,032.342 ms) serves the requests it gathered in order.
  const { result, events } = runTwice(threeShort, 6514);

  it('m1 resets at 11,009.894 ms dropping c1\u2019s and c4\u2019s requests; m2 rebuilds b and serves it in order', () => {
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['11009.894 m1']);
    const onB = events.filter((e) => e.f.resource === 'b' && e.node.startsWith('m') && e.t > 11_000 && e.t < 11_400 && ['grant', 'release', 'enqueue', 'dequeue'].includes(e.type));
    expect(onB.map(line)).toEqual([
      '11009.894 m1 dequeue c1 reset',
      '11009.894 m1 dequeue c4 reset',
      '11032.342 m2 release c4 superseded',
      '11032.342 m2 release c1 superseded',
      '11032.342 m2 release c3 superseded',
      '11032.342 m2 grant c4',
      '11032.342 m2 enqueue c1',
      '11032.342 m2 enqueue c3',
      '11182.799 m2 release c4 unlock',
      '11182.799 m2 grant c1',
      '11337.403 m2 release c1 unlock',
      '11337.403 m2 grant c3',
    ]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('d487d0c42a694672');
  });
});

describe('5m-short-lease seed 3457: the node cut off one way resets itself, so the master keeps the live session\u2019s request and grants it in order', () => {
  // c3's EX request on a is queued at m1@0 (14,581.6 ms). m2, cut off one way until 19,519 ms,
  // declares m1@0 and m3@0 dead alone. It used to take m4 and m5 back with a quorum and tell m1 and
  // m3 dead-to-me: m1 reset and dropped c3's request, which m2's rebuild never had. A node that
  // regains a quorum from a peer counting alive a peer it declared dead without one resets itself:
  // m2 resets at 20,016.708 ms, nobody tells m1 dead-to-me, and m1 grants c3's request in its turn.
  const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;
  const { result, events } = runTwice(fiveShort, 3457);

  it('m2 resets at 20,016.708 ms (m4 only earlier) and no dequeue is traced; m1 grants c3\u2019s request queued at 14,581.633 ms at 20,586.793 ms', () => {
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['8074 m4', '12758 m4', '20016.708 m2']);
    expect(pick(events, 'send', { msg: 'dead-to-me' })).toEqual([]);
    expect(pick(events, 'dequeue', { reason: 'reset' })).toEqual([]);
    const c3 = events.filter((e) => e.f.resource === 'a' && e.f.client === 'c3' && e.node.startsWith('m') && e.t > 14_500 && e.t < 20_600 && ['grant', 'release', 'enqueue', 'dequeue'].includes(e.type));
    expect(c3.map(line)).toEqual(['14581.633 m1 enqueue c3', '20586.793 m1 grant c3']);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 14_581.633 && e.t < 20_586.793).map(line)).toEqual(['20334.441 m1 grant c1']);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('5fc6e323624219ce');
  });
});
