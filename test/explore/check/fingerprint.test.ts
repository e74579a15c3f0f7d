// The world fingerprint sees what a fault leaves behind: a cut link, the heal still to come, a
// clock that reads differently. Two worlds that differ only there must not be merged by the
// visited set, or a check that injects partitions and clock jumps would skip states it never saw.
import { describe, expect, it } from 'vitest';
import { ChoosingScheduler, type ChoiceBounds, type ChoiceController } from '../../../src/explore/check/choices.js';
import { Simulation, type Fault, type Fingerprint, type ProcessContext, type ProcessFactory } from '../../../src/sim/index.js';

const MS = 1000;
const idle: ProcessFactory = () => ({ onMessage() {} });

const BOUNDS: ChoiceBounds = {
  latencyUs: [MS, MS],
  fifo: true,
  faultKinds: [],
  faultBudget: 0,
  crashRestartUs: MS * MS,
  pauseUs: MS * MS,
  partitionUs: MS * MS,
  clockJumpUs: MS * MS,
  keptReachable: [],
  horizonUs: 1000 * MS,
};

/** The fingerprint of three idle nodes under `faults`, at `atMs`; `decide` takes the check's choices (default: the timed order). */
function fingerprintAt(atMs: number, faults: readonly Fault[], bounds = BOUNDS, decide: ChoiceController['decide'] = () => 0): Fingerprint {
  const scheduler = new ChoosingScheduler(bounds, { decide });
  const sim = new Simulation({ seed: 1, scheduler });
  for (const id of ['a', 'b', 'c']) sim.addNode(id, idle);
  scheduler.attach(sim);
  sim.addFaults(faults);
  sim.run(atMs * MS);
  return scheduler.worldHash();
}

const isolate = (node: string, others: string[], atMs: number, forMs: number): Fault => ({ kind: 'partition', atUs: atMs * MS, groups: [[node], others], forUs: forMs * MS });

describe('the world fingerprint', () => {
  it('tells a world with a partition in force from the same world without it, and forgets the partition once it heals', () => {
    const partition = isolate('a', ['b', 'c'], 5, 100);
    expect(fingerprintAt(10, [partition])).not.toEqual(fingerprintAt(10, []));
    expect(fingerprintAt(200, [partition])).toEqual(fingerprintAt(200, []));
  });

  it('tells which node a partition cut off, and which partition heals first', () => {
    expect(fingerprintAt(10, [isolate('a', ['b', 'c'], 5, 100)])).not.toEqual(fingerprintAt(10, [isolate('b', ['a', 'c'], 5, 100)]));
    const aFirst = [isolate('a', ['b', 'c'], 5, 100), isolate('b', ['a', 'c'], 5, 200)];
    const bFirst = [isolate('a', ['b', 'c'], 5, 200), isolate('b', ['a', 'c'], 5, 100)];
    expect(fingerprintAt(10, aFirst)).not.toEqual(fingerprintAt(10, bFirst));
  });

  it('tells a node whose wall clock jumped, and a drifting clock, from one that did not', () => {
    const jumped = fingerprintAt(10, [{ kind: 'clock-jump', atUs: 5 * MS, node: 'a', byUs: 1000 * MS, clock: 'wall' }]);
    const drifting = fingerprintAt(10, [{ kind: 'clock-drift', atUs: 5 * MS, node: 'a', ppm: 100_000 }]);
    const plain = fingerprintAt(10, []);
    expect(new Set([jumped, drifting, plain].map((f) => `${f.high}:${f.low}`)).size).toBe(3);
  });

  it('is the same for the same world reached at another instant (times are relative to now)', () => {
    expect(fingerprintAt(10, [])).toEqual(fingerprintAt(20, []));
    expect(fingerprintAt(10, [isolate('a', ['b', 'c'], 5, 100)])).toEqual(fingerprintAt(20, [isolate('a', ['b', 'c'], 15, 100)]));
  });

  it('tells a world whose path has spent its fault budget from the same world with the budget left', () => {
    // A pause of 0 ms leaves the nodes as they were; only the budget is spent.
    const pauses: ChoiceBounds = { ...BOUNDS, faultKinds: ['pause'], faultBudget: 1, pauseUs: 0 };
    const pauseFirst: ChoiceController['decide'] = (point) => Math.max(0, point.choices.findIndex((c) => c.kind === 'pause'));
    expect(fingerprintAt(10, [], pauses, pauseFirst)).not.toEqual(fingerprintAt(10, [], pauses));
  });

  it('tells a message sent long ago from one just sent that is due at the same instant (in a network with a latest arrival)', () => {
    // The same delivery due 0.5 ms from now: sent 2.5 ms ago over a 3 ms link, or 0.5 ms ago over a
    // 1 ms one. Within latencies of 1 to 5 ms the first may be overtaken for 2.5 ms more, the other for 4.5.
    const inFlight = (latencyMs: number, sendAtMs: number): Fingerprint => {
      const scheduler = new ChoosingScheduler({ ...BOUNDS, latencyUs: [MS, 5 * MS] }, { decide: () => 0 });
      const sim = new Simulation({ seed: 1, scheduler, network: { latencyUs: [latencyMs * MS, latencyMs * MS] } });
      const send = (c: ProcessContext): void => c.send('b', { type: 'hello' });
      sim.addNode('a', () => ({ onStart: (c) => (sendAtMs === 0 ? send(c) : c.setTimer(sendAtMs * MS, 'send')), onTimer: send, onMessage() {} }));
      sim.addNode('b', idle);
      scheduler.attach(sim);
      sim.run(2.5 * MS);
      return scheduler.worldHash();
    };
    expect(inFlight(3, 0)).not.toEqual(inFlight(1, 2));
  });
});
