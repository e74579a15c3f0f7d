/**
 * Hand-built, realistic traces for the report tests: the GC-pause lesson (pitfalls S01), an
 * AB–BA deadlock (S18), a scenario whose title and values carry markup, and a 100,000-event
 * synthetic run for the size test. Events are written as the kernel and the lock services
 * write them (DESIGN §5.5, src/vocabulary/lock-events.ts): `local` in ms on every event of a simulated
 * node, network faults under `net`, violations under `checker`.
 */

import type { TraceEvent, TraceFields } from '../../src/sim/types.js';
import type { ReplayResult } from '../../src/explore/result.js';
import type { RunReportInput, SuiteReportInput } from '../../src/report/model.js';

interface ClockModel {
  offsetMs: number;
  driftPpm: number;
  jumps: { atMs: number; byMs: number }[];
}

/** Collects events in any order and emits them in (time, insertion) order with fresh seqs. */
export class TraceBuilder {
  private readonly pending: { tUs: number; order: number; node: string; type: string; fields: TraceFields | undefined }[] = [];
  private readonly clocks = new Map<string, ClockModel>();
  messages = 0;

  /** Events collected so far. */
  get size(): number {
    return this.pending.length;
  }

  clock(node: string, offsetMs: number, driftPpm: number, jumps: { atMs: number; byMs: number }[] = []): this {
    this.clocks.set(node, { offsetMs, driftPpm, jumps });
    return this;
  }

  /** The wall-clock reading of `node` at true time `tMs`. */
  local(node: string, tMs: number): number {
    const c = this.clocks.get(node) ?? { offsetMs: 0, driftPpm: 0, jumps: [] };
    let value = tMs + c.offsetMs + (tMs * c.driftPpm) / 1e6;
    for (const jump of c.jumps) if (tMs >= jump.atMs) value += jump.byMs;
    return Math.round(value * 1000) / 1000;
  }

  /** An event of a simulated node (carries `local`). */
  at(tMs: number, node: string, type: string, fields: TraceFields = {}): this {
    return this.raw(tMs, node, type, { ...fields, local: this.local(node, tMs) });
  }

  /** An event of a non-node source (`net`, `checker`): no `local`. */
  raw(tMs: number, node: string, type: string, fields: TraceFields | undefined): this {
    this.pending.push({ tUs: Math.round(tMs * 1000), order: this.pending.length, node, type, fields });
    return this;
  }

  /** A message: `send` at `tMs` by `from`, `deliver` `latencyMs` later at `to`. Returns the arrival time. */
  msg(tMs: number, from: string, to: string, msg: string, latencyMs: number): number {
    this.messages += 1;
    this.at(tMs, from, 'send', { from, to, msg });
    const arrival = Math.round((tMs + latencyMs) * 1000) / 1000;
    this.at(arrival, to, 'deliver', { from, to, msg });
    return arrival;
  }

  build(): TraceEvent[] {
    const sorted = [...this.pending].sort((a, b) => a.tUs - b.tUs || a.order - b.order);
    return sorted.map((e, seq) => ({ seq, tUs: e.tUs, node: e.node, type: e.type, fields: e.fields }));
  }
}

// ----------------------------------------------------------------------------------------------
// The GC-pause lesson (S01): c1 granted EX #33, paused 200→15200, lease expires, c2 granted #34,
// c1 writes with the stale token at 15300 and the unfenced storage accepts it.

export const GC_LESSON = `A client takes an exclusive lock with a 10 s lease, then stops for 15 s in a
stop-the-world GC pause. The lease expires while it is frozen, the service grants the lock to
c2, and c2 writes. When c1 wakes it still **believes** it holds the lock and overwrites c2's
update: a lost update.

- Checking the lease just before the write does not help: the pause can strike between the check and the write.
- The fix is *fencing*: the storage rejects any write whose token (33) is below one it already accepted (34).

Replay it with \`--report\` and compare the solid bar (granted) with the hatched one (believed).`;

