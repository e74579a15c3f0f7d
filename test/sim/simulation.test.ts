import { describe, expect, it } from 'vitest';
import {
  SimBoundExceeded,
  SimConfigError,
  SimError,
  Simulation,
  TraceHasher,
  TraceRecorder,
  canonicalLine,
  hashLines,
  withLocal,
  type Message,
  type MessageEventSink,
  type NodeEventSink,
  type Process,
  type ProcessContext,
  type ProcessFactory,
  type TraceEvent,
} from '../../src/sim/index.js';

/** A process that does nothing; for nodes a test only needs to exist. */
const idle: ProcessFactory = () => ({ onMessage() {} });

function recorded(seed = 1, opts: { traceKernelEvents?: boolean } = {}) {
  const rec = new TraceRecorder();
  const sim = new Simulation({ seed, listeners: [rec], network: { latencyUs: [1000, 1000] }, ...opts });
  return { sim, rec };
}

const ofType = (events: readonly TraceEvent[], type: string, node?: string) =>
  events.filter((e) => e.type === type && (node === undefined || e.node === node));

describe('Simulation: messages and trace', () => {
  it('starts nodes in order, delivers messages after the link latency, and traces send/deliver without local', () => {
    const { sim, rec } = recorded();
    const got: string[] = [];
    sim.addNode('a', () => ({ onStart: (c) => c.send('b', { type: 'hello' }), onMessage() {} }), { offsetUs: 500 });
    sim.addNode('b', () => ({ onMessage: (c, from, m) => got.push(`${from}:${m.type}@${c.now('mono')}`) }));
    const stats = sim.run(10_000);
    expect(got).toEqual(['a:hello@1000']);
    expect(rec.events.map(canonicalLine)).toEqual([
      '{"seq":0,"t":0,"node":"a","type":"send","from":"a","to":"b","msg":"hello"}',
      '{"seq":1,"t":1,"node":"b","type":"deliver","from":"a","to":"b","msg":"hello"}',
    ]);
    expect(stats).toEqual({ events: 3, messages: 1, delivered: 1, dropped: 0, traceEvents: 2, simUs: 10_000 });
    expect(sim.nowUs()).toBe(10_000);
    expect(sim.nodeIds()).toEqual(['a', 'b']);
  });

  it('with traceKernelEvents off skips send/deliver/timer events but still counts them', () => {
    const { sim, rec } = recorded(1, { traceKernelEvents: false });
    sim.addNode('a', () => ({
      onStart: (c) => {
        c.send('b', { type: 'x' });
        c.setTimer(10, 't');
      },
      onMessage() {},
      onTimer: (c) => c.trace('mine', { k: 1 }),
    }));
    sim.addNode('b', idle);
    const stats = sim.run(5000);
    expect(rec.events.map((e) => e.type)).toEqual(['mine']);
    expect(rec.events[0]!.fields).toEqual({ k: 1, local: 0.01 });
    expect(stats.messages).toBe(1);
    expect(stats.delivered).toBe(1);
  });

  it('traces timers (with local) with their tag only when it is a string or number', () => {
    const { sim, rec } = recorded();
    sim.addNode('a', () => ({
      onStart: (c) => {
        c.setTimer(1, 'str');
        c.setTimer(2, 7);
        c.setTimer(3, { obj: true });
      },
      onMessage() {},
    }));
    sim.run(100);
    expect(ofType(rec.events, 'timer').map((e) => e.fields)).toEqual([
      { tag: 'str', local: 0.001 },
      { tag: 7, local: 0.002 },
      { local: 0.003 },
    ]);
  });

  it('gives each node private named streams node/<id>/<name>, and the harness harness/<name>', async () => {
    const { deriveRng } = await import('../../src/sim/index.js');
    let drawn = 0;
    const sim = new Simulation({ seed: 99 });
    sim.addNode('n1', () => ({ onStart: (c) => void (drawn = c.rng('backoff').next()), onMessage() {} }));
    sim.run(1);
    expect(drawn).toBe(deriveRng(99, 'node/n1/backoff').next());
    expect(sim.rng('faults').next()).toBe(deriveRng(99, 'harness/faults').next());
  });

  it('lets the harness emit events, with local for simulated nodes only, and refuses reserved keys', () => {
    const { sim, rec } = recorded();
    sim.addNode('a', idle, { offsetUs: 2000 });
    sim.run(1000);
    sim.emit('checker', 'violation', { invariant: 'x' });
    sim.emit('a', 'note');
    expect(rec.events.map(canonicalLine)).toEqual([
      '{"seq":0,"t":1,"node":"checker","type":"violation","invariant":"x"}',
      '{"seq":1,"t":1,"node":"a","type":"note","local":3}',
    ]);
    expect(() => sim.emit('a', 'bad', { seq: 1 })).toThrow(/reserved/);
    // `local` is the kernel's on a simulated node's event, free elsewhere.
    expect(() => sim.emit('a', 'bad', { local: 1 })).toThrow(/has a 'local' field/);
    sim.emit('checker', 'fine', { local: 1 });
    expect(canonicalLine(rec.events[2]!)).toBe('{"seq":2,"t":1,"node":"checker","type":"fine","local":1}');
  });

  it('node events reach listeners that take them as arguments exactly as the event objects other listeners get', () => {
    const seen: string[] = [];
    const rec = new TraceRecorder();
    const sink: NodeEventSink & MessageEventSink = {
      onMessageEvent(seq, tUs, deliver, route, msg) {
        seen.push(canonicalLine({ seq, tUs, node: deliver ? route.to.text : route.from.text, type: deliver ? 'deliver' : 'send', fields: { from: route.from.text, to: route.to.text, msg: msg.text } }));
      },
      onNodeEvent(seq, tUs, node, type, fields, localMs) {
        seen.push(canonicalLine({ seq, tUs, node, type, fields: withLocal(fields, localMs) }));
      },
      onEvent(e) {
        seen.push(canonicalLine(e));
      },
    };
    const world = (listeners: import('../../src/sim/index.js').TraceListener[]) => {
      const sim = new Simulation({ seed: 3, listeners, network: { latencyUs: [1000, 3000] } });
      sim.addNode('a', () => ({
        onStart: (c) => {
          c.trace('hello', { n: 1, list: ['x'] });
          c.setTimer(1500, 'tick');
          c.send('b', { type: 'ping' });
        },
        onMessage: (c, from) => c.trace('got', { from }),
        onTimer: (c) => c.trace('ticked'),
      }), { offsetUs: 700, driftPpm: 50 });
      sim.addNode('b', () => ({ onMessage: (c, from) => c.send(from, { type: 'pong' }) }));
      sim.addFaults([{ kind: 'pause', atUs: 100, node: 'b', forUs: 200 }]);
      sim.run(10_000);
    };
    world([sink]);
    world([rec]);
    expect(seen).toEqual(rec.events.map(canonicalLine));
    // A listener that reads no message events gets every other event, by either path (as
    // arguments when every listener can take them, as objects beside a recorder), and the hash
    // is the same either way.
    const withoutMessages = rec.events.filter((e) => e.type !== 'send' && e.type !== 'deliver').map(canonicalLine);
    const viaArgs: string[] = [];
    const argHasher = new TraceHasher();
    const argSink: NodeEventSink = {
      messageEvents: false,
      onNodeEvent: (seq, tUs, node, type, fields, localMs) => viaArgs.push(canonicalLine({ seq, tUs, node, type, fields: withLocal(fields, localMs) })),
      onEvent: (e) => viaArgs.push(canonicalLine(e)),
    };
    world([argHasher, argSink]);
    const viaObjects: string[] = [];
    const objectHasher = new TraceHasher();
    world([objectHasher, { messageEvents: false, onEvent: (e) => viaObjects.push(canonicalLine(e)) }, new TraceRecorder()]);
    expect(viaArgs).toEqual(withoutMessages);
    expect(viaObjects).toEqual(withoutMessages);
    expect(argHasher.hex()).toBe(objectHasher.hex());
    expect(seen.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['hello', 'send', 'pause', 'resume', 'deliver', 'send', 'timer', 'ticked', 'deliver', 'got']);
  });

  it('time stands where a run ended: later starts, sends through a held context, reads and stats all see it', () => {
    const { sim, rec } = recorded();
    let held: ProcessContext | undefined;
    sim.addNode('a', (ctx) => ((held = ctx), { onMessage() {} }));
    sim.addNode('b', () => ({ onMessage: (c, from) => c.trace('got', { from, mono: c.now('mono') }) }));
    sim.run(300); // the last event (the starts) ran at 0
    sim.run(5000); // nothing to run: time stands at 5000
    expect(sim.nowUs()).toBe(5000);
    expect(sim.stats().simUs).toBe(5000);
    expect(held!.now('mono')).toBe(5000);
    held!.send('b', { type: 'late' }); // a harness sending between runs: timed at 5000, arrives 1 ms later
    sim.addNode('c', () => ({ onStart: (c) => c.trace('up', { mono: c.now('mono') }), onMessage() {} }));
    sim.run(10_000);
    expect(rec.events.map((e) => [e.tUs, e.node, e.type, e.fields])).toEqual([
      [5000, 'a', 'send', { from: 'a', to: 'b', msg: 'late' }],
      [5000, 'c', 'up', { mono: 5000, local: 5 }],
      [6000, 'b', 'deliver', { from: 'a', to: 'b', msg: 'late' }],
      [6000, 'b', 'got', { from: 'a', mono: 6000, local: 6 }],
    ]);
    expect(() => sim.run(9999)).toThrow(/>= the current time 10000/);
  });

  it('events a listener emits reach every listener after the current one, in seq order', () => {
    const seen: string[][] = [[], [], []];
    const sim = new Simulation({ seed: 1 });
    sim.addListener({ onEvent: (e) => seen[0]!.push(`${e.seq}:${e.type}`) });
    sim.addListener({
      onEvent: (e) => {
        seen[1]!.push(`${e.seq}:${e.type}`);
        if (e.type === 'tick') sim.emit('checker', 'violation', { about: e.seq });
      },
    });
    sim.addListener({ onEvent: (e) => seen[2]!.push(`${e.seq}:${e.type}`) });
    sim.addNode('a', () => ({ onStart: (c) => c.trace('tick'), onMessage() {} }));
    sim.run(10);
    expect(seen).toEqual([
      ['0:tick', '1:violation'],
      ['0:tick', '1:violation'],
      ['0:tick', '1:violation'],
    ]);
  });

  it('a message-event sink that emits still sees events in seq order', () => {
    const seen: string[] = [];
    const sim = new Simulation({ seed: 1, network: { latencyUs: [5, 5] } });
    sim.addListener({
      onEvent: (e) => seen.push(`${e.seq}:${e.type}`),
      onMessageEvent: (seq, _t, deliver) => {
        seen.push(`${seq}:${deliver ? 'deliver' : 'send'}`);
        if (!deliver) sim.emit('checker', 'saw-send');
      },
    } as import('../../src/sim/index.js').MessageEventSink);
    sim.addNode('a', () => ({ onStart: (c) => c.send('b', { type: 'x' }), onMessage() {} }));
    sim.addNode('b', idle);
    sim.run(100);
    expect(seen).toEqual(['0:send', '1:saw-send', '2:deliver']);
  });

  it('hashLines of the recorded canonical lines equals the live hash', () => {
    const hasher = new TraceHasher();
    const rec = new TraceRecorder();
    const sim = new Simulation({ seed: 5, listeners: [hasher, rec] });
    for (const id of ['x', 'y', 'z']) {
      sim.addNode(id, (ctx) => ({
        onStart: (c) => c.send(ctx.rng('p').pick(['x', 'y', 'z']), { type: 'go', n: 0 }),
        onMessage: (c, _f, m) => {
          if ((m.n as number) < 50) c.send(ctx.rng('p').pick(['x', 'y', 'z']), { type: 'go', n: (m.n as number) + 1 });
        },
      }));
    }
    sim.addFaults([{ kind: 'partition', atUs: 20_000, groups: [['x'], ['y', 'z']], forUs: 30_000 }]);
    sim.run(1_000_000);
    expect(rec.events.length).toBeGreaterThan(20);
    expect(hashLines(rec.events.map(canonicalLine))).toBe(hasher.hex());
  });
});

