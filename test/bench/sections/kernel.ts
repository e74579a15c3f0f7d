/**
 * Bench section `kernel`: how much the simulation kernel costs over a bare event loop.
 *
 * Both measurements run in this process, same PRNG family, same event count:
 * (a) baseline — a bare binary-heap loop with no kernel: pop the earliest event, draw a delay
 *     from a seedrandom-Alea stream, push it back (8 events in flight, like the ping-pong);
 * (b) kernel — 8 no-op ping-pong processes in 4 pairs, each message answered to its sender, over
 *     the network model (per-link latency streams), kernel events traced into a TraceHasher.
 * (c) for reference — (b) with send/deliver untraced (traceKernelEvents: false), as big sweeps run.
 * Each is warmed up, then they are timed alternately five times and the best of each kept;
 * the figure that matters is the ratio (b)/(a).
 */
import { performance } from 'node:perf_hooks';
import type { Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';

const NODES = 8;
const MIN_LATENCY_US = 1000;
const MAX_LATENCY_US = 10_000;
const EVENTS = 2_000_000;
/**
 * As long as a timed run: with a 300,000-event warm-up, about one process in eight compiled the
 * kernel's loop on early feedback and ran at 0.47 of the bare loop instead of 0.52-0.57 (26
 * processes with this warm-up: 0.518-0.572).
 */
const WARMUP_EVENTS = EVENTS;
const REPEATS = 5;

type Sim = Lockstep['sim'];

/** (a) The bare loop; returns a checksum so the work cannot be optimised away. */
function bareLoop({ EventHeap, EventKind, SimEvent, deriveRng }: Sim, events: number): number {
  const heap = new EventHeap();
  const rng = deriveRng(1, 'bench/bare');
  let seq = 0;
  for (let i = 0; i < NODES; i++) {
    const ev = new SimEvent(rng.int(MIN_LATENCY_US, MAX_LATENCY_US), EventKind.Deliver, i, -1, null, null);
    ev.seq = seq++;
    heap.push(ev);
  }
  for (let n = 0; n < events; n++) {
    const ev = heap.pop()!;
    ev.timeUs += rng.int(MIN_LATENCY_US, MAX_LATENCY_US);
    ev.seq = seq++;
    heap.push(ev);
  }
  return heap.peek()!.timeUs;
}

/**
 * (b) The kernel ping-pong; returns the trace hash and the number of events run. With
 * `traced` false the kernel skips send/deliver events (the big-sweep mode), for comparison.
 */
function kernelPingPong({ Simulation, TraceHasher }: Sim, events: number, traced = true): { hash: string; events: number; traceEvents: number } {
  const hasher = new TraceHasher();
  const sim = new Simulation({
    seed: 1,
    network: { latencyUs: [MIN_LATENCY_US, MAX_LATENCY_US] },
    listeners: [hasher],
    bounds: { maxEvents: events + 1000 },
    traceKernelEvents: traced,
  });
  const ids = Array.from({ length: NODES }, (_, i) => `n${i}`);
  const ping = { type: 'ping' } as const;
  // Each delivery consumes one unit of budget; when it runs out nobody answers and the queue
  // drains, so the kernel runs exactly `events` events (8 starts, 8 first pings, the replies).
  let budget = events - 2 * NODES;
  ids.forEach((id, i) => {
    // Nodes 2k and 2k+1 are partners: each serves the first ball, then returns every one it gets.
    const partner = ids[i ^ 1]!;
    sim.addNode(id, () => ({
      onStart(c) {
        c.send(partner, ping);
      },
      onMessage(c, from) {
        if (budget-- > 0) c.send(from, ping);
      },
    }));
  });
  const stats = sim.run(Number.MAX_SAFE_INTEGER);
  return { hash: hasher.hex(), events: stats.events, traceEvents: stats.traceEvents };
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const section: BenchSection = {
  key: 'kernel',
  async run({ sim }) {
    bareLoop(sim, WARMUP_EVENTS);
    kernelPingPong(sim, WARMUP_EVENTS);
    let sink = 0;
    let kernelRun = { hash: '', events: 0, traceEvents: 0 };
    // Interleave the two so that a change in machine load affects both alike; keep the best of each.
    let bareMs = Infinity;
    let kernelMs = Infinity;
    let untracedMs = Infinity;
    for (let i = 0; i < REPEATS; i++) {
      bareMs = Math.min(bareMs, timeMs(() => (sink += bareLoop(sim, EVENTS))));
      kernelMs = Math.min(kernelMs, timeMs(() => (kernelRun = kernelPingPong(sim, EVENTS))));
      untracedMs = Math.min(untracedMs, timeMs(() => kernelPingPong(sim, EVENTS, false)));
    }
    if (kernelRun.events !== EVENTS || !(sink > 0)) {
      throw new Error(`kernel bench: expected ${EVENTS} kernel events, ran ${kernelRun.events}`);
    }
    const bareLoopEventsPerSec = EVENTS / (bareMs / 1000);
    const kernelEventsPerSec = EVENTS / (kernelMs / 1000);
    const ratio = kernelEventsPerSec / bareLoopEventsPerSec;
    const untracedEventsPerSec = EVENTS / (untracedMs / 1000);
    const json = {
      bareLoopEventsPerSec: Math.round(bareLoopEventsPerSec),
      kernelEventsPerSec: Math.round(kernelEventsPerSec),
      ratio: Number(ratio.toFixed(3)),
      kernelUntracedEventsPerSec: Math.round(untracedEventsPerSec),
      untracedRatio: Number((untracedEventsPerSec / bareLoopEventsPerSec).toFixed(3)),
      events: EVENTS,
      nodes: NODES,
      traceEventsPerRun: kernelRun.traceEvents,
      traceHash: kernelRun.hash,
      repeats: REPEATS,
    };
    const rows: BenchRow[] = [
      { section: 'kernel', metric: 'bare heap loop (pop, draw, push)', value: bareLoopEventsPerSec, unit: 'events/s' },
      { section: 'kernel', metric: 'kernel ping-pong, 4 pairs, trace hashed', value: kernelEventsPerSec, unit: 'events/s' },
      { section: 'kernel', metric: 'kernel / bare loop', value: ratio, unit: 'ratio' },
      { section: 'kernel', metric: 'kernel, send/deliver not traced', value: untracedEventsPerSec, unit: 'events/s' },
    ];
    return { json, rows };
  },
};

export default section;
