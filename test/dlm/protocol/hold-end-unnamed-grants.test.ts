/**
 * The end of a held root ends the grants of clients nobody alive has heard of. A master that
 * rebuilds a root after losing several managers at once holds it until every grant the lost
 * managers made beyond the copies has run out, and then ends them: by name (`expire`, or `release`
 * superseded for a session known to be over) for every client it has heard of. A grant whose
 * master, copy holder and home all lost their state, and whose client has asked nobody since,
 * names a client the rebuilt master has never heard of: nothing ended it in the trace, and the
 * checkers counted it held for ever, so the master's first grant after the hold looked like a
 * second EX (3m-short-lease-lock-delay seed 18204). The master now traces `hold-end` for the root,
 * naming the clients whose locks it keeps; the checkers read it as an `expire` of every other
 * grant on the root.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 18204: the hold\u2019s end ends a grant whose client the master never heard of', () => {
  // m1, master of a, grants c2 EX on a (token 26) at 6,423.911 ms; c2's home, m2, is its copy
  // holder. c2 writes (6,654.266 ms) and sends its unlock to m2 (6,662.716 ms), which passes it to
  // m1, paused from 6,631 ms. m2 crashes (8,282 ms) and restarts empty; m1 resumes, finds it was
  // declared dead and resets (12,322 ms); m3, the only other manager c2 reached, resets too
  // (17,011.363 ms). m2 rebuilds a without them (17,050.675 ms) and holds it. c2, cut off and then
  // paused (17,489 ms to 24,274 ms), asks nobody meanwhile, so m2 has never heard of it. The hold
  // ends at 24,062 ms: m2 ends the requests it holds (c4, c3, c1: superseded), and c2's EX, which
  // nothing named, stood beside c1's new grant (token 1027). c2 has long since unlocked: its
  // session is adopted at m2 at 29,293.58 ms, which ends the lock it still awaited the answer on
  // (`expire`), and its unlock is answered INVALID_ARG.
  it('m2 traces hold-end on a, keeping no lock, before it grants c1; no invariant breaks', () => {
    const { result, events } = runTwice(threeShortLockDelay, 18204);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'grant', { client: 'c2', resource: 'a' }).map((e) => `${e.t} ${e.node} ${String(e.f.token)}`)).toContain('6423.911 m1 26');
    expect(pick(events, 'write', { client: 'c2', resource: 'a', token: 26 }).map((e) => e.t)).toEqual([6654.266]);
    expect(pick(events, 'request', { client: 'c2', resource: 'a', op: 'unlock' }).map((e) => e.t).filter((t) => t > 6_423.911)).toEqual([6662.716]);
    // Nothing names c2's lock on a between its grant and the hold's end.
    expect(timelineBetween(events, 'a', 6_423.911, 24_062, ['release', 'expire']).filter((line) => line.includes('client=c2'))).toEqual([]);
    expect(pick(events, 'hold-end').map((e) => `${e.t} ${e.node} ${String(e.f.resource)} [${String(e.f.kept)}]`)).toEqual(['24062 m2 a []']);
    expect(timelineBetween(events, 'a', 24_062, 24_062, ['grant', 'release', 'expire', 'hold-end'])).toEqual([
      '24062 m2 release client=c4 reason=superseded',
      '24062 m2 release client=c3 reason=superseded',
      '24062 m2 release client=c1 reason=superseded',
      '24062 m2 hold-end',
      '24062 m2 grant client=c1 mode=EX token=1027 recovery',
    ]);
    expect(pick(events, 'expire', { client: 'c2', resource: 'a' }).map((e) => `${e.t} ${e.node}`)).toEqual(['29293.58 m2']);
    expect(pick(events, 'complete', { client: 'c2', resource: 'a', status: 'INVALID_ARG' }).map((e) => e.t)).toEqual([29336.872]);
    expect(result.traceHash).toBe('9a42d5ddb3f54b78');
  });
});
