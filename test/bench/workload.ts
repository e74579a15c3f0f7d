/**
 * The contended workload the `dlm` and `protocols` sections share: 20 clients looping lock EX →
 * work 1 ms → write → unlock over 10 resources, each client in its own order (so requests queue
 * and masters differ). Lives outside sections/ (every file there is a section).
 */
import type { ScenarioInput } from '../../dist/scenario/index.js';

export const CLIENTS = 20;
export const RESOURCES = 10;

/** The clients of the contended workload, as a scenario file would state them. */
export function contendedClients(): ScenarioInput['clients'] {
  return Array.from({ length: CLIENTS }, (_, c) => ({
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
}
