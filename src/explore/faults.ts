/**
 * Fault-plan helpers for results: the applied plan is reported in the scenario-file form
 * (DESIGN §5.2, milliseconds), so a failure's fault list can be pasted back into a scenario.
 */
import type { FaultSpec } from '../report/model.js';
import { usToMs as ms, type Fault } from '../sim/index.js';

/** A kernel fault (µs) as the scenario-file JSON object (ms). */
export function faultToJson(fault: Fault): FaultSpec {
  switch (fault.kind) {
    case 'pause':
      return { atMs: ms(fault.atUs), kind: fault.kind, node: fault.node, forMs: ms(fault.forUs) };
    case 'crash':
      return {
        atMs: ms(fault.atUs),
        kind: fault.kind,
        node: fault.node,
        ...(fault.restartAfterUs !== undefined ? { restartAfterMs: ms(fault.restartAfterUs) } : {}),
      };
    case 'clock-jump':
      return { atMs: ms(fault.atUs), kind: fault.kind, node: fault.node, byMs: ms(fault.byUs), clock: fault.clock };
    case 'clock-drift':
      return { atMs: ms(fault.atUs), kind: fault.kind, node: fault.node, ppm: fault.ppm };
    case 'partition':
      return {
        atMs: ms(fault.atUs),
        kind: fault.kind,
        groups: fault.groups.map((g) => [...g]),
        ...(fault.forUs !== undefined ? { forMs: ms(fault.forUs) } : {}),
        ...(fault.oneWay ? { oneWay: true } : {}),
      };
    case 'delay':
      return { atMs: ms(fault.atUs), kind: fault.kind, from: fault.from, to: fault.to, extraMs: ms(fault.extraUs), forMs: ms(fault.forUs) };
    case 'drop':
      return { atMs: ms(fault.atUs), kind: fault.kind, from: fault.from, to: fault.to, forMs: ms(fault.forUs) };
  }
}

/**
 * The true time after which every fault of the plan has healed: the end of the last pause,
 * partition, delay or drop window, or the last restart. A crash without restart and a clock
 * fault heal at once (the node stays down / the clock stays wrong: that is the new normal the
 * liveness bound is measured against). A partition without `forUs` never heals.
 */
export function healTimeUs(faults: readonly Fault[]): number {
  let healUs = 0;
  for (const f of faults) {
    let endUs = f.atUs;
    switch (f.kind) {
      case 'pause':
      case 'delay':
      case 'drop':
        endUs = f.atUs + f.forUs;
        break;
      case 'partition':
        endUs = f.forUs === undefined ? Number.POSITIVE_INFINITY : f.atUs + f.forUs;
        break;
      case 'crash':
        endUs = f.restartAfterUs === undefined ? f.atUs : f.atUs + f.restartAfterUs;
        break;
      case 'clock-jump':
      case 'clock-drift':
        break;
    }
    if (endUs > healUs) healUs = endUs;
  }
  return healUs;
}
