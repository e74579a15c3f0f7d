/**
 * The end of a hold ends the unknown grant of a client whose session is in limbo: neither known to
 * be over nor reclaimed. Its lock's master and copy holder (one of them its home) lost their state,
 * so no home has extended its lease since, but the client, paused or cut off through the whole hold,
 * never finished a reclaim, and nobody purged its session. The hold's end used to end only the
 * grants of clients still asking there or with a session known to be over, so the forgotten grant
 * stood in the trace beside the first grant the rebuilt master made (mutual-exclusion). It now ends
 * every unknown grant of a client heard of, as an expiry (its lease has run out).
 *
 * Seeds of the shipped scenarios/swarm-dlm-5m-short-lease.json (the soak's first three
 * mutual-exclusion seeds of that configuration); each pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

interface Case {
  readonly seed: number;
  readonly story: string;
  readonly client: string;
  readonly resource: string;
  /** The forgotten grant: `<ms> <node> <mode> <token>`. */
  readonly granted: string;
  /** Its end at the hold's end, and the rebuilt master's first grant on the resource after it. */
  readonly ended: string;
  readonly next: string;
  readonly hash: string;
}

const cases: readonly Case[] = [
  {
    seed: 20391,
    story:
      'm1 grants c1 EX on a inside a one-way partition that hides it from m3-m5; m1 and m2 are declared dead and reset; m4 rebuilds a without it and holds it; ' +
      'm1@1 adopts c1\u2019s session but awaits what c1 believes it holds, c1 being cut off from it and then paused until 23,640 ms',
    client: 'c1',
    resource: 'a',
    granted: '9019.067 m1 EX 29',
    ended: '21000 m4',
    next: '22323.439 m4 c2 EX',
    hash: '90ee66faff7494be',
  },
  {
    seed: 16690,
    story:
      'm1, c1\u2019s home and a\u2019s master, crashes just after granting c1 EX on a; m2, which adopts c1\u2019s session, is declared dead and resets, ' +
      'dropping the adoption; m3 rebuilds a and holds it while c1 is paused (7,649 to 16,580 ms)',
    client: 'c1',
    resource: 'a',
    granted: '1055.926 m1 EX 5',
    ended: '16000 m3',
    next: '16000 m3 c2 EX',
    hash: '7871ef4cac6a723f',
  },
  {
    seed: 13224,
    story:
      'm1 crashes just after granting c3 EX on b; m3, c3\u2019s home and copy holder, is declared dead and resets; a one-way partition then cuts c3 ' +
      'off from every manager, so its KeepAlives reach nobody while m4 rebuilds b and holds it',
    client: 'c3',
    resource: 'b',
    granted: '2787.136 m1 EX 6',
    ended: '16398.616 m4',
    next: '16398.616 m4 c4 PR',
    hash: '565ba396316a667a',
  },
];

describe('5m-short-lease: the end of a hold ends the forgotten grant of a client whose session is in limbo', () => {
  for (const c of cases) {
    it(`seed ${c.seed}: ${c.story}; the hold\u2019s end expires ${c.client}\u2019s grant on ${c.resource} before the next grant there`, () => {
      const { result, events } = runTwice(fiveShort, c.seed);
      expect(result.violations).toEqual([]);
      const grants = pick(events, 'grant', { resource: c.resource });
      const forgotten = grants.find((e) => e.f.client === c.client && `${e.t} ${e.node} ${String(e.f.mode)} ${String(e.f.token)}` === c.granted);
      expect(forgotten).toBeDefined();
      // Nothing ends the forgotten grant before the hold's end: nobody alive knew of it.
      const ends = events.filter((e) => (e.type === 'release' || e.type === 'expire') && e.f.client === c.client && e.f.resource === c.resource && e.t > forgotten!.t);
      expect(`${ends[0]!.t} ${ends[0]!.node} ${ends[0]!.type}`).toBe(`${c.ended} expire`);
      const next = grants.find((e) => e.t >= ends[0]!.t && e.f.client !== c.client)!;
      expect(`${next.t} ${next.node} ${String(next.f.client)} ${String(next.f.mode)}`).toBe(c.next);
      expect(events.indexOf(ends[0]!)).toBeLessThan(events.indexOf(next));
      expect(result.traceHash).toBe(c.hash);
    });
  }
});
