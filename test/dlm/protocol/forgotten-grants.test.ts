/**
 * Every manager that knew a lock loses its state within moments (resets on losing a quorum, or a
 * crash): the lock's master, its copy holder, and every manager that heard its client's session
 * end. The root's next master rebuilds it having lost several managers and holds it until the
 * lock's lease has surely run out; the end of the hold ends the grants nobody knows any more of
 * the clients whose session is over. The rebuilder may know of no such client itself (it reset
 * too), while the managers it gathers the root's copies from heard of the client's later
 * session: each gather reply says which clients its sender knows to have had a session end.
 * 5m-short-lease seed 9657 replays such a hold's end; the seeds whose runs no longer lose every
 * manager that knew the lock pin what ends it instead. Each replay pins its trace hash.
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

describe('the end of a hold ends the forgotten request of a client whose session is over', () => {
  // 5m-short 9657: m1, master of `a`, cut off with c2, resets with c2's waiting request; m3
  // rebuilds `a` having lost several managers and holds it, and its own list of sessions
  // over names c2. The hold's end traces the forgotten request ended (`release`, superseded)
  // before the first grant there, and nothing is granted on `a` from c2's giving the request up
  // to the hold's end.
  it.each([
    // configuration, seed, client, resource, what every manager forgot, the resets, when the client's driver gave it up, the master that dropped the forgotten request at its reset, the hold's end, the first grant after it, the findings the configuration expects, trace hash, scenario
    ['5m-short', 9657, 'c2', 'a', '7945.269 m1 enqueue', ['9670 m5', '18004.076 m1', '19675.504 m4'], '18013.222 ABORTED', '18004.076 m1', '28683.519 m3', '28683.519 m3 c3', [], '44b002108cba1939', fiveShort],
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
    expect(ends.map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual([`${droppedAt} dequeue reset`, `${holdEnd} release superseded`]);
    const endIndex = events.indexOf(ends[ends.length - 1]!);
    const next = events.slice(endIndex).find((e) => e.type === 'grant' && e.f.resource === resource)!;
    expect(`${next.t} ${next.node} ${String(next.f.client)}`).toBe(firstGrant);
    // Nothing is granted there from the moment the client gave the lock up until the hold's end.
    expect(grantsFrom(events, resource, Number(gaveUpMs)).filter((line) => Number(line.split(' ')[0]) < Number(holdEnd.split(' ')[0]))).toEqual([]);
    expect(result.traceHash).toBe(hash);
  });
});

describe('seeds that no longer lose every manager that knew the lock: what ends it instead', () => {
  // These seeds lost every manager that knew the lock while a peer heard within the failure
  // timeout counted towards the quorum. A peer now counts only while it echoes this node's
  // heartbeats, and a node that regains a quorum after declaring a peer dead without one resets
  // itself, so fewer managers reset, and not the same ones. 7006: m2 keeps c3's waiting request
  // and drops it when c3's session is purged (the hold's later end ends it again, to no effect).
  // 435: m1, the master, keeps its state and drops c2's request on the purge. 5016: m1 keeps
  // c3's grant until its lease runs out. 6439: m1 crashes with c2's PR grant on b (a crash, not a
  // reset: nothing traces the grant's end), and nothing is granted on b again before the run's
  // end. Every run keeps every invariant its configuration does not expect to break.
  it.each([
    // configuration, seed, client, resource, the lock, the resets, when the client's driver gave it up, every end of the lock traced, the first grant there after the client gave up ('' for none until the run's end), the findings the configuration expects, trace hash, scenario
    ['3m-short', 7006, 'c3', 'a', '3305.574 m1 enqueue', ['11875 m1', '16005.14 m3'], '16028.984 ABORTED', ['11875 m1 dequeue reset', '16019.737 m2 dequeue purge', '21000 m2 release superseded'], '21000 m2 c1', [], '663270e08c9353e4', threeShort],
    ['3m-short', 435, 'c2', 'a', '1981.842 m1 enqueue', ['13005.867 m3'], '14006.942 ABORTED', ['13004.957 m1 dequeue purge'], '14060.316 m1 c3', [], 'a997b99903e6f654', threeShort],
    ['5m-short', 6439, 'c2', 'b', '3563.518 m1 grant', ['13002.873 m5', '13002.914 m2', '26895.544 m1', '27002.614 m5'], '13036.551 UNLOCKED', [], '', [], '31b8fc5244dc5418', fiveShort],
    ['5m-short', 5016, 'c3', 'a', '8018.791 m1 grant', ['11008.09 m5', '11008.301 m3', '17003.26 m2', '17007.715 m4', '17010.423 m1'], '16589.132 UNLOCKED', ['16006.634 m1 expire undefined', '26018.872 m2 release superseded'], '', ['stale-write'], 'cc3d06b622aa1d23', fiveShort],
  ] as const)('%s seed %i: %s\u2019s lock on %s is ended by a manager that kept it, or never overlapped', (_name, seed, client, resource, lock, resetsSeen, gaveUp, endsSeen, firstGrant, expected, hash, input) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations.map((v) => v.invariant)).toEqual(expected);
    const [lockMs, , type] = lock.split(' ');
    expect(pick(events, type!, { client, resource }).filter((e) => e.t === Number(lockMs)).map((e) => `${e.t} ${e.node} ${e.type}`)).toEqual([lock]);
    expect(resets(events)).toEqual(resetsSeen);
    const [gaveUpMs, status] = gaveUp.split(' ');
    expect(pick(events, 'complete', { client, resource, status }).filter((e) => e.t === Number(gaveUpMs))).toHaveLength(1);
    const ends = events.filter((e) => (e.type === 'release' || e.type === 'expire' || e.type === 'dequeue') && e.f.client === client && e.f.resource === resource && e.t > Number(lockMs));
    expect(ends.map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual(endsSeen);
    expect(grantsFrom(events, resource, Number(gaveUpMs)).slice(0, 1)).toEqual(firstGrant === '' ? [] : [firstGrant]);
    expect(result.traceHash).toBe(hash);
  });
});
