/**
 * Bench section `dlm`: the whole lock manager inside the simulator — 5 managers, 20 clients,
 * 10 resources, every client looping lock EX → work → write → unlock over the resources in its
 * own order (so requests queue and masters differ), with random network delays. Measured twice
 * in this process on the same seed: all checkers on, and checkers detached (the baseline), so
 * the ratio is the checkers' cost. Events are kernel events (deliveries, timers, faults), counted
 * per wall-clock second and per second of the process's CPU time (see stopwatch.ts).
 */
import type { ScenarioInput } from '../../../dist/scenario/index.js';
import type { Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { bestEventsPerSec, type SimulateRate } from '../simulate-rate.js';
import { CLIENTS, RESOURCES, contendedClients } from '../workload.js';

const REPEATS = 3;

/** The contended workload against the DLM, as a scenario file would state it. */
function contendedWorkload(durationMs: number): ScenarioInput {
  return {
    name: 'bench-dlm-contended',
    protocol: 'dlm',
    managers: 5,
    lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 10] },
    clients: contendedClients(),
    durationMs,
    seeds: 1,
    expect: 'pass',
  };
}

function measure(lockstep: Lockstep, durationMs: number, checkersOff: boolean): SimulateRate {
  return bestEventsPerSec(lockstep, lockstep.scenario.parseScenario(contendedWorkload(durationMs), 'bench:dlm'), checkersOff, REPEATS);
}

const section: BenchSection = {
  key: 'dlm',
  async run(lockstep) {
    const durationMs = 60_000;
    const on = measure(lockstep, durationMs, false);
    const off = measure(lockstep, durationMs, true);
    if (!on.ok) throw new Error('bench dlm: the contended workload violated an invariant; a benchmark of a broken run means nothing');
    const rows: BenchRow[] = [
      { section: 'dlm', metric: `5 managers, ${CLIENTS} clients, ${RESOURCES} resources: events per run`, value: on.events, unit: 'events' },
      { section: 'dlm', metric: 'simulated events/s, checkers on', value: on.eventsPerSec, unit: 'events/s' },
      { section: 'dlm', metric: 'simulated events/s, checkers off', value: off.eventsPerSec, unit: 'events/s' },
      { section: 'dlm', metric: 'checkers on / off', value: on.eventsPerSec / off.eventsPerSec, unit: 'ratio' },
      { section: 'dlm', metric: 'events per CPU second, checkers on', value: on.eventsPerCpuSec, unit: 'events/s' },
      { section: 'dlm', metric: 'events per CPU second, checkers off', value: off.eventsPerCpuSec, unit: 'events/s' },
    ];
    return {
      json: {
        managers: 5,
        clients: CLIENTS,
        resources: RESOURCES,
        simMs: durationMs,
        events: on.events,
        eventsPerSecCheckersOn: Math.round(on.eventsPerSec),
        eventsPerSecCheckersOff: Math.round(off.eventsPerSec),
        ratio: on.eventsPerSec / off.eventsPerSec,
        eventsPerCpuSecondCheckersOn: Math.round(on.eventsPerCpuSec),
        eventsPerCpuSecondCheckersOff: Math.round(off.eventsPerCpuSec),
      },
      rows,
    };
  },
};

export default section;
