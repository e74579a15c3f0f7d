import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation, TraceRecorder, type Fault, type PartitionFault, type TraceEvent } from '../../src/sim/index.js';

/**
 * A sender `s` sends message i (payload {type:'m', i, to}) to the given destination at the
 * given true time (mono clocks have no drift here, so mono = true time).
 */
function senderWorld(opts: {
  seed: number;
  sends: readonly { atUs: number; to: string }[];
  receivers: readonly string[];
  latencyUs: readonly [number, number];
  fifo: boolean;
  faults: readonly Fault[];
}) {
  const rec = new TraceRecorder();
  const sim = new Simulation({ seed: opts.seed, listeners: [rec], network: { latencyUs: opts.latencyUs, fifo: opts.fifo } });
  const received = new Map<string, number[]>(opts.receivers.map((r) => [r, []]));
  sim.addNode('s', () => ({
    onStart: (c) => opts.sends.forEach((send, i) => c.setTimerAt(send.atUs, 'mono', i)),
    onMessage() {},
    onTimer: (c, tag) => {
      const i = tag as number;
      c.send(opts.sends[i]!.to, { type: 'm', i });
    },
  }));
  for (const r of opts.receivers) sim.addNode(r, () => ({ onMessage: (_c, _f, m) => received.get(r)!.push(m.i as number) }));
  sim.addFaults(opts.faults);
  sim.run(100_000_000);
  return { received, events: rec.events };
}

/** The true times of the sends, in order. */
function messageTimes(events: readonly TraceEvent[]) {
  const sendUs: number[] = [];
  for (const e of events) if (e.type === 'send') sendUs.push(e.tUs);
  return sendUs;
}

describe('network: FIFO links and pauses', () => {
  it('a pause never loses or reorders a message on a FIFO link', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 40 }).map((ts) => [...ts].sort((a, b) => a - b)),
        fc.array(fc.record({ atUs: fc.integer({ min: 0, max: 250_000 }), forUs: fc.integer({ min: 0, max: 60_000 }) }), { maxLength: 6 }),
        fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 30_000 })),
        (seed, times, pauses, [minUs, widthUs]) => {
          const faults: Fault[] = pauses.map((p) => ({ kind: 'pause', node: 'r', atUs: p.atUs, forUs: p.forUs }));
          const { received, events } = senderWorld({
            seed,
            sends: times.map((atUs) => ({ atUs, to: 'r' })),
            receivers: ['r'],
            latencyUs: [minUs, minUs + widthUs],
            fifo: true,
            faults,
          });
          expect(received.get('r')).toEqual(times.map((_, i) => i));
          // Deliveries happen only while r is not paused.
          const pausedAt = (t: number) => pauses.some((p) => p.atUs < t && t < p.atUs + p.forUs);
          for (const e of events) if (e.type === 'deliver') expect(pausedAt(e.tUs)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a non-FIFO link may reorder, a FIFO link with the same draws may not', () => {
    const sends = Array.from({ length: 30 }, (_, i) => ({ atUs: i * 10, to: 'r' }));
    const base = { seed: 3, sends, receivers: ['r'], latencyUs: [100, 5000] as const, faults: [] };
    const loose = senderWorld({ ...base, fifo: false }).received.get('r')!;
    const strict = senderWorld({ ...base, fifo: true }).received.get('r')!;
    expect([...loose].sort((a, b) => a - b)).toEqual(sends.map((_, i) => i));
    expect(loose).not.toEqual(sends.map((_, i) => i));
    expect(strict).toEqual(sends.map((_, i) => i));
  });
});