export function gcPauseEvents(): TraceEvent[] {
  const b = new TraceBuilder()
    .clock('m1', 0.8, 20)
    .clock('m2', -2.5, -35)
    .clock('m3', 4.1, 50)
    .clock('c1', 12, 180)
    .clock('c2', -7, -90)
    .clock('storage', 1.5, 0);
  // c1 takes the lock at m1 (its home and the master of "file").
  b.at(0, 'c1', 'request', { client: 'c1', resource: 'file', op: 'lock', mode: 'EX' });
  b.msg(0, 'c1', 'm1', 'lock', 1.2);
  b.at(1.2, 'm1', 'grant', { client: 'c1', resource: 'file', mode: 'EX', token: 33 });
  b.msg(1.2, 'm1', 'c1', 'granted', 1.4);
  b.at(2.6, 'c1', 'complete', { client: 'c1', resource: 'file', status: 'GRANTED', mode: 'EX', token: 33 });
  // c1 reads the file, then freezes.
  b.msg(100, 'c1', 'storage', 'read', 1.1);
  b.at(101.1, 'storage', 'read', { client: 'c1', resource: 'file', value: 'v0' });
  b.msg(101.1, 'storage', 'c1', 'read-ok', 1.2);
  b.at(200, 'c1', 'pause', { forMs: 15000 });
  // Managers exchange heartbeats; c1's lease runs out at m1.
  for (const t of [5000, 10000, 15000]) {
    b.msg(t, 'm1', 'm2', 'heartbeat', 1.3);
    b.msg(t, 'm1', 'm3', 'heartbeat', 1.7);
  }
  b.at(10001.2, 'm1', 'expire', { client: 'c1', resource: 'file' });
  // c2 asks its home m2, which looks the master up at the directory node m3 and forwards to m1.
  b.at(10090, 'c2', 'request', { client: 'c2', resource: 'file', op: 'lock', mode: 'EX' });
  b.msg(10090, 'c2', 'm2', 'lock', 1.1);
  b.msg(10091.1, 'm2', 'm3', 'dir-lookup', 1.2);
  b.msg(10092.3, 'm3', 'm2', 'dir-reply', 1.3);
  b.msg(10093.6, 'm2', 'm1', 'lock-fwd', 1.4);
  b.at(10095, 'm1', 'grant', { client: 'c2', resource: 'file', mode: 'EX', token: 34 });
  b.msg(10095, 'm1', 'm2', 'granted', 2.3);
  b.msg(10097.3, 'm2', 'c2', 'granted', 2.7);
  b.at(10100, 'c2', 'complete', { client: 'c2', resource: 'file', status: 'GRANTED', mode: 'EX', token: 34 });
  b.msg(10150, 'c2', 'storage', 'read', 1.0);
  b.at(10151, 'storage', 'read', { client: 'c2', resource: 'file', value: 'v0' });
  b.msg(10151, 'storage', 'c2', 'read-ok', 1.2);
  b.msg(10298.8, 'c2', 'storage', 'write', 1.2);
  b.at(10300, 'storage', 'write', { client: 'c2', resource: 'file', value: 'v1', token: 34 });
  b.msg(10300, 'storage', 'c2', 'write-ok', 1.1);
  b.msg(13100, 'c2', 'm2', 'keepalive', 1.5);
  b.msg(13101.5, 'm2', 'c2', 'keepalive-ok', 1.6);
  // c1 wakes and writes with its stale token; the unfenced storage accepts it.
  b.at(15200, 'c1', 'resume', {});
  b.msg(15298.9, 'c1', 'storage', 'write', 1.1);
  b.at(15300, 'storage', 'write', { client: 'c1', resource: 'file', value: 'v0+Δ1', token: 33 });
  b.raw(15300, 'checker', 'violation', {
    invariant: 'stale-write',
    message: "storage accepted c1's write to file with token 33 at 15300.0 ms, but c1's lock expired at 10001.2 ms",
    resource: 'file',
    nodes: ['c1', 'c2'],
  });
  b.msg(15300, 'storage', 'c1', 'write-ok', 1.0);
  b.at(15300, 'c2', 'request', { client: 'c2', resource: 'file', op: 'unlock' });
  b.msg(15300, 'c2', 'm2', 'unlock', 2.0);
  b.msg(15302, 'm2', 'm1', 'unlock-fwd', 2.5);
  b.at(15304.5, 'm1', 'release', { client: 'c2', resource: 'file', reason: 'unlock' });
  b.msg(15304.5, 'm1', 'm2', 'unlocked', 2.0);
  b.msg(15306.5, 'm2', 'c2', 'unlocked', 2.5);
  b.at(15309, 'c2', 'complete', { client: 'c2', resource: 'file', status: 'UNLOCKED' });
  b.at(15310, 'c2', 'done', { client: 'c2' });
  b.at(15302, 'c1', 'request', { client: 'c1', resource: 'file', op: 'unlock' });
  b.msg(15302, 'c1', 'm1', 'unlock', 1.3);
  b.msg(15303.3, 'm1', 'c1', 'unlocked', 1.3);
  b.at(15304.6, 'c1', 'complete', { client: 'c1', resource: 'file', status: 'UNLOCKED' });
  b.at(15305, 'c1', 'done', { client: 'c1' });
  return b.build();
}

