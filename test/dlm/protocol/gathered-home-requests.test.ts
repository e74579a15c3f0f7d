/**
 * A gather sees the requests a home still holds for the root while it looks up its master (issue
 * 12, `mutual-exclusion`). A master may grant a request whose copy holder has just crashed: the
 * grant lives on that master alone. The client, in jeopardy, takes its session to another manager
 * and asks again there; that home looks up the root's master, which the majority has meanwhile
 * declared dead. The root's new master gathers the copies and ends (`release` superseded) the
 * grant made for every request it finds pending in them. The home used to answer the gather while
 * the request still waited at the home for the directory's answer (which came right behind the
 * gather request): the rebuild never heard of the request, left the dead master's grant standing,
 * and granted another client beside it (3m-short-lease-lock-delay seed 51364). The gather names the
 * root's master, so a node now routes its home's waiting requests to its copy holder before it
 * replies: they are pending copies in the reply, and the rebuild ends what the lost master granted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, sends, timelineBetween } from './world.js';

const threeShort = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay: a gather sees the requests a home holds for the root', () => {
  // m2@0 crashes (10,526 ms); m1@0 grants c4 EX on a (token 24) at 10,691.053 ms with the outcome
  // for m2@0, c4's home and copy holder, lost. c4 takes its session to m3 (18,000 ms), which has
  // just declared m1@0 dead, and asks for a again there (18,005.912 ms): m3 looks a up. m1@0 resets
  // (21,216.3 ms) and m2 gathers a's copies; m3 receives the gather request (24,219.39 ms) ahead of
  // the directory's answer. It used to reply with no copy of c4's request: m2 ended c1's request
  // only, granted c1 EX (24,226.874 ms) while c4's grant stood, and queued c4's request behind it.
  it('51364: m3 routes c4\u2019s request before its reply, and m2 ends c4\u2019s grant before it grants c1', () => {
    const { result, events } = runTwice(threeShort, 51364);
    expect(pick(events, 'grant', { client: 'c4', resource: 'a', token: 24 }).map((e) => `${e.t} ${e.node}`)).toEqual(['10691.053 m1']);
    expect(pick(events, 'complete', { client: 'c4', resource: 'a', token: 24 })).toEqual([]);
    // m3 sends c4's request on to m2 before its gather reply, on the same link.
    const mreq = sends(events, 'mreq', 'm3', 'm2').find((e) => e.t > 24_000)!;
    const reply = sends(events, 'gather-res', 'm3', 'm2').find((e) => e.t > 24_000)!;
    expect([mreq.t, reply.t]).toEqual([24219.39, 24219.39]);
    expect(events.indexOf(mreq)).toBeLessThan(events.indexOf(reply));
    expect(timelineBetween(events, 'a', 24_200, 24_229)).toEqual([
      '24228.692 m2 release client=c1 reason=superseded',
      '24228.692 m2 release client=c4 reason=superseded',
      '24228.692 m2 grant client=c1 mode=EX token=1025 recovery',
      '24228.692 m2 enqueue client=c4 mode=EX queue=waiting',
    ]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('34f3c763c41a8dfe');
  });
});