describe('network: partitions', () => {
  const nodes = ['s', 'b', 'c'];
  const partitionArb: fc.Arbitrary<PartitionFault> = fc
    .record({
      startSlot: fc.integer({ min: 0, max: 400 }),
      lengthSlots: fc.integer({ min: 1, max: 300 }),
      assignment: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
      oneWay: fc.boolean(),
      permanent: fc.boolean(),
    })
    .map(({ startSlot, lengthSlots, assignment, oneWay, permanent }) => {
      // group 0 / group 1 / not partitioned (2); boundaries at odd multiples of 5 µs avoid ties with sends.
      const groups = [nodes.filter((_, i) => assignment[i] === 0), nodes.filter((_, i) => assignment[i] === 1)];
      const f: PartitionFault = { kind: 'partition', atUs: startSlot * 100 + 5, groups };
      if (!permanent) f.forUs = lengthSlots * 100;
      if (oneWay) f.oneWay = true;
      return f;
    })
    .filter((f) => f.groups.every((g) => g.length > 0));

  /** Whether partition `p` separates from→to at true time t (independent of the kernel). */
  function cuts(p: PartitionFault, from: string, to: string, t: number): boolean {
    const active = p.atUs <= t && (p.forUs === undefined || t < p.atUs + p.forUs);
    if (!active) return false;
    const gi = p.groups.findIndex((g) => g.includes(from));
    const gj = p.groups.findIndex((g) => g.includes(to));
    if (gi < 0 || gj < 0 || gi === gj) return false;
    return p.oneWay === true ? gi === 0 && gj === 1 : true;
  }

  it('a partition drops exactly the messages that cross it while it lasts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.record({ slot: fc.integer({ min: 0, max: 800 }), to: fc.constantFrom('b', 'c') }), { minLength: 1, maxLength: 40 }),
        fc.array(partitionArb, { maxLength: 3 }),
        (seed, raw, partitions) => {
          const sends = [...raw].sort((x, y) => x.slot - y.slot).map((s) => ({ atUs: s.slot * 100, to: s.to }));
          const world = { seed, sends, receivers: ['b', 'c'], latencyUs: [50, 20_000] as const, fifo: false };
          // Without partitions every message arrives; latency draws do not depend on faults,
          // so this run tells each message's would-be delivery time.
          const free = senderWorld({ ...world, faults: [] });
          expect(messageTimes(free.events)).toEqual(sends.map((s) => s.atUs));
          // Delivery order is by arrival; match deliveries to messages via the payload index.
          const arrivalOf = new Map<number, number>();
          const order = new Map<string, number>();
          for (const [to, idxs] of free.received) idxs.forEach((i, j) => order.set(`${to}:${j}`, i));
          const perTo = new Map<string, number>();
          for (const e of free.events) {
            if (e.type !== 'deliver') continue;
            const to = e.fields!.to as string;
            const j = perTo.get(to) ?? 0;
            perTo.set(to, j + 1);
            arrivalOf.set(order.get(`${to}:${j}`)!, e.tUs);
          }
          const boundaries = partitions.flatMap((p) => (p.forUs === undefined ? [p.atUs] : [p.atUs, p.atUs + p.forUs]));
          fc.pre([...arrivalOf.values()].every((t) => !boundaries.includes(t)));

          const expectedDropped = sends
            .map((s, i) => ({ ...s, i }))
            .filter((s) => partitions.some((p) => cuts(p, 's', s.to, s.atUs) || cuts(p, 's', s.to, arrivalOf.get(s.i)!)))
            .map((s) => s.i);
          const cut = senderWorld({ ...world, faults: partitions });
          const delivered = new Set([...cut.received.values()].flat());
          const dropped = sends.map((_, i) => i).filter((i) => !delivered.has(i));
          expect(dropped).toEqual(expectedDropped);
          const drops = cut.events.filter((e) => e.type === 'drop');
          expect(drops.length).toBe(expectedDropped.length);
          expect(drops.every((e) => e.fields!.reason === 'partition')).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('overlapping partitions are reference-counted: the link heals only when both end', () => {
    const sends = [1000, 3000, 5000, 7000].map((atUs) => ({ atUs, to: 'b' }));
    const { received, events } = senderWorld({
      seed: 1,
      sends,
      receivers: ['b'],
      latencyUs: [10, 10],
      fifo: true,
      faults: [
        { kind: 'partition', atUs: 2000, groups: [['s'], ['b']], forUs: 2000 },
        { kind: 'partition', atUs: 2500, groups: [['s'], ['b']], forUs: 3000 },
      ],
    });
    expect(received.get('b')).toEqual([0, 3]);
    expect(events.filter((e) => e.type === 'heal').map((e) => e.tUs)).toEqual([4000, 5500]);
  });

  it('a one-way partition drops only messages from groups[0] to groups[1]', () => {
    const rec = new TraceRecorder();
    const sim = new Simulation({ seed: 1, listeners: [rec], network: { latencyUs: [10, 10] } });
    const got: string[] = [];
    for (const id of ['x', 'y']) {
      sim.addNode(id, () => ({
        onStart: (c) => c.setTimer(100, 'go'),
        onMessage: (_c, from) => got.push(`${from}->${id}`),
        onTimer: (c) => c.send(id === 'x' ? 'y' : 'x', { type: 'hi' }),
      }));
    }
    sim.addFaults([{ kind: 'partition', atUs: 50, groups: [['x'], ['y']], oneWay: true }]);
    sim.run(10_000);
    expect(got).toEqual(['y->x']);
    expect(rec.events.filter((e) => e.type === 'drop').map((e) => [e.node, e.fields!.from, e.fields!.reason])).toEqual([['x', 'x', 'partition']]);
    expect(rec.events.find((e) => e.type === 'partition')!.fields).toEqual({ groups: [['x'], ['y']], oneWay: true });
  });
});

describe('network: windows, loss and duplication', () => {
  it('delay windows add latency to messages sent inside them; drop windows drop them', () => {
    const sends = [1000, 3000, 5000, 7000].map((atUs) => ({ atUs, to: 'b' }));
    const delayed = senderWorld({
      seed: 1,
      sends,
      receivers: ['b'],
      latencyUs: [10, 10],
      fifo: false,
      faults: [{ kind: 'delay', atUs: 2000, from: 's', to: 'b', extraUs: 10_000, forUs: 2000 }],
    });
    expect(delayed.events.filter((e) => e.type === 'deliver').map((e) => e.tUs)).toEqual([1010, 5010, 7010, 13_010]);
    expect(delayed.events.filter((e) => e.type === 'delay' || e.type === 'delay-end').map((e) => [e.tUs, e.type, e.node])).toEqual([
      [2000, 'delay', 'net'],
      [4000, 'delay-end', 'net'],
    ]);
    const dropped = senderWorld({
      seed: 1,
      sends,
      receivers: ['b'],
      latencyUs: [10, 10],
      fifo: false,
      faults: [{ kind: 'drop', atUs: 4000, from: 's', to: 'b', forUs: 2000 }],
    });
    expect(dropped.received.get('b')).toEqual([0, 1, 3]);
    expect(dropped.events.filter((e) => e.type === 'drop').map((e) => e.fields!.reason)).toEqual(['window']);
  });

  it('loss and duplication follow the link rates, drawn from the link’s own stream', () => {
    const sends = Array.from({ length: 400 }, (_, i) => ({ atUs: i * 100, to: 'b' }));
    const rec = new TraceRecorder();
    const sim = new Simulation({ seed: 8, listeners: [rec], network: { latencyUs: [10, 50] } });
    const got: number[] = [];
    sim.addNode('s', () => ({
      onStart: (c) => sends.forEach((s, i) => c.setTimerAt(s.atUs, 'mono', i)),
      onMessage() {},
      onTimer: (c, tag) => c.send('b', { type: 'm', i: tag }),
    }));
    sim.addNode('b', () => ({ onMessage: (_c, _f, m) => got.push(m.i as number) }));
    sim.setLink('s', 'b', { dropRate: 0.25, duplicateRate: 0.25 });
    const stats = sim.run(1_000_000);
    const drops = rec.events.filter((e) => e.type === 'drop');
    expect(drops.every((e) => e.fields!.reason === 'loss')).toBe(true);
    expect(drops.length).toBeGreaterThan(60);
    expect(drops.length).toBeLessThan(140);
    const dups = got.length - new Set(got).size;
    expect(dups).toBeGreaterThan(40);
    expect(stats.delivered).toBe(got.length);
    expect(stats.dropped).toBe(drops.length);
    expect(got.length).toBe(400 - drops.length + dups);
  });

  it('a link reconfigured between runs from duplicating to plain stops duplicating at once', () => {
    const got: number[] = [];
    const sim = new Simulation({ seed: 3, network: { latencyUs: [10, 50] } });
    sim.addNode('s', () => ({
      onStart: (c) => {
        c.setTimerAt(100, 'mono', 1);
        c.setTimerAt(10_000, 'mono', 2);
      },
      onMessage() {},
      onTimer: (c, tag) => c.send('b', { type: 'm', i: tag }),
    }));
    sim.addNode('b', () => ({ onMessage: (_c, _f, m) => got.push(m.i as number) }));
    sim.setLink('s', 'b', { duplicateRate: 1 });
    sim.run(5000);
    expect(got).toEqual([1, 1]);
    sim.setLink('s', 'b', { duplicateRate: 0 });
    sim.run(20_000);
    expect(got).toEqual([1, 1, 2]);
  });

  it('adding a node and its traffic never shifts another link’s latency draws', () => {
    const latencies = (extraNode: boolean) => {
      const rec = new TraceRecorder();
      const sim = new Simulation({ seed: 4, listeners: [rec], network: { latencyUs: [100, 90_000], fifo: false } });
      if (extraNode) sim.addNode('early', () => ({ onStart: (c) => c.send('b', { type: 'noise' }), onMessage() {} }));
      sim.addNode('a', () => ({
        onStart: (c) => {
          for (let i = 0; i < 20; i++) c.setTimerAt(i * 1000, 'mono', i);
        },
        onMessage() {},
        onTimer: (c, tag) => c.send('b', { type: 'm', i: tag }),
      }));
      sim.addNode('b', () => ({ onMessage() {} }));
      sim.run(10_000_000);
      const sent = new Map<number, number>();
      const out: number[] = [];
      let i = 0;
      for (const e of rec.events) {
        if (e.type === 'send' && e.node === 'a') sent.set(i++, e.tUs);
      }
      for (const e of rec.events) if (e.type === 'deliver' && e.fields!.from === 'a') out.push(e.tUs);
      return { sent: [...sent.values()], out: out.sort((x, y) => x - y) };
    };
    expect(latencies(true)).toEqual(latencies(false));
  });
});
