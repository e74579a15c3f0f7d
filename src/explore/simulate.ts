/**
 * The world builder: one scenario and one seed in, one replay result out (DESIGN §5.3).
 *
 * It is the only place that knows how the parts fit: the protocol's service nodes, the storage
 * node, one scripted client per scenario client (with the protocol's driver), each node's clock
 * drawn from the seed, the scenario's fault plan plus the seed-drawn swarm faults, and the online
 * checkers listening to the same event stream the trace hash is computed over. A run is a pure
 * function of (scenario, seed, options): everything random comes from named streams of the seed.
 */
import type { ServiceMutations, ServiceOptions, ClientSpec, ProtocolModule } from '../protocols/index.js';
import { asyncClient, AsyncClientHub, scriptedClient, type ClientScript } from '../clients/index.js';
import { createCheckers, defaultDeadlockBoundUs, type CheckerSet } from '../check/index.js';
import { RecoveryAssertionError, dlmProtocol } from '../dlm/protocol/index.js';
import { ProtocolInvariantError, etcdProtocol, gridProtocol, leaseLockProtocol, redlockProtocol, zkProtocol } from '../protocols/index.js';
import type { Scenario } from '../scenario/index.js';
import type { CycleEdge } from '../vocabulary/index.js';
import { fromFault } from '../scenario/index.js';
import {
  SimBoundExceeded,
  SimError,
  Simulation,
  TraceHasher,
  TraceRecorder,
  msToUs,
  usToMs,
  type Fault,
  type NodeEventSink,
  type Scheduler,
  type SimStats,
  type TraceEvent,
  type TraceFields,
} from '../sim/index.js';
import { storageProcess } from '../storage/index.js';
import type { DeadlockCycleEdge, NodeClockSamples, ReplayResult, Violation } from './result.js';
import { PilotObserver, planFaults, type Pilot } from './strategies/index.js';
import { checkDeadlockBoundUs, scheduleScheduler } from './check/bounds.js';

/** Options that are not part of a scenario file: test-only mutations and output choices. */
export interface SimulateOptions {
  /** Keep every trace event (for --trace and reports). Off in sweeps: only the hash is kept. */
  record?: boolean;
  /** Most events kept when recording (default: the scenario's bounds.maxTraceEvents). */
  recordMax?: number;
  /** Planted bugs in the lock service (checker self-tests). */
  mutations?: ServiceMutations;
  /** Planted bug in the storage: accept every write even when it checks tokens. */
  storageIgnoresTokens?: boolean;
  /** Trace send/deliver/timer events (default true; they are part of the canonical trace). */
  traceKernelEvents?: boolean;
  /** Hard bound on kernel events (default: the scenario's bounds.maxEvents). */
  maxEvents?: number;
  /** Run with the checkers detached (bench baseline); the result then has no verdict. */
  checkersOff?: boolean;
  /**
   * How long a wait-for cycle may stand before it is a deadlock, µs (default: the scenario's, see
   * deadlockBoundUs). The model checker shortens it where nothing in the scenario can break a cycle.
   */
  deadlockBoundUs?: number;
  /** Who picks the next event (the model checker's exploring scheduler); the timed one by default. */
  scheduler?: Scheduler;
  /** Called once the world is built, before it runs: the model checker hashes it and reads the verdicts as it goes. */
  onBuilt?: (world: BuiltWorld) => void;
}

/** The simulation and its checkers, as {@link SimulateOptions.onBuilt} receives them. */
export interface BuiltWorld {
  sim: Simulation;
  checkers: CheckerSet | undefined;
}

/** A replay result plus, when recording, the events it was computed from and every node's clock. */
export interface SimulateOutcome {
  result: ReplayResult;
  events: TraceEvent[] | undefined;
  clocks: NodeClockSamples[] | undefined;
}

