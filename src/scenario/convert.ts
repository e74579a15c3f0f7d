/**
 * The one conversion between the scenario's faults (ms, DESIGN §5.2) and the kernel's (µs,
 * DESIGN §2: virtual time is an integer count of µs; scenario files speak ms), both ways. The
 * schema guarantees every time is a whole number of µs, so these conversions are exact, never
 * rounding a user's number silently.
 */
import { msToUs, usToMs, type Fault } from '../sim/index.js';
import type { Scenario, ScenarioFault } from './schema.js';

/** One scenario fault (ms) as the kernel's fault (µs, absolute true time). */
export function toFault(fault: ScenarioFault): Fault {
  const atUs = msToUs(fault.atMs);
  switch (fault.kind) {
    case 'pause':
      return { kind: 'pause', atUs, node: fault.node, forUs: msToUs(fault.forMs) };
    case 'crash':
      return {
        kind: 'crash',
        atUs,
        node: fault.node,
        ...(fault.restartAfterMs !== undefined ? { restartAfterUs: msToUs(fault.restartAfterMs) } : {}),
      };
    case 'clock-jump':
      return { kind: 'clock-jump', atUs, node: fault.node, byUs: msToUs(fault.byMs), clock: fault.clock };
    case 'clock-drift':
      return { kind: 'clock-drift', atUs, node: fault.node, ppm: fault.ppm };
    case 'partition':
      return {
        kind: 'partition',
        atUs,
        groups: fault.groups.map((group) => [...group]),
        ...(fault.forMs !== undefined ? { forUs: msToUs(fault.forMs) } : {}),
        ...(fault.oneWay !== undefined ? { oneWay: fault.oneWay } : {}),
      };
    case 'delay':
      return { kind: 'delay', atUs, from: fault.from, to: fault.to, extraUs: msToUs(fault.extraMs), forUs: msToUs(fault.forMs) };
    case 'drop':
      return { kind: 'drop', atUs, from: fault.from, to: fault.to, forUs: msToUs(fault.forMs) };
  }
}

/**
 * One kernel fault (µs) back in the scenario-file form (ms): how a run reports its applied plan,
 * seed-drawn faults included, so a failure's fault list can be pasted back into a scenario. Keys
 * come in the order the result JSON prints them.
 */
export function fromFault(fault: Fault): ScenarioFault {
  switch (fault.kind) {
    case 'pause':
      return { atMs: usToMs(fault.atUs), kind: fault.kind, node: fault.node, forMs: usToMs(fault.forUs) };
    case 'crash':
      return {
        atMs: usToMs(fault.atUs),
        kind: fault.kind,
        node: fault.node,
        ...(fault.restartAfterUs !== undefined ? { restartAfterMs: usToMs(fault.restartAfterUs) } : {}),
      };
    case 'clock-jump':
      return { atMs: usToMs(fault.atUs), kind: fault.kind, node: fault.node, byMs: usToMs(fault.byUs), clock: fault.clock };
    case 'clock-drift':
      return { atMs: usToMs(fault.atUs), kind: fault.kind, node: fault.node, ppm: fault.ppm };
    case 'partition':
      return {
        atMs: usToMs(fault.atUs),
        kind: fault.kind,
        groups: fault.groups.map((g) => [...g]),
        ...(fault.forUs !== undefined ? { forMs: usToMs(fault.forUs) } : {}),
        ...(fault.oneWay ? { oneWay: true } : {}),
      };
    case 'delay':
      return { atMs: usToMs(fault.atUs), kind: fault.kind, from: fault.from, to: fault.to, extraMs: usToMs(fault.extraUs), forMs: usToMs(fault.forUs) };
    case 'drop':
      return { atMs: usToMs(fault.atUs), kind: fault.kind, from: fault.from, to: fault.to, forMs: usToMs(fault.forUs) };
  }
}

/**
 * The scenario's explicit faults as the kernel's fault plan, in the order the file lists them
 * (ordering by time, and tie-breaking, is the kernel's job). Seed-drawn `randomFaults` are not
 * included: the explorer draws those from the seed's fault stream.
 */
export function toFaultPlan(scenario: Pick<Scenario, 'faults'>): Fault[] {
  return scenario.faults.map(toFault);
}