function countMessages(events: readonly TraceEvent[]): number {
  return events.filter((e) => e.type === 'send').length;
}

export function gcPauseInput(overrides: { title?: string; lesson?: string; name?: string } = {}): RunReportInput {
  const events = gcPauseEvents();
  const result: ReplayResult = {
    scenario: overrides.name ?? 'gc-pause-unfenced',
    seed: 7,
    ok: false,
    expectMet: true,
    violations: [
      {
        invariant: 'stale-write',
        atMs: 15300,
        message: "storage accepted c1's write to file with token 33 at 15300.0 ms, but c1's lock expired at 10001.2 ms",
        resource: 'file',
        nodes: ['c1', 'c2'],
      },
    ],
    observations: [{ kind: 'belief-overlap', fromMs: 10100, toMs: 15300, resource: 'file', nodes: ['c1', 'c2'] }],
    deadlocks: [],
    faults: [{ kind: 'pause', atMs: 200, node: 'c1', forMs: 15000 }],
    stats: { events: events.length, messages: countMessages(events), simMs: 16000 },
    traceHash: '9c1e5b0a7d3f42e8',
  };
  const name = overrides.name ?? 'gc-pause-unfenced';
  return {
    scenario: {
      name,
      title: overrides.title ?? 'A GC pause outlives the lease (unfenced storage)',
      lesson: overrides.lesson ?? GC_LESSON,
      protocol: 'dlm',
      file: `scenarios/${name}.json`,
    },
    seed: 7,
    result,
    events,
    replayCommand: `npx lockstep replay scenarios/${name}.json --seed 7`,
  };
}

/** The XSS probe: markup in the title, the lesson and a traced value must all render as text. */
export const XSS_TITLE = '<script>alert(1)</script> GC pause with a hostile title';

export function xssInput(): RunReportInput {
  const base = gcPauseInput({
    name: 'xss-title',
    title: XSS_TITLE,
    lesson: 'Lesson with <img src=x onerror=alert(2)> and </script><script>alert(3)</script> inside.',
  });
  const events = base.events.map((event) =>
    event.type === 'write' && event.fields?.['client'] === 'c2'
      ? { ...event, fields: { ...event.fields, value: '</script><script>alert(4)</script><!--' } }
      : event,
  );
  return { ...base, events };
}

// ----------------------------------------------------------------------------------------------
// AB–BA deadlock (S18): c1 holds a and wants b, c2 holds b and wants a; m1 finds the cycle and
// picks c2 as the victim.