describe('Simulation: crash and restart', () => {
  it('a crash discards volatile state; durable survives; messages to a down node are dropped', () => {
    const { sim, rec } = recorded();
    const seen: string[] = [];
    const counter: ProcessFactory = (ctx) => {
      let count = 0;
      return {
        onStart: (c) => seen.push(`start#${c.incarnation} count=${count} durable=${String(c.durable.get('n') ?? 0)}`),
        onMessage: (c) => {
          count++;
          c.durable.set('n', ((c.durable.get('n') as number | undefined) ?? 0) + 1);
          seen.push(`${ctx.id}#${c.incarnation} count=${count}`);
        },
      };
    };
    sim.addNode('ctr', counter);
    // The sender fires at 1, 2, 3, ... ms; each message takes 1 ms.
    sim.addNode('src', () => ({
      onStart: (c) => c.setTimer(1000, 'send'),
      onMessage() {},
      onTimer: (c) => {
        c.send('ctr', { type: 'inc' });
        if (c.now('mono') < 8000) c.setTimer(1000, 'send');
      },
    }));
    sim.addFaults([{ kind: 'crash', atUs: 3500, node: 'ctr', restartAfterUs: 2000 }]);
    sim.run(20_000);
    expect(seen).toEqual([
      'start#0 count=0 durable=0',
      'ctr#0 count=1', // sent at 1 ms, arrives at 2
      'ctr#0 count=2', // arrives at 3
      // crash at 3.5 ms: arrivals at 4 and 5 ms are dropped
      'start#1 count=0 durable=2', // restart at 5.5 ms
      'ctr#1 count=1',
      'ctr#1 count=2',
      'ctr#1 count=3',
      'ctr#1 count=4',
    ]);
    expect(ofType(rec.events, 'drop').map((e) => [e.tUs, e.node, e.fields])).toEqual([
      [4000, 'ctr', { from: 'src', to: 'ctr', msg: 'inc', reason: 'down', local: 4 }],
      [5000, 'ctr', { from: 'src', to: 'ctr', msg: 'inc', reason: 'down', local: 5 }],
    ]);
    expect(ofType(rec.events, 'crash').map((e) => e.tUs)).toEqual([3500]);
    expect(ofType(rec.events, 'restart').map((e) => e.fields)).toEqual([{ incarnation: 1, local: 5.5 }]);
  });

  it('a crash cancels timers and marks; in-flight messages of the old incarnation still arrive', () => {
    const { sim, rec } = recorded();
    const fired: string[] = [];
    sim.addNode('a', () => ({
      onStart: (c) => {
        if (c.incarnation === 0) {
          c.send('b', { type: 'from-old' });
          c.setTimer(5000, 'old-timer');
          c.markAt(5000, 'mono', 'old-mark', {});
        }
      },
      onMessage() {},
      onTimer: (_c, tag) => fired.push(String(tag)),
    }));
    sim.addNode('b', () => ({ onMessage: (_c, from, m) => fired.push(`${from}:${m.type}`) }));
    sim.addFaults([{ kind: 'crash', atUs: 500, node: 'a', restartAfterUs: 100 }]);
    sim.run(10_000);
    expect(fired).toEqual(['a:from-old']);
    expect(ofType(rec.events, 'old-mark')).toEqual([]);
  });

  it('a mark armed with outlivesCrash still fires on the node clock, while the node is down and after a restart', () => {
    const { sim, rec } = recorded();
    sim.addNode(
      'a',
      () => ({
        onStart: (c) => {
          if (c.incarnation !== 0) return;
          c.markAt(3000, 'wall', 'lease-end', { n: 1 }, { outlivesCrash: true });
          c.markAt(3000, 'wall', 'plain', {});
          c.markAt(9000, 'mono', 'after-restart', {}, { outlivesCrash: true });
          c.cancelMark(c.markAt(4000, 'mono', 'cancelled', {}, { outlivesCrash: true }));
        },
        onMessage() {},
      }),
      { offsetUs: 1000, driftPpm: 0 },
    );
    sim.addFaults([{ kind: 'crash', atUs: 500, node: 'a', restartAfterUs: 5000 }]);
    sim.run(20_000);
    const marks = rec.events.filter((e) => e.node === 'a' && e.type !== 'crash' && e.type !== 'restart');
    // Wall reads 3000 at true 2000 (offset 1 ms), while a is down; mono 9000 at true 9000, after the restart at 5500.
    expect(marks.map((e) => [e.tUs, e.type, e.fields])).toEqual([
      [2000, 'lease-end', { n: 1, local: 3 }],
      [9000, 'after-restart', { local: 10 }],
    ]);
    expect(ofType(rec.events, 'restart').map((e) => e.tUs)).toEqual([5500]);
  });

  it('a context used after its crash is refused as stale', () => {
    let saved: ProcessContext | undefined;
    const sim = new Simulation({ seed: 1 });
    sim.addNode('a', (ctx) => {
      saved ??= ctx;
      return { onMessage() {} };
    });
    sim.addFaults([{ kind: 'crash', atUs: 10, node: 'a', restartAfterUs: 10 }]);
    sim.run(100);
    expect(() => saved!.send('a', { type: 'x' })).toThrow(/stale context/);
  });
});

