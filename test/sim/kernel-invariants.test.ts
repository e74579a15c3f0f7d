/**
 * The kernel's invariant assertions fire, with their narrow error and where (time, node), when
 * the invariant is broken. The public API cannot break them (that is the point), so these tests
 * break them from inside: a scheduler that ignores its contract, or a part called out of turn.
 */
import { describe, expect, it } from 'vitest';
import { NodeClock } from '../../src/sim/clock.js';
import { KernelCore } from '../../src/sim/core.js';
import { EventInPastError, NodeNotReadyError, QueueTopError } from '../../src/sim/errors.js';
import { EventKind, SimEvent } from '../../src/sim/event.js';
import { MessagePath } from '../../src/sim/messages.js';
import { NodeState, Route, TimerRec } from '../../src/sim/node-state.js';
import { TimedScheduler, type Scheduler } from '../../src/sim/scheduler.js';
import { Simulation } from '../../src/sim/simulation.js';
import { TimerTable } from '../../src/sim/timers.js';

/**
 * A scheduler that breaks the peek/replaceTop contract: after peek() showed a delivery, pop()
 * removes the event behind it instead.
 */
class PeekPopMismatch implements Scheduler {
  private readonly inner = new TimedScheduler();
  private lastPeeked: SimEvent | undefined;
  get size(): number {
    return this.inner.size;
  }
  push(ev: SimEvent): void {
    this.inner.push(ev);
  }
  peek(): SimEvent | undefined {
    this.lastPeeked = this.inner.peek();
    return this.lastPeeked;
  }
  replaceTop(ev: SimEvent): void {
    this.inner.replaceTop(ev);
  }
  peekTimeUs(): number {
    return this.inner.peekTimeUs();
  }
  pop(): SimEvent | undefined {
    const first = this.inner.pop();
    if (first === undefined || first.kind !== EventKind.Deliver || first !== this.lastPeeked || this.inner.size === 0) return first;
    const second = this.inner.pop();
    this.inner.push(first);
    return second;
  }
}

describe('kernel invariants', () => {
  it('QueueTopError when the delivery that ran is not the event the scheduler removes', () => {
    const sim = new Simulation({ seed: 1, scheduler: new PeekPopMismatch(), network: { latencyUs: [1000, 1000] } });
    sim.addNode('a', () => ({
      onStart(c) {
        c.send('b', { type: 'ping' });
        c.setTimer(50_000, 'later');
      },
      onMessage() {},
    }));
    sim.addNode('b', () => ({ onMessage() {} }));
    let caught: unknown;
    try {
      sim.run(100_000);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QueueTopError);
    expect((caught as QueueTopError).atUs).toBe(1000);
    expect((caught as QueueTopError).node).toBe('b');
  });

  it('EventInPastError when an event is queued before the current time', () => {
    const core = new KernelCore({ seed: 1 });
    core.nowUs = 2000;
    const caught = catching(() => core.push(new SimEvent(1500, EventKind.Start, -1, -1, null, null)));
    expect(caught).toBeInstanceOf(EventInPastError);
    expect((caught as EventInPastError).eventUs).toBe(1500);
    expect((caught as EventInPastError).atUs).toBe(2000);
    expect((caught as EventInPastError).message).toBe(
      'lockstep: internal: an event was queued for t=1.5 ms, before the current time (t=2 ms)',
    );
  });

  it('NodeNotReadyError when a message would be delivered to a node that is down', () => {
    const core = new KernelCore({ seed: 1 });
    core.nowUs = 700;
    const a = new NodeState(0, 'a', () => ({ onMessage() {} }), new NodeClock({ offsetUs: 0, driftPpm: 0 }));
    const b = new NodeState(1, 'b', () => ({ onMessage() {} }), new NodeClock({ offsetUs: 0, driftPpm: 0 }));
    core.network.addNode('a');
    core.network.addNode('b');
    const route = new Route('b', a, b, core.network.link(0, 1));
    const caught = catching(() => new MessagePath(core).deliver(route, { type: 'ping' }, null));
    expect(caught).toBeInstanceOf(NodeNotReadyError);
    expect((caught as NodeNotReadyError).node).toBe('b');
    expect((caught as NodeNotReadyError).message).toBe(
      "lockstep: internal: a 'ping' was delivered on a node that is down or paused (t=0.7 ms, node b)",
    );
  });

  it('NodeNotReadyError when a timer would fire on a paused node', () => {
    const core = new KernelCore({ seed: 1 });
    const a = new NodeState(0, 'a', () => ({ onMessage() {} }), new NodeClock({ offsetUs: 0, driftPpm: 0 }));
    a.process = { onMessage() {} };
    a.paused = true;
    const rec = new TimerRec(7, a, 'mono', 100, 'tick', false, '', undefined, false);
    const caught = catching(() => new TimerTable(core).fire(a, rec));
    expect(caught).toBeInstanceOf(NodeNotReadyError);
    expect((caught as NodeNotReadyError).message).toBe('lockstep: internal: timer 7 fired on a node that is down or paused (t=0 ms, node a)');
  });
});

/** What `f` threw (undefined if it returned). */
function catching(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
