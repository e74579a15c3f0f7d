/**
 * Recovery races found by the scenario catalogue's swarm (bugs DLM-5 and DLM-6), each pinned with
 * the seeds that showed it. Latencies are drawn from 1..5 ms by the seed, so these tests assert
 * outcomes (every request answered, no invariant broken), not instants.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, run, runTwice, scenario } from './world.js';

/** Each client takes `resource` EX, writes it, lets go, `repeat` times. */
function writer(id: string, home: string | undefined, startMs: number, resource: string, repeat: number): ScenarioInput['clients'][number] {
  return {
    id,
    ...(home !== undefined ? { home } : {}),
    startMs,
    repeat,
    steps: [
      { op: 'lock', resource, mode: 'EX' },
      { op: 'read', resource },
      { op: 'work', ms: 300 },
      { op: 'write', resource, value: id },
      { op: 'unlock', resource },
      { op: 'sleep', ms: 200 },
    ],
  } as ScenarioInput['clients'][number];
}

function answeredAll(events: ReturnType<typeof run>['events'], clients: readonly string[]): void {
  for (const client of clients) {
    expect(pick(events, 'complete', { client }).length, `${client}'s requests`).toBe(pick(events, 'request', { client }).length);
  }
}

describe('a client re-homed while its lock\u2019s master is rebuilt (DLM-5)', () => {
  // m2 masters `ledger` and is c1's and c4's home; it crashes at 700 with c4's request queued.
  // c4 reclaims its session at m3 while m1 rebuilds `ledger` from the copies, whose record of c4's
  // request still names m2 as home: the outcome must follow the session to m3.
  const input = scenario({
    lockService: { leaseMs: 6000, keepAliveMs: 2000, graceMs: 20_000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 5] },
    clients: [writer('c1', 'm2', 0, 'ledger', 4), writer('c2', 'm1', 10, 'ledger', 4), writer('c3', 'm3', 20, 'ledger', 4), writer('c4', 'm2', 30, 'ledger', 4)],
    faults: [{ atMs: 700, kind: 'crash', node: 'm2', restartAfterMs: 8000 }],
    durationMs: 40_000,
  });

  it.each([0, 7])('seed %i: c4 hears of the grant made by the rebuilt master, and every request completes', (seed) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations).toEqual([]);
    // c4's first request (sent before the crash) is granted by m1 after the rebuild, and reaches c4.
    const first = outcomes(events, 'c4', 'ledger')[0]!;
    expect(first).toMatch(/ ledger GRANTED EX token=100\d$/);
    expect(pick(events, 'grant', { client: 'c4', resource: 'ledger' })[0]!.node).toBe('m1');
    // Its lock is never orphaned to a dead home and expired.
    expect(pick(events, 'expire', { client: 'c4' })).toEqual([]);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });

  it('seeds 0..19 all pass', () => {
    for (let seed = 0; seed < 20; seed++) expect(run(input, seed).result.violations, `seed ${seed}`).toEqual([]);
  });
});

describe('a manager reset after a one-way drop made a peer declare it dead (DLM-6)', () => {
  // m1 → m2 is cut from 1686 to 6122 ms: m2 declares m1 dead at 7000, m1 resets (m1@1) and adopts
  // its clients' sessions again before m3 has heard of the new generation. m3 must learn m1@1
  // from the adoption request itself and answer that generation, or the adoption waits forever.
  const input = scenario({
    lockService: { leaseMs: 5000, keepAliveMs: 1000, graceMs: 10_000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 10] },
    clients: ['c1', 'c2', 'c3', 'c4'].map((id, i) => ({
      id,
      startMs: i * 50,
      repeat: 6,
      steps: [
        { op: 'lock', resource: 'a', mode: 'EX' },
        { op: 'read', resource: 'a' },
        { op: 'work', ms: 200 },
        { op: 'write', resource: 'a', value: id },
        { op: 'unlock', resource: 'a' },
        { op: 'lock', resource: 'b', mode: i % 2 === 0 ? 'EX' : 'PR' },
        { op: 'read', resource: 'b' },
        { op: 'work', ms: 100 },
        { op: 'unlock', resource: 'b' },
        { op: 'sleep', ms: 300 },
      ],
    })) as ScenarioInput['clients'],
    faults: [{ atMs: 1686, kind: 'drop', from: 'm1', to: 'm2', forMs: 4436 }],
    durationMs: 60_000,
  });

  it.each([15, 79, 290])('seed %i: the reset manager\u2019s adoptions complete and every request is answered', (seed) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset', { gen: 1 }).map((e) => e.node)).toEqual(['m1']);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });
});