/** The protocol modules by scenario `protocol` name. */
export const protocols: Readonly<Record<Scenario['protocol'], ProtocolModule>> = {
  dlm: dlmProtocol,
  redlock: redlockProtocol,
  zk: zkProtocol,
  'lease-lock': leaseLockProtocol,
  etcd: etcdProtocol,
  grid: gridProtocol,
};


/**
 * Run `scenario` under `seed` and judge it.
 *
 * Throws SimBoundExceeded when the run exceeds its event bound (a message storm), never a
 * partial result.
 */
export function simulate(scenario: Scenario, seed: number, opts: SimulateOptions = {}): SimulateOutcome {
  const run = prepareRun(scenario, seed, opts);
  if (run.asyncClients !== undefined) {
    throw new Error(`lockstep: scenario ${scenario.name} has async clients; run it with the async simulate() of the lockstep package`);
  }
  return run.finish(run.advance());
}

/**
 * A world built and not yet run: `simulate` runs it in one go; the async simulator
 * (src/library/simulate.ts) runs it in slices, draining the async clients' code between them.
 */
export interface PreparedRun {
  readonly sim: Simulation;
  readonly durationUs: number;
  /** The async clients' hub, when the scenario has any. */
  readonly asyncClients: AsyncClientHub | undefined;
  /**
   * Runs the kernel toward `durationUs` (to the end, or to the next yield of an async client).
   * A service node whose own assertion fails ends the run there: that is a finding of this seed,
   * as replayable as a violation, so it is kept in {@link failure} and judged as an `assertion`
   * violation instead of ending the whole sweep.
   */
  advance(): SimStats;
  /** The service assertion that ended the run, if one did. */
  readonly failure: SimError | undefined;
  /** Judges the run once the kernel has reached `durationUs` or a service assertion failed. */
  finish(stats: SimStats): SimulateOutcome;
}

/** An error a service node raised about its own state: a bug of the system under test. */
export function isServiceAssertion(error: unknown): error is SimError {
  if (!(error instanceof SimError)) return false;
  const cause = error.cause;
  return cause instanceof RecoveryAssertionError || cause instanceof ProtocolInvariantError;
}