export function deadlockEvents(): TraceEvent[] {
  const b = new TraceBuilder().clock('m1', 0.3, 10).clock('m2', -0.6, -15).clock('c1', 2.2, 40).clock('c2', -1.4, -25);
  b.at(0, 'c1', 'request', { client: 'c1', resource: 'a', op: 'lock', mode: 'EX' });
  b.msg(0, 'c1', 'm1', 'lock', 1.0);
  b.at(1, 'm1', 'grant', { client: 'c1', resource: 'a', mode: 'EX', token: 1 });
  b.msg(1, 'm1', 'c1', 'granted', 1.0);
  b.at(2, 'c1', 'complete', { client: 'c1', resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 });
  b.at(0, 'c2', 'request', { client: 'c2', resource: 'b', op: 'lock', mode: 'EX' });
  b.msg(0, 'c2', 'm2', 'lock', 1.1);
  b.at(1.1, 'm2', 'grant', { client: 'c2', resource: 'b', mode: 'EX', token: 1 });
  b.msg(1.1, 'm2', 'c2', 'granted', 1.2);
  b.at(2.3, 'c2', 'complete', { client: 'c2', resource: 'b', status: 'GRANTED', mode: 'EX', token: 1 });
  // Each asks for the other's resource.
  b.at(50, 'c1', 'request', { client: 'c1', resource: 'b', op: 'lock', mode: 'EX' });
  b.msg(50, 'c1', 'm1', 'lock', 1.0);
  b.msg(51, 'm1', 'm2', 'lock-fwd', 2.0);
  b.at(53, 'm2', 'enqueue', { client: 'c1', resource: 'b', mode: 'EX', queue: 'waiting' });
  b.msg(53, 'm2', 'c2', 'bast', 1.0);
  b.at(54, 'c2', 'bast', { client: 'c2', resource: 'b', mode: 'EX' });
  b.at(50.2, 'c2', 'request', { client: 'c2', resource: 'a', op: 'lock', mode: 'EX' });
  b.msg(50.2, 'c2', 'm2', 'lock', 1.1);
  b.msg(51.3, 'm2', 'm1', 'lock-fwd', 2.2);
  b.at(53.5, 'm1', 'enqueue', { client: 'c2', resource: 'a', mode: 'EX', queue: 'waiting' });
  b.msg(53.5, 'm1', 'c1', 'bast', 1.0);
  b.at(54.5, 'c1', 'bast', { client: 'c1', resource: 'a', mode: 'EX' });
  // After waitMs the timed search runs at m1 across both masters.
  b.msg(1053.5, 'm1', 'm2', 'dd-probe', 1.5);
  b.msg(1055, 'm2', 'm1', 'dd-probe', 1.0);
  b.at(1056, 'm1', 'deadlock', {
    victim: 'c2',
    cycle: [
      { node: 'c1', resource: 'b', mode: 'EX', waitsFor: 'c2', heldMode: 'EX' },
      { node: 'c2', resource: 'a', mode: 'EX', waitsFor: 'c1', heldMode: 'EX' },
    ],
  });
  b.at(1056, 'm1', 'dequeue', { client: 'c2', resource: 'a', reason: 'deadlock' });
  b.msg(1056, 'm1', 'm2', 'refused', 1.5);
  b.msg(1057.5, 'm2', 'c2', 'refused', 1.0);
  b.at(1058.5, 'c2', 'complete', { client: 'c2', resource: 'a', status: 'DEADLOCK' });
  // The victim releases what it holds; c1 then gets b.
  b.at(1058.5, 'c2', 'request', { client: 'c2', resource: 'b', op: 'unlock' });
  b.msg(1058.5, 'c2', 'm2', 'unlock', 1.1);
  b.at(1059.6, 'm2', 'release', { client: 'c2', resource: 'b', reason: 'unlock' });
  b.at(1059.6, 'm2', 'grant', { client: 'c1', resource: 'b', mode: 'EX', token: 2 });
  b.msg(1059.6, 'm2', 'c2', 'unlocked', 1.0);
  b.at(1060.6, 'c2', 'complete', { client: 'c2', resource: 'b', status: 'UNLOCKED' });
  b.at(1060.7, 'c2', 'done', { client: 'c2' });
  b.msg(1059.6, 'm2', 'm1', 'granted', 2.0);
  b.msg(1061.6, 'm1', 'c1', 'granted', 1.0);
  b.at(1062.6, 'c1', 'complete', { client: 'c1', resource: 'b', status: 'GRANTED', mode: 'EX', token: 2 });
  b.msg(1100, 'c1', 'storage', 'write', 1.0);
  b.at(1101, 'storage', 'write', { client: 'c1', resource: 'b', value: 'c1', token: 2 });
  b.msg(1101, 'storage', 'c1', 'write-ok', 1.0);
  b.at(1200, 'c1', 'request', { client: 'c1', resource: 'b', op: 'unlock' });
  b.msg(1200, 'c1', 'm1', 'unlock', 1.0);
  b.msg(1201, 'm1', 'm2', 'unlock-fwd', 2.0);
  b.at(1203, 'm2', 'release', { client: 'c1', resource: 'b', reason: 'unlock' });
  b.at(1210, 'c1', 'request', { client: 'c1', resource: 'a', op: 'unlock' });
  b.msg(1210, 'c1', 'm1', 'unlock', 1.0);
  b.at(1211, 'm1', 'release', { client: 'c1', resource: 'a', reason: 'unlock' });
  b.at(1220, 'c1', 'done', { client: 'c1' });
  return b.build();
}

