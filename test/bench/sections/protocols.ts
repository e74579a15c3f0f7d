/**
 * Bench section `protocols`: Redlock, the zk recipe and the lease lock inside the simulator, on
 * the same contended workload as the `dlm` section — 20 clients looping lock EX → work 1 ms →
 * write → unlock over 10 resources in their own orders, random latency 1–10 ms, 60 s simulated.
 * Redlock runs 5 instances; zk runs with 5 managers (m1 serves, the others idle); the lease lock
 * is one instance by definition. Each protocol is measured twice in this process on the same
 * seed, all checkers on and checkers detached (the baseline), so the ratio is the checkers' cost.
 * Events are kernel events (deliveries, timers, faults); a run that violates an invariant
 * aborts the bench, since timing a broken run means nothing.
 */
import type { ScenarioInput } from '../../../dist/scenario/index.js';
import type { Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { bestEventsPerSec } from '../simulate-rate.js';
import { CLIENTS, RESOURCES, contendedClients } from '../workload.js';

const REPEATS = 3;
const SIM_MS = 60_000;

type Protocol = 'redlock' | 'zk' | 'lease-lock';
const PROTOCOLS: readonly Protocol[] = ['redlock', 'zk', 'lease-lock'];

/** The contended workload for `protocol`, as a scenario file would state it. */
function protocolWorkload(protocol: Protocol, durationMs: number): ScenarioInput {
  const fenced = protocol !== 'redlock';
  return {
    name: `bench-${protocol}-contended`,
    protocol,
    managers: protocol === 'lease-lock' ? 1 : 5,
    lockService: protocol === 'zk' ? { leaseMs: 10_000, keepAliveMs: 3000 } : { leaseMs: 10_000 },
    storage: { checkTokens: fenced },
    network: { latencyMs: [1, 10] },
    clients: contendedClients(),
    durationMs,
    seeds: 1,
    expect: 'pass',
  };
}

interface Measured {
  eventsPerSec: number;
  events: number;
  grants: number;
  ok: boolean;
}

function measure(lockstep: Lockstep, protocol: Protocol, durationMs: number, checkersOff: boolean): Measured {
  const { parseScenario } = lockstep.scenario;
  const scenario = parseScenario(protocolWorkload(protocol, durationMs), `bench:${protocol}`);
  const { eventsPerSec: best, events, ok } = bestEventsPerSec(lockstep, scenario, checkersOff, REPEATS);
  // Completed critical sections, from one recorded short run (the timed runs record nothing).
  const { events: trace } = lockstep.simulate(parseScenario(protocolWorkload(protocol, 2000), `bench:${protocol}`), 1, { record: true, traceKernelEvents: false });
  const grants = (trace ?? []).filter((e) => e.type === 'grant').length;
  return { eventsPerSec: best, events, grants, ok };
}

const section: BenchSection = {
  key: 'protocols',
  async run(lockstep) {
    const json: Record<string, unknown> = { clients: CLIENTS, resources: RESOURCES, simMs: SIM_MS };
    const rows: BenchRow[] = [];
    for (const protocol of PROTOCOLS) {
      const on = measure(lockstep, protocol, SIM_MS, false);
      const off = measure(lockstep, protocol, SIM_MS, true);
      if (!on.ok) throw new Error(`bench protocols: the ${protocol} workload violated an invariant; a benchmark of a broken run means nothing`);
      const instances = protocol === 'lease-lock' ? 1 : 5;
      rows.push(
        { section: 'protocols', metric: `${protocol} (${instances} inst., ${CLIENTS} clients): events per run`, value: on.events, unit: 'events' },
        { section: 'protocols', metric: `${protocol}: grants in the first 2 s`, value: on.grants, unit: 'grants' },
        { section: 'protocols', metric: `${protocol}: simulated events/s, checkers on`, value: on.eventsPerSec, unit: 'events/s' },
        { section: 'protocols', metric: `${protocol}: simulated events/s, checkers off`, value: off.eventsPerSec, unit: 'events/s' },
        { section: 'protocols', metric: `${protocol}: checkers on / off`, value: on.eventsPerSec / off.eventsPerSec, unit: 'ratio' },
      );
      json[protocol] = {
        instances,
        events: on.events,
        grantsFirst2s: on.grants,
        eventsPerSecCheckersOn: Math.round(on.eventsPerSec),
        eventsPerSecCheckersOff: Math.round(off.eventsPerSec),
        ratio: on.eventsPerSec / off.eventsPerSec,
      };
    }
    return { json, rows };
  },
};

export default section;