/** Builds the world of `scenario` under `seed` (see {@link simulate}). */
export function prepareRun(scenario: Scenario, seed: number, opts: SimulateOptions = {}): PreparedRun {
  assertSeed(seed);
  const protocol = scenario.lockProtocol ?? protocols[scenario.protocol];
  const options = serviceOptions(scenario, opts.mutations);
  const durationUs = msToUs(scenario.durationMs);
  const scheduled = opts.scheduler === undefined ? scheduleScheduler(scenario) : undefined;
  const scheduler = opts.scheduler ?? scheduled;
  const hasher = new TraceHasher();
  const recorder = opts.record ? new TraceRecorder(opts.recordMax ?? scenario.bounds.maxTraceEvents) : undefined;
  const maxSimUs = scenario.bounds.maxSimMs === undefined ? durationUs : Math.min(durationUs, msToUs(scenario.bounds.maxSimMs));
  const sim = new Simulation({
    seed,
    bounds: { maxEvents: opts.maxEvents ?? scenario.bounds.maxEvents, maxTimeUs: maxSimUs },
    network: networkConfig(scenario),
    traceKernelEvents: opts.traceKernelEvents ?? true,
    ...(scheduler ? { scheduler } : {}),
  });

  const services = protocol.serviceNodes(scenario.managers, options);
  const managerIds = services.map((s) => s.id);
  const plan = planFaults({ scenario, sim, managerIds, durationUs, pilot: () => pilotRun(scenario, seed, opts) });
  const leaseChecking = leaseCheckingClients(scenario);
  const checkers = opts.checkersOff ? undefined : createCheckers({
    invariants: scenario.invariants,
    livenessUs: msToUs(scenario.livenessMs),
    healUs: plan.healUs,
    leaseChecking,
    lockDelayUs: msToUs(scenario.lockService.lockDelayMs),
    deadlockBoundUs: opts.deadlockBoundUs ?? (scheduled ? checkDeadlockBoundUs(scenario) : undefined) ?? deadlockBoundUs(scenario),
  });

  sim.addListener(hasher);
  if (recorder) sim.addListener(recorder);
  if (checkers) sim.addListener(violationTracer(checkers, sim));

  for (const service of services) sim.addNode(service.id, service.factory, drawClock(sim, scenario, service.id));
  sim.addNode('storage', storageProcess({ checkTokens: scenario.storage.checkTokens, ignoreTokens: opts.storageIgnoresTokens ?? false }), drawClock(sim, scenario, 'storage'));
  let asyncClients: AsyncClientHub | undefined;
  scenario.clients.forEach((client, index) => {
    const spec: ClientSpec = {
      id: client.id,
      home: client.home ?? managerIds[index % managerIds.length]!,
      deadlockPriority: client.deadlockPriority,
    };
    const driver = protocol.driver(spec, managerIds, options);
    const factory = client.run !== undefined
      ? asyncClient({ id: client.id, startMs: client.startMs, deadlockPriority: client.deadlockPriority, run: client.run }, driver, (asyncClients ??= new AsyncClientHub(() => sim.requestYield())), { storage: 'storage' })
      : scriptedClient(clientScript(client, leaseChecking.has(client.id)), driver, { storage: 'storage' });
    sim.addNode(client.id, factory, drawClock(sim, scenario, client.id));
  });
  sim.addFaults(plan.scheduled);
  plan.attach(sim);
  scheduled?.attach(sim);
  opts.onBuilt?.({ sim, checkers });
  // `failure` is a data property that advance() sets, not a getter over a local: a getter in this
  // literal keeps the run's world reachable in a way that makes V8 promote it to the old
  // generation at its first scavenge, and a sweep then pays a major collection for every seed.
  const run = {
    sim,
    durationUs,
    asyncClients,
    failure: undefined as SimError | undefined,
    advance: (): SimStats => {
      try {
        return sim.run(durationUs);
      } catch (error) {
        if (!isServiceAssertion(error)) throw error;
        run.failure = error;
        return sim.stats();
      }
    },
    finish: (stats: SimStats) => judge(scenario, seed, stats, plan.applied(), checkers, hasher, recorder, sim, run.failure),
  };
  return run;
}

/** The replay result of a finished run (DESIGN §5.3). */
function judge(
  scenario: Scenario,
  seed: number,
  stats: SimStats,
  faults: readonly Fault[],
  checkers: CheckerSet | undefined,
  hasher: TraceHasher,
  recorder: TraceRecorder | undefined,
  sim: Simulation,
  failure: SimError | undefined,
): SimulateOutcome {
  checkers?.finish(stats.simUs);

  const violations: Array<{ invariant: Violation['invariant']; atUs: number; message: string; resource?: string; nodes: readonly string[] }> = [
    ...(checkers?.violations ?? []),
  ];
  if (failure !== undefined) {
    const cause = failure.cause instanceof Error ? failure.cause.message : failure.message;
    violations.push({ invariant: 'assertion', atUs: failure.atUs, message: `${failure.node ?? 'a node'}'s own assertion failed: ${cause}`, nodes: failure.node !== undefined ? [failure.node] : [] });
  }
  const result: ReplayResult = {
    scenario: scenario.name,
    seed,
    ok: violations.length === 0,
    expectMet: expectationMet(scenario, violations.map((v) => v.invariant)),
    violations: violations.map((v) => ({
      invariant: v.invariant,
      atMs: usToMs(v.atUs),
      message: v.message,
      ...(v.resource !== undefined ? { resource: v.resource } : {}),
      nodes: [...v.nodes],
    })),
    observations: (checkers?.observations ?? []).map((o) => ({
      kind: o.kind,
      fromMs: usToMs(o.fromUs),
      toMs: usToMs(o.toUs),
      resource: o.resource,
      nodes: [...o.nodes],
    })),
    deadlocks: [
      ...(checkers?.deadlocks ?? []).map((d) => ({
        atMs: usToMs(d.atUs),
        victim: d.victim,
        cycle: d.cycle.map(resultEdge),
      })),
      ...(checkers?.violations ?? []).flatMap((v) =>
        v.invariant === 'deadlock' && v.cycle !== undefined && v.formedUs !== undefined
          ? [{ atMs: usToMs(v.atUs), cycle: v.cycle.map(resultEdge), unresolved: true as const, formedAtMs: usToMs(v.formedUs) }]
          : [],
      ),
    ],
    faults: faults.map(fromFault),
    stats: { events: stats.events, messages: stats.messages, simMs: usToMs(stats.simUs) },
    traceHash: hasher.hex(),
  };
  return { result, events: recorder?.events, clocks: recorder ? clockSamples(sim, stats.simUs) : undefined };
}

