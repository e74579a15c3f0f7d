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
    expect(result.traceHash).toBe('bbc0df0ca366068d');
  });
});

describe('3m-short-lease-lock-delay seed 6514: a request ended without a quorum leaves as soon as the quorum is back, before the next grant', () => {
  // m1 ends c1's and c4's queued PR requests on b without a quorum; its quorum is back at
  // 11,009.9 ms. Held for lock-delay as a granted lock is, c4's request stayed in m1's queue
  // until 14,001.7 ms, and c2 was granted PR on b ahead of it at 13,999.2 ms.
  const { result, events } = runTwice(threeShort, 6514);

  it('both requests leave at 11,009.9 ms; c2 is granted at 13,187.5 ms with nothing queued ahead', () => {
    const onB = events.filter((e) => e.f.resource === 'b' && e.node === 'm1' && e.t > 11_000 && e.t < 13_200);
    expect(onB.map(line)).toEqual([
      '11009.894 m1 dequeue c1 purge',
      '11009.894 m1 dequeue c1 cancel',
      '11009.894 m1 dequeue c4 purge',
      '11009.894 m1 dequeue c4 cancel',
      '13178.987 m1 enqueue c2',
      '13187.495 m1 release c3 unlock',
      '13187.495 m1 grant c2',
    ]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('c0483a25e427015e');
  });
});

describe('5m-short-lease seed 3457: a request of a live session queued only at a master that resets leaves with its lock space', () => {
  // c3's EX request on a is queued at m1@0 (14,581.6 ms). m2, cut off one way until 19,519 ms,
  // declares m1@0 and m3@0 dead, takes m4 and m5 back with a quorum and tells m1 and m3
  // dead-to-me: m1 resets at 21,014.8 ms, and m2's rebuild of a never had c3's request. c3 pauses
  // (22,777 ms), its session ends; nobody would end the request. m2's hold on a ends at 29,000 ms
  // and it grants c1 at 29,036.1 ms.
  const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;
  const { result, events } = runTwice(fiveShort, 3457);

  it('m1 traces c3\u2019s and c4\u2019s requests dropped as it resets; m2\u2019s grant to c1 at 29,036.1 ms is in order', () => {
    expect(pick(events, 'dequeue', { reason: 'reset' }).map(line)).toEqual(['21014.806 m1 dequeue c3 reset', '21014.806 m1 dequeue c4 reset']);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 28_900 && e.t < 29_100).map(line)).toEqual(['29036.132 m2 grant c1']);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('7ba6b77971a3cce7');
  });
});
