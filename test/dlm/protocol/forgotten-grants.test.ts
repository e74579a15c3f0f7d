/**
 * Every manager that knew a lock loses its state within moments (resets on losing a quorum, or a
 * crash): the lock's master, its copy holder, and every manager that heard its client's session
 * end. The root's next master rebuilds it having lost several managers and holds it until the
 * lock's lease has surely run out; the end of the hold ends the grants nobody knows any more of
 * the clients whose session is over. The rebuilder may know of no such client itself (it reset
 * too), while the managers it gathers the root's copies from heard of the client's later
 * session: each gather reply says which clients its sender knows to have had a session end.
 * 3m-short-lease-lock-delay seed 7006 and 5m-short-lease seed 9657 (grant-order: a forgotten
 * waiting request) and 5m-short-lease seed 6439 (mutual-exclusion: a forgotten PR grant) failed
 * before; each replay pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientsWithSessionsOver, sessionId } from '../../../src/dlm/protocol/session.js';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, type Ev } from './world.js';

function load(name: string): ScenarioInput {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}

const threeShort = load('swarm-dlm-3m-short-lease-lock-delay');
const fiveShort = load('swarm-dlm-5m-short-lease');

/** Each manager reset (a new generation after losing its state), as `t node`. */
function resets(events: readonly Ev[]): string[] {
  return pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`);
}

/** The grants on `resource` from `fromMs` on, as `t node client`. */
function grantsFrom(events: readonly Ev[], resource: string, fromMs: number): string[] {
  return pick(events, 'grant', { resource })
    .filter((e) => e.t >= fromMs)
    .map((e) => `${e.t} ${e.node} ${String(e.f.client)}`);
}

describe('clientsWithSessionsOver: the clients a manager knows to have had a session end', () => {
  it('names the clients of sessions known to be over, and of sessions later than a client\u2019s first, once each and sorted', () => {
    const over = [sessionId('c4', 0, 0), sessionId('c2', 1, 0)];
    const heard = [sessionId('c3', 0, 1), sessionId('c1', 0, 0), sessionId('c2', 1, 1), sessionId('c5', 1, 0)];
    expect(clientsWithSessionsOver(over, heard)).toEqual(['c2', 'c3', 'c4', 'c5']);
  });

  it('names nobody for clients heard of only by their first session', () => {
    expect(clientsWithSessionsOver([], [sessionId('c1', 0, 0), sessionId('c2', 0, 0)])).toEqual([]);
  });
});

describe('the end of a hold ends the forgotten grant or request of a client whose session end only the gathered managers knew', () => {
  // Each seed failed before the gather replies named the clients with a session over: the
  // rebuilder, reset itself, knew nothing of the client, and its first grant after the hold was
  // flagged beside the forgotten grant (mutual-exclusion) or ahead of the forgotten request
  // (grant-order). Now the hold's end traces the forgotten one ended (`release`, superseded)
  // before that grant. 3m-short 435 and 5m-short 5016 failed only once a home decides a session
  // takeover with a quorum alone (home.ts maybeFinish): the home cut off no longer tells the
  // client its session is lost, which re-routes the run into every manager resetting.
  it.each([
    // configuration, seed, client, resource, what every manager forgot, the resets, when the client's driver gave it up, the master that dropped the forgotten request at its reset, the hold's end, the first grant after it, the findings the configuration expects, trace hash, scenario
    ['3m-short', 7006, 'c3', 'a', '3305.574 m1 enqueue', ['11875 m1', '16007.085 m2', '16012.007 m3'], '16010.476 ABORTED', '11875 m1', '29354.646 m2', '29354.646 m2 c1', [], '5421bccfd7a28148', threeShort],
    ['3m-short', 435, 'c2', 'a', '1981.842 m1 enqueue', ['11010.877 m1', '12013.35 m3', '12016.232 m2'], '12012.9 ABORTED', '11010.877 m1', '23547.522 m2', '23547.522 m2 c4', [], 'b77733f483ac1979', threeShort],
    ['5m-short', 6439, 'c2', 'b', '3563.518 m1 grant', ['13007.052 m2', '13008.441 m4', '13011.709 m5', '13012.87 m3', '26893.037 m1', '27002.902 m5'], '13010.565 UNLOCKED', '', '22022.102 m4', '22022.102 m4 c3', [], '4e3e9f3002dfe54b', fiveShort],
    ['5m-short', 9657, 'c2', 'a', '7945.269 m1 enqueue', ['9670 m5', '18004.076 m1', '19678.287 m5', '20006.365 m3', '20007.351 m4'], '18013.222 ABORTED', '18004.076 m1', '29014.703 m3', '29014.703 m3 c3', [], '84c66003aa8c31e1', fiveShort],
    ['5m-short', 5016, 'c3', 'a', '8018.791 m1 grant', ['11011.738 m1', '11012 m2', '14004.325 m4', '14006.647 m5', '14008.406 m3'], '12014.748 ABORTED', '', '23021.194 m4', '26046.395 m4 c2', ['stale-write'], '8cd41f42b2a7a891', fiveShort],
  ] as const)('%s seed %i: %s\u2019s forgotten lock on %s ends at the hold\u2019s end, before the next grant there', (_name, seed, client, resource, forgotten, resetsSeen, gaveUp, droppedAt, holdEnd, firstGrant, expected, hash, input) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations.map((v) => v.invariant)).toEqual(expected);
    const [forgottenMs, master, type] = forgotten.split(' ');
    const made = pick(events, type!, { client, resource }).filter((e) => e.t === Number(forgottenMs));
    expect(made.map((e) => `${e.t} ${e.node} ${e.type}`)).toEqual([forgotten]);
    expect(made[0]!.node).toBe(master);
    expect(resets(events)).toEqual(resetsSeen);
    const [gaveUpMs, status] = gaveUp.split(' ');
    expect(pick(events, 'complete', { client, resource, status }).filter((e) => e.t === Number(gaveUpMs))).toHaveLength(1);
    const ends = events.filter((e) => (e.type === 'release' || e.type === 'expire' || e.type === 'dequeue') && e.f.client === client && e.f.resource === resource && e.t > Number(forgottenMs));
    // A forgotten request leaves the queue of the master that reset with it (reason reset); the
    // hold's end ends it where the rebuild serves the lock.
    const dropped = droppedAt === '' ? [] : [`${droppedAt} dequeue reset`];
    expect(ends.map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual([...dropped, `${holdEnd} release superseded`]);
    const endIndex = events.indexOf(ends[ends.length - 1]!);
    const next = events.slice(endIndex).find((e) => e.type === 'grant' && e.f.resource === resource)!;
    expect(`${next.t} ${next.node} ${String(next.f.client)}`).toBe(firstGrant);
    // Nothing is granted there from the moment the client gave the lock up until the hold's end.
    expect(grantsFrom(events, resource, Number(gaveUpMs)).filter((line) => Number(line.split(' ')[0]) < Number(holdEnd.split(' ')[0]))).toEqual([]);
    expect(result.traceHash).toBe(hash);
  });
});