/** The swarm scenario's workload (scenarios/swarm-fenced-dlm.json): four clients on `a` (EX) and `b` (EX or PR). */
function swarmClients(): ScenarioInput['clients'] {
  return ['c1', 'c2', 'c3', 'c4'].map((id, i) => {
    const bMode = i % 2 === 0 ? 'EX' : 'PR';
    const bSteps = bMode === 'EX'
      ? [{ op: 'lock', resource: 'b', mode: 'EX' }, { op: 'read', resource: 'b' }, { op: 'work', ms: 100 }, { op: 'write', resource: 'b', value: id }, { op: 'unlock', resource: 'b' }]
      : [{ op: 'lock', resource: 'b', mode: 'PR' }, { op: 'read', resource: 'b' }, { op: 'work', ms: 100 }, { op: 'unlock', resource: 'b' }];
    return {
      id,
      startMs: i * 50,
      repeat: 6,
      steps: [
        { op: 'lock', resource: 'a', mode: 'EX' },
        { op: 'read', resource: 'a' },
        { op: 'work', ms: 200 },
        { op: 'write', resource: 'a', value: id },
        { op: 'unlock', resource: 'a' },
        ...bSteps,
        { op: 'sleep', ms: 300 },
      ],
    };
  }) as ScenarioInput['clients'];
}

function swarmRun(leaseMs: number, graceMs: number, faults: ScenarioInput['faults'], seed: number, durationMs = 60_000) {
  return runTwice(
    scenario({
      lockService: { leaseMs, keepAliveMs: 1000, graceMs, fencing: true },
      storage: { checkTokens: true },
      network: { latencyMs: [1, 10] },
      clients: swarmClients(),
      faults,
      durationMs,
    }),
    seed,
  );
}