describe('Simulation: pauses', () => {
  it('holds deliveries and timers during a pause and replays them in order after onResume; clocks keep running', () => {
    const { sim, rec } = recorded();
    const log: string[] = [];
    sim.addNode('p', () => ({
      onStart: (c) => {
        c.setTimer(3000, 'T3');
        c.setTimer(6000, 'T6');
      },
      onMessage: (c, from, m) => log.push(`msg ${m.type} from ${from} @${c.now('mono')}`),
      onTimer: (c, tag) => log.push(`timer ${String(tag)} @${c.now('mono')}`),
      onResume: (c) => log.push(`resume @${c.now('mono')}`),
    }));
    sim.addNode('s', () => ({
      onStart: (c) => {
        c.setTimer(1500, 'm1');
        c.setTimer(4500, 'm2');
      },
      onMessage() {},
      onTimer: (c, tag) => c.send('p', { type: String(tag) }),
    }));
    sim.addFaults([{ kind: 'pause', atUs: 2000, node: 'p', forUs: 8000 }]);
    sim.run(20_000);
    expect(log).toEqual([
      'resume @10000',
      'msg m1 from s @10000', // arrived at 2.5 ms
      'timer T3 @10000',
      'msg m2 from s @10000', // arrived at 5.5 ms
      'timer T6 @10000',
    ]);
    expect(ofType(rec.events, 'pause', 'p').map((e) => [e.tUs, e.fields])).toEqual([[2000, { forMs: 8, local: 2 }]]);
    expect(ofType(rec.events, 'resume', 'p').map((e) => e.tUs)).toEqual([10_000]);
  });

  it('marks fire at their true instant even while the node is paused', () => {
    const { sim, rec } = recorded();
    sim.addNode('p', () => ({
      onStart: (c) => {
        c.markAt(5000, 'wall', 'lapse', { resource: 'r' });
        c.setTimer(5000, 'same-time');
      },
      onMessage() {},
    }));
    sim.addFaults([{ kind: 'pause', atUs: 1000, node: 'p', forUs: 10_000 }]);
    sim.run(20_000);
    expect(rec.events.map((e) => [e.tUs, e.type])).toEqual([
      [1000, 'pause'],
      [5000, 'lapse'],
      [11_000, 'resume'],
      [11_000, 'timer'],
    ]);
    expect(ofType(rec.events, 'lapse')[0]!.fields).toEqual({ resource: 'r', local: 5 });
  });

  it('overlapping pauses end at the latest end, and a timer cancelled in onResume does not fire', () => {
    const { sim, rec } = recorded();
    const fired: unknown[] = [];
    let timer = 0;
    sim.addNode('p', () => ({
      onStart: (c) => {
        timer = c.setTimer(2000, 'cancel-me');
        c.setTimer(2500, 'keep');
      },
      onMessage() {},
      onTimer: (_c, tag) => fired.push(tag),
      onResume: (c) => c.cancelTimer(timer),
    }));
    sim.addFaults([
      { kind: 'pause', atUs: 1000, node: 'p', forUs: 5000 },
      { kind: 'pause', atUs: 3000, node: 'p', forUs: 1000 },
      { kind: 'pause', atUs: 4000, node: 'p', forUs: 4000 },
    ]);
    sim.run(20_000);
    expect(ofType(rec.events, 'resume').map((e) => e.tUs)).toEqual([8000]);
    expect(fired).toEqual(['keep']);
  });
});

