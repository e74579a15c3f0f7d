/**
 * Hand-built worlds for the protocol tests: a Simulation with a protocol's service nodes, the
 * storage node, scripted clients driving the protocol's driver, and the online checkers — the
 * same parts src/explore/simulate.ts assembles, with every number chosen by the test (fixed
 * latencies, explicit clocks and faults) so the pitfalls' timelines come out exactly.
 */
import type { ClientSpec, ProtocolModule, ServiceOptions } from '../../src/protocols/contract.js';
import { scriptedClient, type ClientStep } from '../../src/clients/index.js';
import { createCheckers, type BeliefOverlap, type InvariantName, type Violation } from '../../src/check/index.js';
import { Simulation, TraceHasher, TraceRecorder, type ClockConfig, type Fault, type TraceEvent } from '../../src/sim/index.js';
import { storageProcess } from '../../src/storage/index.js';

/** Lock-service options with the scenario schema's defaults; tests override what they need. */
export function serviceOptions(overrides: Partial<ServiceOptions> = {}): ServiceOptions {
  return {
    leaseMs: 10_000,
    keepAliveMs: 1000,
    lockDelayMs: 0,
    fencing: false,
    expiryClock: 'mono',
    deadlock: { detect: true, waitMs: 1000 },
    valueBlockBytes: 32,
    graceMs: 0,
    heartbeatMs: 1000,
    failureTimeoutMs: 5000,
    persistence: 'fsync',
    driftFactor: 0.01,
    driftExtraMs: 2,
    validityCheck: true,
    retryDelayMs: 200,
    watch: 'predecessor',
    guidNames: true,
    release: 'compare-and-delete',
    profile: 'linux',
    requestTimeoutMs: 50,
    fanout: 'parallel',
    clientClock: 'mono',
    clientMarginMs: 0,
    ...overrides,
  };
}

export interface WorldClient {
  id: string;
  startMs?: number;
  repeat?: number;
  steps: ClientStep[];
}

export interface WorldSpec {
  protocol: ProtocolModule;
  managers: number;
  options: ServiceOptions;
  clients: WorldClient[];
  /** Faults in kernel form (µs); see `ms()` helpers below. */
  faults?: Fault[];
  /** Per-node clock configuration (offset, drift). */
  clocks?: Record<string, Partial<ClockConfig>>;
  /** Fixed one-way latency of every link, ms (default 1). */
  latencyMs?: number;
  /** A uniform latency range [min, max] ms instead (drawn per message from the seed). */
  latencyRangeMs?: [number, number];
  seed?: number;
  durationMs: number;
  invariants?: InvariantName[];
  livenessMs?: number;
  checkTokens?: boolean;
}

export interface WorldResult {
  violations: Violation[];
  observations: BeliefOverlap[];
  events: TraceEvent[];
  hash: string;
  /** Lock-level events (kernel send/deliver/timer left out), for timeline assertions. */
  lockEvents: TraceEvent[];
}

const KERNEL = new Set(['send', 'deliver', 'timer', 'drop']);