/** A cycle edge as §5.3 shows it (without the checker's `heldMode`). */
function resultEdge(edge: CycleEdge): DeadlockCycleEdge {
  return { node: edge.node, resource: edge.resource, mode: edge.mode, waitsFor: edge.waitsFor };
}

/** Each node's wall clock at the start, on both sides of each change, and at `endUs` (see NodeClockSamples). */
function clockSamples(sim: Simulation, endUs: number): NodeClockSamples[] {
  return sim.nodeIds().map((node) => {
    const clock = sim.clockOf(node);
    const times = [0];
    for (const t of clock.changeTimesUs()) {
      if (t > 0 && t - 1 > times[times.length - 1]!) times.push(t - 1);
      if (t > times[times.length - 1]!) times.push(t);
    }
    if (endUs > times[times.length - 1]!) times.push(endUs);
    return { node, tUs: times, offsetUs: times.map((t) => clock.read('wall', t) - t) };
  });
}

/** Whether the violated invariants meet the scenario's expectation (DESIGN §4, last paragraph). */
export function expectationMet(scenario: Scenario, violated: readonly string[]): boolean {
  if (scenario.expect === 'pass') return violated.length === 0;
  return violated.includes(scenario.expect.violation);
}

function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new RangeError(`lockstep: a seed is an integer in [0, 2^32), got ${seed}`);
  }
}

function serviceOptions(scenario: Scenario, mutations: ServiceMutations | undefined): ServiceOptions {
  const ls = scenario.lockService;
  return {
    leaseMs: ls.leaseMs,
    keepAliveMs: ls.keepAliveMs,
    lockDelayMs: ls.lockDelayMs,
    fencing: ls.fencing,
    expiryClock: ls.expiryClock,
    deadlock: ls.deadlock.confirm === undefined ? { detect: ls.deadlock.detect, waitMs: ls.deadlock.waitMs } : { detect: ls.deadlock.detect, waitMs: ls.deadlock.waitMs, confirm: ls.deadlock.confirm },
    valueBlockBytes: ls.valueBlockBytes,
    graceMs: ls.graceMs,
    heartbeatMs: ls.heartbeatMs,
    failureTimeoutMs: ls.failureTimeoutMs,
    persistence: ls.persistence,
    driftFactor: ls.driftFactor,
    driftExtraMs: ls.driftExtraMs,
    validityCheck: ls.validityCheck,
    retryDelayMs: ls.retryDelayMs,
    requestTimeoutMs: ls.requestTimeoutMs,
    fanout: ls.fanout,
    clientClock: ls.clientClock,
    clientMarginMs: ls.clientMarginMs,
    watch: ls.watch,
    guidNames: ls.guidNames,
    connectionStates: ls.connectionStates,
    release: ls.release,
    profile: ls.profile,
    ...(mutations ? { mutations } : {}),
  };
}

