/**
 * A tiny world for the scripted-client tests: the real kernel, the real storage, scripted
 * clients over the fake driver, links with a fixed 1 ms latency, and a filter that keeps the
 * lock-level events with their true time in ms (the `local` field stripped).
 */
import { scriptedClient, type ClientScript, type ClientStep, type ScriptedClientOptions } from '../../src/clients/index.js';
import { Simulation, TraceRecorder } from '../../src/sim/index.js';
import type { ClockConfig, Fault, LinkConfig, Message, ProcessFactory, TraceEvent } from '../../src/sim/types.js';
import { storageProcess, type StorageOptions } from '../../src/storage/index.js';
import { FakeService, fakeDriver, type FakeConfig } from './fake-driver.js';

export interface ClientSetup {
  script: ClientScript;
  fake?: FakeConfig;
  clock?: Partial<ClockConfig>;
  options?: Partial<ScriptedClientOptions>;
}

export interface WorldSetup {
  clients: ClientSetup[];
  storage?: StorageOptions;
  faults?: Fault[];
  links?: Array<{ from: string; to: string; cfg: Partial<LinkConfig> }>;
  /** Extra nodes that send one message each at a given time (e.g. a bast to a client). */
  pokes?: Array<{ from: string; to: string; atUs: number; payload: Message }>;
  untilUs?: number;
}

/** The client-side and storage event types the tests look at. */
export const LOCK_TYPES = new Set(['request', 'complete', 'bast', 'lapse', 'write', 'reject', 'read', 'skip', 'done']);

export interface Ev {
  t: number;
  node: string;
  type: string;
  [field: string]: unknown;
}

export function flatten(e: TraceEvent): Ev {
  const { local: _local, ...rest } = e.fields ?? {};
  return { t: e.tUs / 1000, node: e.node, type: e.type, ...rest };
}

export function script(id: string, steps: ClientStep[], extra: Partial<ClientScript> = {}): ClientScript {
  return { id, startMs: 0, repeat: 1, steps, deadlockPriority: 0, leaseChecking: false, ...extra };
}

function poker(to: string, atUs: number, payload: Message): ProcessFactory {
  return () => ({
    onStart(ctx) {
      ctx.setTimer(atUs, 'poke', 'mono');
    },
    onMessage() {},
    onTimer(ctx) {
      ctx.send(to, payload);
    },
  });
}

export interface WorldRun {
  all: TraceEvent[];
  /** Lock-level events, flattened. */
  events: Ev[];
}

export function runWorld(setup: WorldSetup): WorldRun {
  const rec = new TraceRecorder();
  const sim = new Simulation({ seed: 1, listeners: [rec], network: { latencyUs: [1000, 1000] } });
  sim.addNode('storage', storageProcess(setup.storage ?? { checkTokens: true }));
  const service = new FakeService();
  for (const c of setup.clients) {
    sim.addNode(
      c.script.id,
      scriptedClient(c.script, fakeDriver(c.fake ?? {}, service), { storage: 'storage', ...c.options }),
      c.clock,
    );
  }
  for (const p of setup.pokes ?? []) sim.addNode(p.from, poker(p.to, p.atUs, p.payload));
  for (const l of setup.links ?? []) sim.setLink(l.from, l.to, l.cfg);
  sim.addFaults(setup.faults ?? []);
  sim.run(setup.untilUs ?? 2_000_000);
  return { all: rec.events, events: rec.events.filter((e) => LOCK_TYPES.has(e.type)).map(flatten) };
}