describe('Simulation: clocks and timers', () => {
  function timerWorld(faults: Parameters<Simulation['addFaults']>[0], clock: 'wall' | 'mono') {
    const { sim, rec } = recorded();
    const firedAt: number[] = [];
    sim.addNode('n', () => ({
      onStart: (c) => c.setTimer(10_000, 't', clock),
      onMessage() {},
      onTimer: () => firedAt.push(sim.nowUs()),
    }));
    sim.addFaults(faults);
    sim.run(100_000);
    return { firedAt, rec };
  }

  it('a wall timer fires early on a forward jump and late on a backward jump; mono timers ignore jumps', () => {
    expect(timerWorld([], 'wall').firedAt).toEqual([10_000]);
    const fwd = timerWorld([{ kind: 'clock-jump', atUs: 2000, node: 'n', byUs: 5000, clock: 'wall' }], 'wall');
    expect(fwd.firedAt).toEqual([5000]);
    expect(ofType(fwd.rec.events, 'clock-jump')[0]!.fields).toEqual({ byMs: 5, clock: 'wall', local: 7 });
    // A jump past the deadline fires it at the jump itself.
    expect(timerWorld([{ kind: 'clock-jump', atUs: 2000, node: 'n', byUs: 60_000, clock: 'wall' }], 'wall').firedAt).toEqual([2000]);
    expect(timerWorld([{ kind: 'clock-jump', atUs: 2000, node: 'n', byUs: -5000, clock: 'wall' }], 'wall').firedAt).toEqual([15_000]);
    expect(timerWorld([{ kind: 'clock-jump', atUs: 2000, node: 'n', byUs: 5000, clock: 'wall' }], 'mono').firedAt).toEqual([10_000]);
  });

  it('timers move when the drift changes', () => {
    // From 5 ms on the clock runs 25% fast: the remaining 5 ms of clock time take 4 ms.
    const w = timerWorld([{ kind: 'clock-drift', atUs: 5000, node: 'n', ppm: 250_000 }], 'mono');
    expect(w.firedAt).toEqual([9000]);
    expect(ofType(w.rec.events, 'clock-drift')[0]!.fields).toEqual({ ppm: 250_000, local: 5 });
    expect(timerWorld([{ kind: 'clock-drift', atUs: 5000, node: 'n', ppm: -500_000 }], 'wall').firedAt).toEqual([15_000]);
  });

  it('a timer armed at an already-passed reading fires at once, after the running handler', () => {
    const order: string[] = [];
    const sim = new Simulation({ seed: 1 });
    sim.addNode('n', () => ({
      onStart: (c) => {
        c.setTimerAt(-5, 'wall', 'past');
        order.push('onStart done');
      },
      onMessage() {},
      onTimer: (_c, tag) => order.push(`fired ${String(tag)} at ${sim.nowUs()}`),
    }));
    sim.run(10);
    expect(order).toEqual(['onStart done', 'fired past at 0']);
  });

  it('a cancelled timer or mark never fires', () => {
    const { sim, rec } = recorded();
    sim.addNode('n', () => ({
      onStart: (c) => {
        c.cancelTimer(c.setTimer(100, 'x'));
        c.cancelMark(c.markAt(100, 'mono', 'm', {}));
        c.cancelTimer(12345);
      },
      onMessage() {},
      onTimer: () => {
        throw new Error('must not fire');
      },
    }));
    sim.run(1000);
    expect(rec.events).toEqual([]);
  });

  it('a timer armed after others fired, and marks emitted, fires once with its own tag and time; cancelling a fired id cancels nothing', () => {
    const { sim, rec } = recorded();
    const fired: string[] = [];
    const ids = new Map<string, number>();
    sim.addNode('n', () => ({
      onStart: (c) => {
        ids.set('a', c.setTimer(100, 'a'));
        c.markAt(150, 'mono', 'm1', { n: 1 });
      },
      onMessage() {},
      onTimer: (c, tag) => {
        fired.push(`${String(tag)}@${sim.nowUs()}`);
        if (tag === 'a') {
          ids.set('b', c.setTimer(300, 'b'));
          c.markAt(250, 'mono', 'm2', { n: 2 });
        }
        if (tag === 'b') {
          c.cancelTimer(ids.get('a')!);
          c.cancelTimer(ids.get('b')!);
          ids.set('c', c.setTimer(50, 'c'));
          c.cancelTimer(ids.get('a')!);
        }
      },
    }));
    sim.run(1000);
    expect(fired).toEqual(['a@100', 'b@400', 'c@450']);
    expect(rec.events.map((e) => [e.tUs, e.type, e.fields])).toEqual([
      [100, 'timer', { tag: 'a', local: 0.1 }],
      [150, 'm1', { n: 1, local: 0.15 }],
      [250, 'm2', { n: 2, local: 0.25 }],
      [400, 'timer', { tag: 'b', local: 0.4 }],
      [450, 'timer', { tag: 'c', local: 0.45 }],
    ]);
  });
});

