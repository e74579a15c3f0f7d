/**
 * Seeds of the fixed twin of the dlm-failover search (scenarios/search/fixed/
 * dlm-failover-no-grace-search-fixed.json, copied to fixtures/ so that each stays a regression
 * whatever the shipped twin becomes) that once broke mutual exclusion. Each pins the trace hash
 * its fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const twin = JSON.parse(readFileSync(new URL('./fixtures/dlm-failover-no-grace-search-fixed.json', import.meta.url), 'utf8')) as ScenarioInput;
const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('a root rebuilt after losing two managers is held until the clients in jeopardy could reclaim', () => {
  // m1 (master of `file` and c1's home) grants c1 EX; m2 (m1's buddy, which holds the copy) and m1
  // crash within seconds of each other, so nobody alive knows c1's lock. m3, alone, has no quorum
  // until a crashed manager restarts, long after c1's lease ran out (a lease, a failure timeout and
  // a KeepAlive after the latest loss): the hold counted from the loss alone was already over,
  // and m3 granted c2 at once while c1, in jeopardy within its 45 s grace, still believed it held
  // `file` (mutual-exclusion). The hold now also lasts until c1 has had every manager to ask in
  // turn since the quorum is back: its reclaim reaches a manager with a quorum, whose adoption
  // ends the lock nobody knows (expire), and m3 grants nothing before.
  it.each([
    [4767, '51163.833 m3', '52008.514 m2', 'c7e6dc13883abcce'],
    [5709, '51874.134 m3', '52006.711 m3', '3470f6dbcfcd2826'],
    [6524, '50661.299 m1', '52009.716 m3', 'a2ba84f613cf5884'],
    [9125, '46500.049 m3', '48006.57 m2', '69abd1517362889c'],
  ])('seed %i: rebuilt at %s; c1\u2019s unknown lock ends at %s, and nothing else is granted on file', (seed, rebuilt, ended, hash) => {
    const { result, events } = runTwice(twin, seed);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'lvb-invalidate', { resource: 'file', reason: 'recovery' }).map((e) => `${e.t} ${e.node}`)).toEqual([rebuilt]);
    expect(pick(events, 'expire', { client: 'c1', resource: 'file' }).map((e) => `${e.t} ${e.node}`)).toEqual([ended]);
    expect(pick(events, 'grant', { resource: 'file' }).map((e) => String(e.f.client))).toEqual(['c1']);
    expect(result.traceHash).toBe(hash);
  });
});

describe('5m-short-lease seeds 763 and 1528: a hold that also waits for reclaims keeps the queue in order', () => {
  // Both rebuilt a root after losing two managers once a quorum was back, after the lost locks'
  // leases had run out; the hold counted from the loss alone was over at once, and the rebuilt
  // master granted new requests ahead of a request still waiting there (grant-order). The hold now
  // lasts six KeepAlives (five managers and one) from the rebuild, and its end (release,
  // superseded, of what the lost managers may have granted) comes before the waiting requests are
  // served: 763's hold of a by m4 ends at 27,014.424 ms, 1528's at 26,129 ms, each serving the
  // first waiting request (recovery) at that instant. 1528's client c1, told its lock on a was
  // aborted (17,014.326 ms), writes without a token and the fenced storage rejects it, so the run
  // keeps no finding at all.
  it.each([
    [763, ['18039.864 m4 a', '27067.186 m4 b'], '27014.424 m4 c1', [], 'f5cf17330c8d8dc5'],
    [1528, ['18064.154 m4 a', '29116.486 m5 b'], '26129 m4 c4', [], 'e84231b60be8e28f'],
  ] as const)('seed %i: rebuilt and held at %j, a served first at %s; violations %j', (seed, rebuilt, firstGrant, violations, hash) => {
    const { result, events } = runTwice(fiveShort, seed);
    expect(result.violations.map((v) => v.invariant)).toEqual(violations);
    expect(pick(events, 'lvb-invalidate', { reason: 'recovery' }).map((e) => `${e.t} ${e.node} ${String(e.f.resource)}`)).toEqual(rebuilt);
    // The hold's end on a: the superseded releases, then the first grant (recovery), one instant.
    const rebuiltMs = Number(rebuilt[0]!.split(' ')[0]);
    const first = pick(events, 'grant', { resource: 'a' }).find((e) => e.t > rebuiltMs)!;
    expect(`${first.t} ${first.node} ${String(first.f.client)} ${String(first.f.recovery)}`).toBe(`${firstGrant} true`);
    const ended = pick(events, 'release', { resource: 'a', reason: 'superseded' }).filter((e) => e.t === first.t);
    expect(ended.length).toBeGreaterThan(0);
    expect(events.indexOf(ended[ended.length - 1]!)).toBeLessThan(events.indexOf(first));
    expect(result.traceHash).toBe(hash);
  });
});
