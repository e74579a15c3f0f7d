// The fault-at-an-instant rule: a network or clock fault at time T is in force before nodes act
// at T, and the trace shows it first; a pause or crash of a node at its start instant takes it
// right after its start (starting is its first act).
import { describe, expect, it } from 'vitest';
import { Simulation, TraceRecorder, type Fault } from '../../src/sim/index.js';

/** Node a sends one message to b when it starts; returns what b received and the trace's types by node. */
function world(faults: Fault[]) {
  const rec = new TraceRecorder();
  const sim = new Simulation({ seed: 1, listeners: [rec], network: { latencyUs: [100, 100] } });
  const received: unknown[] = [];
  sim.addNode('a', () => ({ onStart: (c) => c.send('b', { type: 'hello' }), onMessage() {} }));
  sim.addNode('b', () => ({ onMessage: (_c, _from, m) => void received.push(m.type) }));
  sim.addFaults(faults);
  sim.run(10_000);
  return { received, trace: rec.events.map((e) => `${e.node} ${e.type}`) };
}

describe('a fault at an instant is in force before the nodes act at that instant', () => {
  it('a drop window from 0 drops the message a node sends as it starts, and is traced first', () => {
    const { received, trace } = world([{ kind: 'drop', atUs: 0, from: 'a', to: 'b', forUs: 1000 }]);
    expect(received).toEqual([]);
    expect(trace.indexOf('net drop-window')).toBeLessThan(trace.findIndex((line) => line.startsWith('a ')));
  });

  it('a partition from 0 as well; without a fault the message arrives', () => {
    expect(world([{ kind: 'partition', atUs: 0, groups: [['a'], ['b']], forUs: 1000 }]).received).toEqual([]);
    expect(world([]).received).toEqual(['hello']);
  });

  it('a pause at 0 takes the node right after its start: its first message is already sent', () => {
    const { received, trace } = world([{ kind: 'pause', atUs: 0, node: 'a', forUs: 1000 }]);
    expect(received).toEqual(['hello']);
    expect(trace.indexOf('a pause')).toBeGreaterThan(trace.indexOf('a send'));
  });
});