export function deadlockInput(): RunReportInput {
  const events = deadlockEvents();
  return {
    scenario: {
      name: 'ab-ba-deadlock',
      title: 'AB–BA lock ordering deadlock, found across two masters',
      lesson: 'Two clients take two locks in opposite orders. Each holds one and waits for the other: a wait-for cycle that spans both masters. The timed search finds it and refuses the lowest-priority request with `DEADLOCK`.',
      protocol: 'dlm',
      file: 'scenarios/ab-ba-deadlock.json',
    },
    seed: 3,
    result: {
      scenario: 'ab-ba-deadlock',
      seed: 3,
      ok: true,
      expectMet: true,
      violations: [],
      observations: [],
      deadlocks: [
        {
          atMs: 1056,
          victim: 'c2',
          cycle: [
            { node: 'c1', resource: 'b', mode: 'EX', waitsFor: 'c2' },
            { node: 'c2', resource: 'a', mode: 'EX', waitsFor: 'c1' },
          ],
        },
      ],
      faults: [],
      stats: { events: events.length, messages: countMessages(events), simMs: 1500 },
      traceHash: '52aa07c4e91b6d30',
    },
    events,
    replayCommand: 'npx lockstep replay scenarios/ab-ba-deadlock.json --seed 3',
  };
}

// ----------------------------------------------------------------------------------------------
// A large synthetic run: lock cycles on four resources by eight clients over three managers,
// with storage writes, keepalives, a pause, a partition, clock drift and a clock jump.