/** Build and run one world; returns what the checkers found and the trace. */
export function runWorld(spec: WorldSpec): WorldResult {
  const latencyUs = Math.round((spec.latencyMs ?? 1) * 1000);
  const range: [number, number] = spec.latencyRangeMs === undefined
    ? [latencyUs, latencyUs]
    : [Math.round(spec.latencyRangeMs[0] * 1000), Math.round(spec.latencyRangeMs[1] * 1000)];
  const sim = new Simulation({
    seed: spec.seed ?? 1,
    network: { latencyUs: range, dropRate: 0, duplicateRate: 0, fifo: true },
  });
  const hasher = new TraceHasher();
  const recorder = new TraceRecorder(2_000_000);
  const leaseChecking = new Set(
    spec.clients.filter((c) => c.steps.some((s) => (s.op === 'write' || s.op === 'read') && s.checkLease === true)).map((c) => c.id),
  );
  const faults = spec.faults ?? [];
  const healUs = faults.reduce((m, f) => Math.max(m, f.atUs + ('forUs' in f && f.forUs !== undefined ? f.forUs : 0)), 0);
  const checkers = createCheckers({
    invariants: spec.invariants ?? ['mutual-exclusion', 'stale-write', 'fencing', 'liveness'],
    livenessUs: (spec.livenessMs ?? 60_000) * 1000,
    healUs,
    leaseChecking,
  });
  sim.addListener(hasher);
  sim.addListener(recorder);
  sim.addListener(checkers);

  const services = spec.protocol.serviceNodes(spec.managers, spec.options);
  const ids = services.map((s) => s.id);
  for (const s of services) sim.addNode(s.id, s.factory, spec.clocks?.[s.id]);
  sim.addNode('storage', storageProcess({ checkTokens: spec.checkTokens ?? false }), spec.clocks?.storage);
  spec.clients.forEach((c, i) => {
    const client: ClientSpec = { id: c.id, home: ids[i % ids.length]!, deadlockPriority: 0 };
    const driver = spec.protocol.driver(client, ids, spec.options);
    const script = {
      id: c.id,
      startMs: c.startMs ?? 0,
      repeat: c.repeat ?? 1,
      steps: c.steps,
      deadlockPriority: 0,
      leaseChecking: leaseChecking.has(c.id),
    };
    sim.addNode(c.id, scriptedClient(script, driver, { storage: 'storage' }), spec.clocks?.[c.id]);
  });
  sim.addFaults(faults);
  const stats = sim.run(spec.durationMs * 1000);
  checkers.finish(stats.simUs);
  const events = recorder.events;
  return {
    violations: checkers.violations,
    observations: checkers.observations,
    events,
    hash: hasher.hex(),
    lockEvents: events.filter((e) => !KERNEL.has(e.type)),
  };
}

/** Run a world twice; both runs must give the same trace hash (the determinism self-check). */
export function runTwice(spec: WorldSpec): WorldResult {
  const a = runWorld(spec);
  const b = runWorld(spec);
  if (a.hash !== b.hash) throw new Error(`nondeterminism: trace hash ${a.hash} then ${b.hash}`);
  return a;
}

// --- fault helpers (ms in, µs out) ---------------------------------------------------------------

const us = (ms: number) => Math.round(ms * 1000);

export const pause = (node: string, atMs: number, forMs: number): Fault => ({ kind: 'pause', node, atUs: us(atMs), forUs: us(forMs) });
export const crash = (node: string, atMs: number, restartAfterMs?: number): Fault =>
  restartAfterMs === undefined ? { kind: 'crash', node, atUs: us(atMs) } : { kind: 'crash', node, atUs: us(atMs), restartAfterUs: us(restartAfterMs) };
export const jump = (node: string, atMs: number, byMs: number): Fault => ({ kind: 'clock-jump', node, atUs: us(atMs), byUs: us(byMs), clock: 'wall' });
export const cut = (groups: string[][], atMs: number, forMs?: number, oneWay?: boolean): Fault => ({
  kind: 'partition',
  groups,
  atUs: us(atMs),
  ...(forMs !== undefined ? { forUs: us(forMs) } : {}),
  ...(oneWay ? { oneWay: true } : {}),
});
export const dropWindow = (from: string, to: string, atMs: number, forMs: number): Fault => ({ kind: 'drop', from, to, atUs: us(atMs), forUs: us(forMs) });

// --- trace helpers ---------------------------------------------------------------------------------

/** Lock events of `type` (optionally for `client`), as [t ms, node, fields]. */
export function eventsOf(r: WorldResult, type: string, client?: string): TraceEvent[] {
  return r.lockEvents.filter((e) => e.type === type && (client === undefined || e.fields?.['client'] === client));
}

/** True times (ms) of the lock events of `type` for `client`. */
export function timesOf(r: WorldResult, type: string, client?: string): number[] {
  return eventsOf(r, type, client).map((e) => e.tUs / 1000);
}

/** The invariants violated, in detection order, without repeats. */
export function violated(r: WorldResult): string[] {
  return [...new Set(r.violations.map((v) => v.invariant))];
}