describe('Simulation: bounds and errors', () => {
  it('a message storm hits maxEvents with a clear error', () => {
    const sim = new Simulation({ seed: 1, bounds: { maxEvents: 1000 } });
    const storm: Process = {
      onStart: (c) => c.send('b', { type: 'boom' }),
      onMessage: (c) => {
        c.send('a', { type: 'boom' });
        c.send('b', { type: 'boom' });
      },
    };
    sim.addNode('a', () => storm);
    sim.addNode('b', () => ({ onMessage: storm.onMessage }));
    let err: unknown;
    try {
      sim.run(1_000_000_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimBoundExceeded);
    const b = err as SimBoundExceeded;
    expect(b.bound).toBe('maxEvents');
    expect(b.message).toMatch(/^lockstep: run exceeded 1000 events at t=[\d.]+ ms \(a message storm\?\) — raise bounds\.maxEvents/);
  });

  it('the default maxEvents bound is 5,000,000', () => {
    const sim = new Simulation({ seed: 1, network: { latencyUs: [0, 0] } });
    sim.addNode('a', () => ({ onStart: (c) => c.send('a', { type: 'loop' }), onMessage: (c) => c.send('a', { type: 'loop' }) }));
    expect(() => sim.run(1)).toThrow(/exceeded 5000000 events/);
  });

  it('an event past bounds.maxTimeUs is an error; past untilUs it just waits', () => {
    const make = (maxTimeUs?: number) => {
      const sim = new Simulation({ seed: 1, ...(maxTimeUs === undefined ? {} : { bounds: { maxTimeUs } }) });
      sim.addNode('a', () => ({ onStart: (c) => c.setTimer(5000, 'late'), onMessage() {} }));
      return sim;
    };
    expect(() => make(4000).run(10_000)).toThrow(SimBoundExceeded);
    const waiting = make();
    expect(waiting.run(4000).events).toBe(1);
    expect(waiting.run(6000).events).toBe(2);
  });

  it('wraps a throwing process in a SimError naming the node, handler and time', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('bad', () => ({
      onStart: (c) => c.setTimer(2500, 'x'),
      onMessage() {},
      onTimer: () => {
        throw new Error('kaboom');
      },
    }));
    let err: unknown;
    try {
      sim.run(10_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).node).toBe('bad');
    expect((err as SimError).atUs).toBe(2500);
    expect((err as SimError).message).toBe('lockstep: node bad (incarnation 0) threw in onTimer at t=2.5 ms: kaboom');
    expect(((err as SimError).cause as Error).message).toBe('kaboom');
  });

  it('refuses a message whose type is not a string when kernel events are traced (the trace names it)', () => {
    const sim = new Simulation({ seed: 1, listeners: [new TraceHasher()] });
    sim.addNode('a', () => ({ onStart: (c) => c.send('b', { type: 7 } as unknown as Message), onMessage() {} }));
    sim.addNode('b', idle);
    expect(() => sim.run(10)).toThrow(/node a sent a message whose type is 7, not a string/);
    const untraced = new Simulation({ seed: 1, traceKernelEvents: false });
    untraced.addNode('a', () => ({ onStart: (c) => c.send('b', { type: 7 } as unknown as Message), onMessage() {} }));
    untraced.addNode('b', idle);
    expect(untraced.run(100_000).delivered).toBe(1);
  });

  it('refuses unknown nodes, duplicate ids and invalid faults up front', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('a', () => ({ onStart: (c) => c.send('ghost', { type: 'x' }), onMessage() {} }));
    expect(() => sim.addNode('a', idle)).toThrow(/added twice/);
    expect(() => sim.addNode('net', idle)).toThrow(SimConfigError);
    expect(() => sim.addFaults([{ kind: 'pause', atUs: 0, node: 'zz', forUs: 1 }])).toThrow(/unknown node 'zz'/);
    expect(() => sim.addFaults([{ kind: 'partition', atUs: 0, groups: [['a'], ['a']] }])).toThrow(/two groups/);
    expect(() => sim.addFaults([{ kind: 'pause', atUs: 0.5, node: 'a', forUs: 1 }])).toThrow(/atUs must be an integer/);
    expect(() => sim.setLink('a', 'a', { latencyUs: [5, 1] })).toThrow(/latencyUs/);
    expect(() => sim.run(10)).toThrow(/sent 'x' to unknown node 'ghost'/);
  });
});