/** A small deterministic PRNG (xorshift32) so the synthetic run is the same on every machine. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export function syntheticEvents(eventCount: number, seed = 1): TraceEvent[] {
  const rand = xorshift(seed);
  const managers = ['m1', 'm2', 'm3'];
  const clients = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
  const resources = ['r0', 'r1', 'r2', 'r3'];
  const b = new TraceBuilder()
    .clock('m1', 0.5, 15)
    .clock('m2', -1.5, -40, [{ atMs: 20000, byMs: 800 }])
    .clock('m3', 3, 60)
    .clock('storage', 0, 5);
  clients.forEach((c, i) => b.clock(c, (i - 4) * 2.5, (i - 4) * 30));
  const lat = (): number => Math.round((0.5 + rand() * 4.5) * 1000) / 1000;
  const cursor = resources.map((_, i) => i * 3);
  const token = resources.map(() => 0);
  let keepaliveAt = 0;
  b.at(15000, 'c3', 'pause', { forMs: 4000 });
  b.at(19000, 'c3', 'resume', {});
  b.raw(30000, 'net', 'partition', { groups: [['m1', 'c1', 'c2'], ['m2', 'm3', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'storage']] });
  b.raw(31500, 'net', 'heal', { groups: [['m1', 'c1', 'c2'], ['m2', 'm3', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'storage']] });
  b.at(20000, 'm2', 'clock-jump', { byMs: 800, clock: 'wall' });
  // Always extend the resource that is furthest behind, so every event before the smallest
  // cursor is complete when generation stops.
  for (let guard = 0; b.size < eventCount + 400 && guard < eventCount; guard += 1) {
    let r = 0;
    for (let i = 1; i < resources.length; i += 1) if ((cursor[i] ?? 0) < (cursor[r] ?? 0)) r = i;
    const resource = resources[r] ?? 'r0';
    const client = clients[Math.floor(rand() * clients.length)] ?? 'c1';
    const home = managers[clients.indexOf(client) % managers.length] ?? 'm1';
    const master = managers[r % managers.length] ?? 'm1';
    let t = cursor[r] ?? 0;
    const mode = rand() < 0.8 ? 'EX' : 'PW';
    b.at(t, client, 'request', { client, resource, op: 'lock', mode });
    t = b.msg(t, client, home, 'lock', lat());
    if (home !== master) {
      t = b.msg(t, home, master, 'lock-fwd', lat());
    }
    token[r] = (token[r] ?? 0) + 1;
    const tk = token[r] ?? 0;
    b.at(t, master, 'grant', { client, resource, mode, token: tk });
    t = b.msg(t, master, client, 'granted', lat());
    b.at(t, client, 'complete', { client, resource, status: 'GRANTED', mode, token: tk });
    t = b.msg(t + rand() * 3, client, 'storage', 'write', lat());
    b.at(t, 'storage', 'write', { client, resource, value: `${client}:${tk}`, token: tk });
    const ack = b.msg(t, 'storage', client, 'write-ok', lat());
    t = ack + 1 + rand() * 6;
    b.at(t, client, 'request', { client, resource, op: 'unlock' });
    t = b.msg(t, client, master, 'unlock', lat());
    b.at(t, master, 'release', { client, resource, reason: 'unlock' });
    const done = b.msg(t, master, client, 'unlocked', lat());
    b.at(done, client, 'complete', { client, resource, status: 'UNLOCKED' });
    if (tk % 40 === 0) {
      // A late writer with an old token: fenced out by the storage.
      const late = b.msg(t + 2, client, 'storage', 'write', lat());
      b.at(late, 'storage', 'reject', { client, resource, value: `${client}:late`, token: tk - 1, highest: tk });
    }
    cursor[r] = t + 0.5 + rand() * 4;
    const minCursor = Math.min(...cursor);
    while (keepaliveAt + 1000 < minCursor) {
      keepaliveAt += 1000;
      for (const c of clients) {
        const home2 = managers[clients.indexOf(c) % managers.length] ?? 'm1';
        const back = b.msg(keepaliveAt, c, home2, 'keepalive', lat());
        b.msg(back, home2, c, 'keepalive-ok', lat());
      }
    }
  }
  return b.build().slice(0, eventCount);
}

export function syntheticInput(eventCount = 100_000): RunReportInput {
  const events = syntheticEvents(eventCount);
  const last = events[events.length - 1];
  return {
    scenario: {
      name: 'synthetic-100k',
      title: `Synthetic run of ${eventCount} events`,
      lesson: 'A long run for the size test: many short lock cycles, keepalives, a pause, a partition and a clock jump.',
      protocol: 'dlm',
    },
    seed: 1,
    result: {
      scenario: 'synthetic-100k',
      seed: 1,
      ok: true,
      expectMet: true,
      violations: [],
      observations: [],
      deadlocks: [],
      faults: [
        { kind: 'pause', atMs: 15000, node: 'c3', forMs: 4000 },
        { kind: 'clock-jump', atMs: 20000, node: 'm2', byMs: 800, clock: 'wall' },
        { kind: 'partition', atMs: 30000, groups: [['m1', 'c1', 'c2'], ['m2', 'm3', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'storage']], forMs: 1500 },
      ],
      stats: { events: events.length, messages: countMessages(events), simMs: last !== undefined ? Math.ceil(last.tUs / 1000) : 0 },
      traceHash: '0b5e77aa12c9f3d1',
    },
    events,
    replayCommand: 'npx lockstep replay scenarios/synthetic-100k.json --seed 1',
  };
}

// ----------------------------------------------------------------------------------------------
// A suite page over the fixtures.

export function suiteInput(links: { gc: string; xss: string }): SuiteReportInput {
  return {
    generatedBy: 'lockstep run scenarios/ --seeds 200 --report reports',
    scenarios: [
      {
        scenario: {
          scenario: 'gc-pause-unfenced',
          file: 'scenarios/gc-pause-unfenced.json',
          seedsRun: 200,
          expect: { violation: 'stale-write' },
          met: true,
          failures: [7, 19, 23, 42, 57, 88, 91].map((seed) => ({
            seed,
            invariant: 'stale-write' as const,
            atMs: 15300 + seed,
            message: "storage accepted c1's write with an expired lock",
            replay: `npx lockstep replay scenarios/gc-pause-unfenced.json --seed ${seed}`,
          })),
        },
        title: 'A GC pause outlives the lease (unfenced storage)',
        protocol: 'dlm',
        wallMs: 1840,
        reportLinks: { '7': links.gc },
      },
      {
        scenario: { scenario: 'gc-pause-fenced', file: 'scenarios/gc-pause-fenced.json', seedsRun: 200, expect: 'pass', met: true, failures: [] },
        title: 'The same pause, with fencing tokens checked by the storage',
        protocol: 'dlm',
        wallMs: 1710,
        reportLinks: {},
      },
      {
        scenario: {
          scenario: 'redlock-clock-jump',
          file: 'scenarios/redlock-clock-jump.json',
          seedsRun: 200,
          expect: { violation: 'mutual-exclusion' },
          met: true,
          failures: [
            { seed: 4, invariant: 'mutual-exclusion', atMs: 1215, message: 'c1 and c2 both hold k', replay: 'npx lockstep replay scenarios/redlock-clock-jump.json --seed 4' },
            { seed: 9, invariant: 'stale-write', atMs: 1302.5, message: 'c1 wrote after its validity ended', replay: 'npx lockstep replay scenarios/redlock-clock-jump.json --seed 9' },
          ],
        },
        title: 'Redlock: a clock on one of five instances jumps forward',
        protocol: 'redlock',
        wallMs: 2960,
        reportLinks: {},
      },
      {
        scenario: {
          scenario: 'xss-title',
          file: 'scenarios/xss-title.json',
          seedsRun: 50,
          expect: 'pass',
          met: false,
          failures: [{ seed: 7, invariant: 'stale-write', atMs: 15300, message: '<b>not bold</b>', replay: 'npx lockstep replay scenarios/xss-title.json --seed 7' }],
        },
        title: XSS_TITLE,
        protocol: 'dlm',
        wallMs: 455,
        reportLinks: { '7': links.xss },
      },
      {
        scenario: { scenario: 'ab-ba-deadlock', file: 'scenarios/ab-ba-deadlock.json', seedsRun: 100, expect: 'pass', met: true, failures: [] },
        title: 'AB–BA lock ordering deadlock, found across two masters',
        protocol: 'dlm',
        wallMs: 620,
        reportLinks: {},
      },
    ],
  };
}