function networkConfig(scenario: Scenario) {
  const n = scenario.network;
  return {
    latencyUs: [msToUs(n.latencyMs[0]), msToUs(n.latencyMs[1])] as const,
    dropRate: n.dropRate,
    duplicateRate: n.duplicateRate,
    fifo: n.fifo,
  };
}

/** Each node draws its clock offset and drift within the scenario's bounds from its own stream. */
function drawClock(sim: Simulation, scenario: Scenario, node: string) {
  const { skewMs, driftPpm } = scenario.clocks;
  if (skewMs === 0 && driftPpm === 0) return { offsetUs: 0, driftPpm: 0 };
  const rng = sim.rng(`clock/${node}`);
  const skewUs = msToUs(skewMs);
  return {
    offsetUs: skewUs === 0 ? 0 : rng.int(-skewUs, skewUs),
    driftPpm: driftPpm === 0 ? 0 : rng.int(-Math.round(driftPpm), Math.round(driftPpm)),
  };
}

/**
 * What a run of `scenario` under `seed` with none of its drawn faults (its explicit ones stay)
 * shows: the pilot that workload-aware placement learns the activity window from, and that
 * moment triggers learn their moments from (see strategies/placement.ts and moments.ts).
 */
function pilotRun(scenario: Scenario, seed: number, opts: SimulateOptions): Pilot {
  const observer = new PilotObserver(scenario);
  const pilot = prepareRun({ ...scenario, randomFaults: {} }, seed, {
    checkersOff: true,
    traceKernelEvents: observer.messageEvents,
    ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
    onBuilt: ({ sim }) => sim.addListener(observer),
  });
  if (pilot.asyncClients !== undefined) {
    throw new Error(`lockstep: scenario ${scenario.name}: the ${scenario.randomFaults.strategy} fault strategy learns the clients' activity from a pilot run, which needs scripted clients`);
  }
  pilot.advance();
  return observer.result(pilot.durationUs);
}

function leaseCheckingClients(scenario: Scenario): Set<string> {
  const ids = new Set<string>();
  for (const client of scenario.clients) {
    if (client.steps.some((step) => 'checkLease' in step && step.checkLease === true)) ids.add(client.id);
  }
  return ids;
}

/** How long a wait-for cycle may persist before the deadlock invariant calls it unresolved. */
function deadlockBoundUs(scenario: Scenario): number {
  const { detect, waitMs } = scenario.lockService.deadlock;
  return defaultDeadlockBoundUs(detect ? waitMs : 0);
}

function clientScript(client: Scenario['clients'][number], leaseChecking: boolean): ClientScript {
  return {
    id: client.id,
    startMs: client.startMs,
    repeat: client.repeat,
    steps: client.steps,
    deadlockPriority: client.deadlockPriority,
    leaseChecking,
  };
}

/**
 * Feeds the checkers, and traces each new violation as a `violation` event right after the event
 * that caused it, so the trace (and its hash, and the report's narrative) shows where it happened.
 * It reads no message events and takes node events as arguments (a NodeEventSink), so that a
 * checked run costs the kernel nothing per message beyond hashing it, and no copy of a node
 * event's fields.
 */
function violationTracer(checkers: CheckerSet, sim: Simulation): NodeEventSink {
  let seen = 0;
  const traceNew = (): void => {
    const all = checkers.violations;
    while (seen < all.length) {
      const v = all[seen++]!;
      sim.emit('checker', 'violation', { invariant: v.invariant, message: v.message, ...(v.resource !== undefined ? { resource: v.resource } : {}), nodes: [...v.nodes] });
    }
  };
  return {
    messageEvents: checkers.messageEvents,
    onNodeEvent(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
      checkers.onNodeEvent(seq, tUs, node, type, fields);
      traceNew();
    },
    onEvent(event: TraceEvent): void {
      if (event.type === 'violation') return;
      checkers.onEvent(event);
      traceNew();
    },
  };
}

export { SimBoundExceeded };
