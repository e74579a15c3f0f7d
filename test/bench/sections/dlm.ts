/**
 * Bench section `dlm`: the whole lock manager inside the simulator — 5 managers, 20 clients,
 * 10 resources, every client looping lock EX → work → write → unlock over the resources in its
 * own order (so requests queue and masters differ), with random network delays. Measured twice
 * in this process on the same seed: all checkers on, and checkers detached (the baseline), so
 * the ratio is the checkers' cost. Events are kernel events (deliveries, timers, faults).
 */
import { parseScenario, type ScenarioInput } from '../../../src/scenario/index.js';
import { bestEventsPerSec } from '../simulate-rate.js';
import type { BenchRow, BenchSection } from '../main.js';

const CLIENTS = 20;
const RESOURCES = 10;
const REPEATS = 3;

/** The contended workload as a scenario file would state it. */
export function contendedWorkload(durationMs: number): ScenarioInput {
  const clients = Array.from({ length: CLIENTS }, (_, c) => ({
    id: `c${c + 1}`,
    repeat: 8000, // 96,000 steps: inside the scripted client's step budget, more than 60 s can use
    steps: Array.from({ length: 3 }, (_, k) => {
      const resource = `r${(c * 3 + k * 7) % RESOURCES}`;
      return [
        { op: 'lock' as const, resource, mode: 'EX' as const },
        { op: 'work' as const, ms: 1 },
        { op: 'write' as const, resource, value: `c${c + 1}` },
        { op: 'unlock' as const, resource },
      ];
    }).flat(),
  }));
  return {
    name: 'bench-dlm-contended',
    protocol: 'dlm',
    managers: 5,
    lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 10] },
    clients,
    durationMs,
    seeds: 1,
    expect: 'pass',
  };
}

function measure(durationMs: number, checkersOff: boolean): { eventsPerSec: number; events: number; ok: boolean } {
  return bestEventsPerSec(parseScenario(contendedWorkload(durationMs), 'bench:dlm'), checkersOff, REPEATS);
}

const section: BenchSection = {
  key: 'dlm',
  run() {
    const durationMs = 60_000;
    const on = measure(durationMs, false);
    const off = measure(durationMs, true);
    if (!on.ok) throw new Error('bench dlm: the contended workload violated an invariant; a benchmark of a broken run means nothing');
    const rows: BenchRow[] = [
      { section: 'dlm', metric: `5 managers, ${CLIENTS} clients, ${RESOURCES} resources: events per run`, value: on.events, unit: 'events' },
      { section: 'dlm', metric: 'simulated events/s, checkers on', value: on.eventsPerSec, unit: 'events/s' },
      { section: 'dlm', metric: 'simulated events/s, checkers off', value: off.eventsPerSec, unit: 'events/s' },
      { section: 'dlm', metric: 'checkers on / off', value: on.eventsPerSec / off.eventsPerSec, unit: 'ratio' },
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
      },
      rows,
    };
  },
};

export default section;
