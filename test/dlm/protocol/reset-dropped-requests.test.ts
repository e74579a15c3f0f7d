/**
 * A master that resets (declared dead while alive) drops its whole lock state, and with it every
 * request still queued there: it traces each as a `dequeue` with reason `reset`. Nothing else
 * would end such a request in the trace when the majority's rebuild never had it. The reason tells
 * the checkers it leaves this master's queue only: when a rebuild queued the request since (or a
 * later session's request on the same lock), that master's queue holds it and its entry stays
 * (test/check/reset-dequeue-rules.test.ts).
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
    expect(result.traceHash).toBe('65ed97bc4080a4c3');
  });
});
