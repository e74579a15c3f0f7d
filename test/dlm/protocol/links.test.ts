/**
 * The reliable links (src/dlm/protocol/links.ts) on the kernel's network: in-order exactly-once
 * delivery under loss, duplication and reordering (a property over random networks and seeds),
 * and generations: nothing addressed to a dead incarnation reaches its successor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelMessage, ReliableLinks, type LinkHandler } from '../../../src/dlm/protocol/links.js';
import { Simulation, type Message, type Process, type ProcessContext } from '../../../src/sim/index.js';

/** A test message: its payload is its number. */
type Numbered = RelMessage<'n', number>;

/** A node that sends `count` numbered messages to `peer` at start and records what it receives. */
class Endpoint implements Process, LinkHandler {
  readonly links: ReliableLinks;
  readonly got: number[] = [];
  readonly gens: number[] = [];

  constructor(
    ctx: ProcessContext,
    private readonly peer: string,
    private readonly count: number,
  ) {
    this.links = new ReliableLinks(ctx, ctx.incarnation, this);
    this.links.setPeerGen(peer, 0);
  }

  onStart(): void {
    for (let n = 1; n <= this.count; n++) {
      const m: Numbered = new RelMessage('n', n);
      this.links.send(this.peer, m);
    }
    this.links.flushAcks();
  }

  onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
    this.links.receive(from, payload);
    this.links.flushAcks();
  }

  onTimer(_ctx: ProcessContext, tag: unknown): void {
    this.links.onTimer(tag);
  }

  deliver(_from: string, msg: RelMessage): void {
    this.got.push((msg as Numbered).body);
  }

  peerGeneration(peer: string, gen: number): void {
    this.gens.push(gen);
    this.links.setPeerGen(peer, gen);
  }

  linkStalled(): void {}
}

function world(seed: number, count: number, network: { dropRate: number; duplicateRate: number }) {
  const sim = new Simulation({ seed, network: { latencyUs: [1000, 30_000], fifo: false, ...network } });
  const nodes = new Map<string, Endpoint>();
  sim.addNode('a', (ctx) => {
    const e = new Endpoint(ctx, 'b', count);
    nodes.set(`a${ctx.incarnation}`, e);
    return e;
  });
  sim.addNode('b', (ctx) => {
    const e = new Endpoint(ctx, 'a', 0);
    nodes.set(`b${ctx.incarnation}`, e);
    return e;
  });
  return { sim, nodes };
}

describe('reliable links', () => {
  it('deliver every message exactly once, in order, over a lossy, duplicating, reordering network', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 150 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (seed, count, dropRate, duplicateRate) => {
          const { sim, nodes } = world(seed, count, { dropRate, duplicateRate });
          sim.run(120_000_000);
          const expected = Array.from({ length: count }, (_, i) => i + 1);
          expect(nodes.get('b0')!.got).toEqual(expected);
          expect(nodes.get('a0')!.links.unackedTo('b')).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('retransmit what the network lost', () => {
    const { sim, nodes } = world(7, 100, { dropRate: 0.3, duplicateRate: 0 });
    sim.run(60_000_000);
    expect(nodes.get('b0')!.got.length).toBe(100);
    expect(nodes.get('a0')!.links.retransmits).toBeGreaterThan(0);
  });

  it('never deliver to a restarted node what was addressed to its previous incarnation', () => {
    // b crashes at 1 ms (before anything arrives) and comes back at 5 ms as generation 1: a's
    // messages, addressed to generation 0, are answered with a nak; a learns generation 1 and
    // what it sends from then on arrives in order.
    const sim = new Simulation({ seed: 3, network: { latencyUs: [2000, 2000], fifo: true, dropRate: 0, duplicateRate: 0 } });
    const nodes = new Map<string, Endpoint>();
    sim.addNode('a', (ctx) => {
      const e = new Endpoint(ctx, 'b', 3);
      nodes.set('a', e);
      return e;
    });
    sim.addNode('b', (ctx) => {
      const e = new Endpoint(ctx, 'a', 0);
      nodes.set(`b${ctx.incarnation}`, e);
      return e;
    });
    sim.addFaults([{ kind: 'crash', atUs: 1000, node: 'b', restartAfterUs: 4000 }]);
    sim.run(1_000_000);
    const a = nodes.get('a')!;
    const b1 = nodes.get('b1')!;
    expect(b1.got).toEqual([]);
    // One nak per message addressed to generation 0; once a addresses generation 1, the old
    // messages are discarded (not re-sent to the new incarnation) and no further nak comes.
    expect(a.gens).toEqual([1, 1, 1]);
    expect(a.links.unackedTo('b')).toBe(0);
    const m: Numbered = new RelMessage('n', 42);
    a.links.send('b', m);
    expect(m.receiverGen).toBe(1);
    expect(m.seq).toBe(1);
  });
});
