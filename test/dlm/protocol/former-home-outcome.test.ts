/**
 * An outcome is believed only from the home that holds the client's session now (issue 12,
 * `stale-write (superseded)`). A home relays a master's grant to its client over its reliable link;
 * a partition keeps it from arriving, the client, in jeopardy, takes its session to another
 * manager and asks again there, and the master that made the grant is declared dead by the
 * majority, whose rebuild ends the grant (superseded). When the partition heals, the former home's
 * link still retransmits the old grant. Believed, it let the client write with that grant's token
 * before anybody newer had written, so the storage accepted it (5m-short-lease seeds 39752 and
 * 64907). The driver now drops an outcome from anyone but its current home: when the session moved
 * it re-sent every unanswered request to the new home, and the master answers a repeated request
 * with its outcome again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import type { KeepAliveAckMsg } from '../../../src/dlm/protocol/wire.js';
import { driverTuning, drivingC1, grantOf } from './driver-client.js';
import { pick, runTwice } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

/** What the soak counts as `stale-write (superseded)`. */
function supersededStaleWrites(violations: readonly { invariant: string; message: string }[]): string[] {
  return violations.filter((v) => v.invariant === 'stale-write' && v.message.includes('released: superseded')).map((v) => v.message);
}

describe('5m-short-lease: a grant a former home still relays is not believed', () => {
  // m3@0, cut off one way from m1, m2, m5 (16,787 ms), grants c1 EX on a (token 1015) at
  // 19,000 ms; m2, c1's home, relays it, but m2 -> c1 is cut. c1 takes its session to m1
  // (ka-ack at 23,021.291 ms) and asks again there; m3@0 resets (23,003.8 ms), m2 rebuilds a at
  // 23,046.67 ms and ends c1's request (superseded). m2's link retransmits the old grant at
  // 23,566 ms: c1 used to believe it (23,571.1 ms) and write with token 1015 (accepted 23,784.186 ms).
  it('39752: c1 never learns token 1015, writes nothing with it, and only the late write of the short-lease kind is left', () => {
    const { result, events } = runTwice(fiveShort, 39752);
    expect(pick(events, 'grant', { client: 'c1', resource: 'a', token: 1015 }).map((e) => `${e.t} ${e.node}`)).toEqual(['19000 m3']);
    // The old grant still reaches c1 from m2 after c1's session moved to m1.
    const moved = pick(events, 'deliver', { from: 'm1', to: 'c1', msg: 'ka-ack' }).find((e) => e.t > 23_000)!.t;
    expect(moved).toBe(23018.514);
    expect(pick(events, 'deliver', { from: 'm2', to: 'c1', msg: 'out' }).filter((e) => e.t > moved).length).toBeGreaterThan(0);
    expect(pick(events, 'complete', { client: 'c1', resource: 'a', token: 1015 })).toEqual([]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 1015 })).toEqual([]);
    expect(supersededStaleWrites(result.violations)).toEqual([]);
    expect(result.violations.map((v) => `${v.invariant} ${v.atMs}`)).toEqual(['stale-write 12900.656']);
    expect(result.traceHash).toBe('039ba2790eeb78d7');
  });

  // m1@0, cut off from m3, m4, m5 by a partition (6,182 ms), grants c2 EX on a (token 26) at
  // 6,184.947 ms; m2, c2's home, relays it, but m2 -> c2 is cut, and c2 takes its session
  // elsewhere. The majority declares m1@0 and m2@0 dead (12,000 ms) and m4's rebuild ends c2's
  // request (superseded, 12,020.122 ms). After the heal (13,513 ms) m2@0's link retransmits the
  // grant: c2 used to believe it (13,788.8 ms) and write with token 26 (accepted 14,000.937 ms).
  it('64907: c2 never learns token 26, writes nothing with it, and no invariant is violated', () => {
    const { result, events } = runTwice(fiveShort, 64907);
    expect(pick(events, 'grant', { client: 'c2', resource: 'a', token: 26 }).map((e) => `${e.t} ${e.node}`)).toEqual(['6184.947 m1']);
    expect(pick(events, 'deliver', { from: 'm2', to: 'c2', msg: 'out' }).filter((e) => e.t > 13_513).length).toBeGreaterThan(0);
    expect(pick(events, 'complete', { client: 'c2', resource: 'a', token: 26 })).toEqual([]);
    expect(pick(events, 'write', { client: 'c2', resource: 'a', token: 26 })).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('b96088d298ce3568');
  });
});

const tuning = driverTuning(3_000);

describe('the driver believes an outcome only from its current home', () => {
  it('drops the grant a former home relays after the session moved, and believes the new home\u2019s answer to the request it sent again', () => {
    const { client, driver, sess } = drivingC1(tuning);
    expect(client.sent.map((s) => `${s.to} ${s.payload.type}`)).toEqual(['m1 ka', 'm1 req']);

    // The session moves to m2, which acknowledges it: the unanswered request goes again, to m2.
    driver.onMessage('m2', { type: 'ka-ack', sess, kseq: 1, gen: 0 } satisfies KeepAliveAckMsg);
    expect(driver.state.home).toBe('m2');
    expect(client.sent.map((s) => `${s.to} ${s.payload.type}`)).toEqual(['m1 ka', 'm1 req', 'm2 req']);

    // m1's relayed grant (token 45), held up until now, is taken off the link but not believed.
    expect(driver.onMessage('m1', grantOf(sess, 45))).toBe(true);
    expect(client.completed).toEqual([]);
    expect(driver.token('x')).toBeUndefined();

    // The answer to the request sent again, through the home that holds the session, is believed.
    driver.onMessage('m2', grantOf(sess, 1045));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 1045 } }]);
    expect(driver.token('x')).toBe(1045);
  });

  it('believes the home it has (the rule drops only a former home\u2019s outcomes)', () => {
    const { client, driver, sess } = drivingC1(tuning);
    driver.onMessage('m1', grantOf(sess, 45));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 45 } }]);
  });
});