describe('swarm seeds with partitions and double faults', () => {
  it('a minority that took a peer back at the same generation resumes its link where it stopped (seed 16)', () => {
    // One-way partition: m2 stops hearing m1 and m3, declares them dead alone, and takes m1 back
    // when it heals. Had m2 restarted its sequence numbers towards m1, m1 (which never declared
    // m2 dead) would have dropped all of m2's new messages as duplicates: c4's unlock, whose copy
    // m2 holds, would never reach its master.
    const { result, events } = swarmRun(5000, 10_000, [{ atMs: 6000, kind: 'partition', groups: [['m1', 'm3', 'c1', 'c4'], ['m2', 'storage', 'c2', 'c3']], forMs: 6216, oneWay: true }], 16);
    expect(result.violations).toEqual([]);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });

  it('a home restarted before anyone noticed asks its client what it holds before adopting its session (seed 86)', () => {
    // m3 (c3's home and copy holder) and m1 (master of `a`, where c3 holds EX and is unlocking)
    // crash 1 s apart and restart unnoticed. The session comes back to m3@1000; c3's lock on `a`
    // is known to no live manager, so the adoption must end it, or `a`'s new master would grant
    // it again beside c3 once its hold is over.
    const { result, events } = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 5664, kind: 'crash', node: 'm3', restartAfterMs: 2470 },
        { atMs: 6669, kind: 'crash', node: 'm1', restartAfterMs: 2952 },
        { atMs: 30261, kind: 'clock-jump', node: 'm1', byMs: 2645, clock: 'wall' },
        { atMs: 36141, kind: 'clock-jump', node: 'm3', byMs: -1400, clock: 'wall' },
        { atMs: 43675, kind: 'clock-jump', node: 'm1', byMs: 898, clock: 'wall' },
        { atMs: 52933, kind: 'drop', from: 'c3', to: 'm3', forMs: 1272 },
      ],
      86,
    );
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire', { client: 'c3', resource: 'a' }).map((e) => e.node)).toEqual(['m3']);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });

  it('a master assigned with recovery in a view it had already left still gathers when it asks again (seed 486)', () => {
    const { result, events } = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 2449, kind: 'crash', node: 'm3', restartAfterMs: 6321 },
        { atMs: 8919, kind: 'partition', groups: [['m1', 'm2', 'storage', 'c1', 'c3', 'c4'], ['m3', 'c2']], forMs: 8929 },
        { atMs: 10448, kind: 'pause', node: 'c3', forMs: 9573 },
        { atMs: 15124, kind: 'clock-drift', node: 'storage', ppm: 945 },
        { atMs: 22099, kind: 'crash', node: 'm1', restartAfterMs: 5899 },
        { atMs: 22798, kind: 'pause', node: 'c2', forMs: 556 },
        { atMs: 35163, kind: 'delay', from: 'm2', to: 'c4', extraMs: 1672, forMs: 2229 },
        { atMs: 43066, kind: 'delay', from: 'c4', to: 'storage', extraMs: 2406, forMs: 2714 },
        { atMs: 49312, kind: 'drop', from: 'c2', to: 'c1', forMs: 360 },
        { atMs: 54128, kind: 'drop', from: 'c3', to: 'm3', forMs: 1852 },
      ],
      486,
    );
    expect(result.violations).toEqual([]);
    // m1 (master of `a`) crashed at 22 099: every later token on `a` is above the recovery gap.
    const after = pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 22_099 && typeof e.f.token === 'number');
    expect(after.length).toBeGreaterThan(0);
    for (const g of after) expect(g.f.token as number).toBeGreaterThan(1000);
  });

  it('a grant replayed by a rebuilt master is copied on the copy holder the lock moved to (seed 5624)', () => {
    // m1 crashes and restarts unnoticed; m2, c2's home, rebuilds `a` with c2's request pending in
    // its own copy, which moves to its buddy m3 as m2 now masters `a`. When m2 grants c2 and then
    // crashes, m3 must hold the grant, or `a`'s next master would hand it to c1 beside c2. m3
    // rebuilds `a` after losing two managers and holds it; m3 crashes before the hold is over, m2
    // rebuilds and holds `a`, a partition leaves m2 alone and m3 rebuilds and holds it once more:
    // that hold ends, and c1 is granted, at 63,460 ms, so the run lasts 90 s for every request to
    // be answered.
    const { result, events } = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 1790, kind: 'crash', node: 'm1', restartAfterMs: 712 },
        { atMs: 4296, kind: 'crash', node: 'm2', restartAfterMs: 2136 },
        { atMs: 19832, kind: 'crash', node: 'm3', restartAfterMs: 4631 },
        { atMs: 29446, kind: 'partition', groups: [['m2', 'c1', 'c3'], ['m1', 'm3', 'storage', 'c2', 'c4']], forMs: 7636 },
        { atMs: 31867, kind: 'drop', from: 'c1', to: 'c3', forMs: 616 },
        { atMs: 33088, kind: 'clock-jump', node: 'm2', byMs: 642, clock: 'wall' },
        { atMs: 40606, kind: 'partition', groups: [['m3', 'c2', 'c3'], ['m1', 'm2', 'storage', 'c1', 'c4']], forMs: 2340 },
        { atMs: 44324, kind: 'drop', from: 'c3', to: 'c1', forMs: 762 },
        { atMs: 53094, kind: 'drop', from: 'c2', to: 'm2', forMs: 380 },
      ],
      5624,
      90_000,
    );
    expect(result.violations).toEqual([]);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });

  it('a second recovery of a resource starts its tokens above what the first recovered master may have issued unseen (seed 2769)', () => {
    // m2 rebuilds `a` (base: the survivors' highest token + the gap) and holds it; when its hold
    // ends it grants c4 a token while cut off from every copy holder, then is declared dead. m1's
    // rebuild must not start from the same base, or it issues the same token again.
    const { result, events } = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 372, kind: 'partition', groups: [['m1', 'm3', 'storage', 'c1', 'c2', 'c4'], ['m2', 'c3']], forMs: 6526, oneWay: true },
        { atMs: 6106, kind: 'crash', node: 'm1', restartAfterMs: 8244 },
        { atMs: 9978, kind: 'pause', node: 'c3', forMs: 3768 },
        { atMs: 10264, kind: 'clock-drift', node: 'c1', ppm: 401 },
        { atMs: 10579, kind: 'delay', from: 'm3', to: 'c2', extraMs: 1264, forMs: 1197 },
        { atMs: 13422, kind: 'pause', node: 'm1', forMs: 8141 },
        { atMs: 14330, kind: 'partition', groups: [['c1'], ['m1', 'm2', 'm3', 'storage', 'c2', 'c3', 'c4']], forMs: 1697 },
        { atMs: 16079, kind: 'pause', node: 'm1', forMs: 966 },
        { atMs: 37092, kind: 'partition', groups: [['m1', 'm3', 'storage', 'c1'], ['m2', 'c2', 'c3', 'c4']], forMs: 7011 },
        { atMs: 39830, kind: 'clock-drift', node: 'c2', ppm: 822 },
        { atMs: 49233, kind: 'clock-drift', node: 'c1', ppm: -385 },
      ],
      2769,
    );
    expect(result.violations).toEqual([]);
    const tokens = pick(events, 'grant', { resource: 'a' }).flatMap((e) => (typeof e.f.token === 'number' ? [e.f.token] : []));
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('a copy that returns from the buddy to the home that came back leaves nothing stale behind (seed 9997)', () => {
    // m3 (c3's home) is cut off and reset; its copies move to m1's buddy m2, and back to m3@1 when
    // it rejoins. m2 must drop its copy then: when m1 (master of `a`) crashes later, m2's stale
    // copy (c3 holding EX, long released) would outrank m3's fresh one and be rebuilt as granted.
    const { result } = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 1314, kind: 'partition', groups: [['m3', 'c1', 'c4'], ['m1', 'm2', 'storage', 'c2', 'c3']], forMs: 9355 },
        { atMs: 14995, kind: 'crash', node: 'm1', restartAfterMs: 7646 },
        { atMs: 24365, kind: 'clock-jump', node: 'm1', byMs: -2286, clock: 'wall' },
        { atMs: 29566, kind: 'clock-jump', node: 'm3', byMs: 4598, clock: 'wall' },
        { atMs: 29714, kind: 'clock-jump', node: 'c4', byMs: -1683, clock: 'wall' },
      ],
      9997,
    );
    expect(result.violations).toEqual([]);
  });

  it('a manager alone takes a peer back only on a heartbeat sent after the split, and counts it only once counted in (seeds 1759, 1896)', () => {
    // 1759: a stale heartbeat from m3 (sent as m3 declared m1 dead) would give m1 a quorum for an
    // instant, in which it grants c2 a lock it then loses when it resets.
    const a = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 4242, kind: 'partition', groups: [['m1', 'c4'], ['m2', 'm3', 'storage', 'c1', 'c2', 'c3']], forMs: 5095 },
        { atMs: 11954, kind: 'partition', groups: [['storage', 'c1', 'c2', 'c3'], ['m1', 'm2', 'm3', 'c4']], forMs: 221 },
        { atMs: 15436, kind: 'clock-drift', node: 'm1', ppm: 130 },
        { atMs: 24684, kind: 'clock-jump', node: 'm1', byMs: -919, clock: 'wall' },
        { atMs: 33488, kind: 'clock-drift', node: 'm2', ppm: 952 },
      ],
      1759,
    );
    expect(a.result.violations).toEqual([]);
    // 1896: all three managers cut off from each other; as it heals, m3 takes m2 back while m2
    // has not taken m3 back, and m2 takes m1 back: counted on m2's account, m1 and m3 would both
    // hold a quorum, and m1 would grant c1 a lock lost in its reset a moment later.
    const b = swarmRun(
      20_000,
      30_000,
      [
        { atMs: 1831, kind: 'partition', groups: [['m1', 'm3', 'storage', 'c1'], ['m2', 'c2', 'c3', 'c4']], forMs: 6645 },
        { atMs: 3852, kind: 'partition', groups: [['m1', 'm2', 'c2', 'c3', 'c4'], ['m3', 'storage', 'c1']], forMs: 4666 },
        { atMs: 8788, kind: 'clock-jump', node: 'c3', byMs: 3860, clock: 'wall' },
        { atMs: 9882, kind: 'clock-drift', node: 'm3', ppm: 8 },
        { atMs: 19297, kind: 'drop', from: 'm2', to: 'c1', forMs: 1786 },
        { atMs: 27014, kind: 'clock-drift', node: 'c4', ppm: 722 },
        { atMs: 38308, kind: 'partition', groups: [['m1', 'storage', 'c2', 'c4'], ['m2', 'm3', 'c1', 'c3']], forMs: 1129 },
        { atMs: 46617, kind: 'clock-jump', node: 'c4', byMs: -2191, clock: 'wall' },
        { atMs: 58599, kind: 'clock-drift', node: 'm2', ppm: -229 },
      ],
      1896,
    );
    expect(b.result.violations).toEqual([]);
    answeredAll(b.events, ['c1', 'c2', 'c3', 'c4']);
  });
});
