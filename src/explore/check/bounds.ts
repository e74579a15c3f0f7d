/**
 * From a scenario and the check's options to the choice bounds (choices.ts), and the replay of a
 * scenario's recorded `schedule`: the two must agree, or a repro file would not replay the path
 * the check found.
 */
import { ScenarioError, type Scenario } from '../../scenario/index.js';
import { msToUs } from '../../sim/index.js';
import { STORAGE_NODE_ID } from '../../storage/index.js';
import { ChoosingScheduler, type ChoiceBounds, type InjectedFaultKind } from './choices.js';

const US_PER_MS = 1000;

/** The check's own options that shape the choices (the scenario's `schedule` field, less its decisions). */
export interface ChoiceOptions {
  readonly network: 'bounded' | 'async';
  readonly faultKinds: readonly InjectedFaultKind[];
  readonly faultBudget: number;
  readonly crashRestartMs: number;
  readonly pauseMs: number;
  readonly partitionMs: number;
  /** Negative: the wall clock jumps back. */
  readonly clockJumpMs: number;
  /** Choices only for the steps due in [start, end] ms (choices.ts); a repro's schedule never has one (its decisions are the unwindowed model's). */
  readonly windowMs?: readonly [number, number];
}

/** The choice bounds of `scenario` under `options`. */
export function choiceBounds(scenario: Scenario, options: ChoiceOptions): ChoiceBounds {
  const [minMs, maxMs] = scenario.network.latencyMs;
  return {
    latencyUs: options.network === 'async' ? [0, Infinity] : [minMs * US_PER_MS, maxMs * US_PER_MS],
    fifo: scenario.network.fifo,
    faultKinds: options.faultKinds,
    faultBudget: options.faultBudget,
    crashRestartUs: Math.round(options.crashRestartMs * US_PER_MS),
    pauseUs: Math.round(options.pauseMs * US_PER_MS),
    partitionUs: Math.round(options.partitionMs * US_PER_MS),
    clockJumpUs: Math.round(options.clockJumpMs * US_PER_MS),
    keptReachable: [STORAGE_NODE_ID],
    horizonUs: msToUs(scenario.durationMs),
    ...(options.windowMs !== undefined ? { windowUs: [msToUs(options.windowMs[0]), msToUs(options.windowMs[1])] as const } : {}),
  };
}

/**
 * In check mode a deadlock is a wait-for cycle that no enabled event can break. With deadlock
 * detection off and no lease to expire, nothing in the scenario can break a cycle once formed, so
 * it is one from its first instant (1 µs); otherwise the seeded run's timed bound applies, which
 * outlasts the detector's wait and the lease.
 */
export function checkDeadlockBoundUs(scenario: Scenario): number | undefined {
  const service = scenario.lockService;
  return !service.deadlock.detect && service.leaseMs === 0 ? 1 : undefined;
}

/**
 * The scheduler that replays `scenario.schedule`: decisions in order, then choice 0. Undefined
 * when the scenario has no schedule.
 */
export function scheduleScheduler(scenario: Scenario): ChoosingScheduler | undefined {
  const schedule = scenario.schedule;
  if (schedule === undefined) return undefined;
  const decisions = schedule.decisions;
  return new ChoosingScheduler(choiceBounds(scenario, schedule), {
    decide(point) {
      const index = point.index < decisions.length ? decisions[point.index]! : 0;
      if (index >= point.choices.length) {
        // A repro edited by hand, or of another scenario: bad input (exit 2), named by scenario and field.
        throw new ScenarioError(scenario.name, `schedule.decisions[${point.index}]`, `is ${index}, but that choice point has only ${point.choices.length} choices (0..${point.choices.length - 1})`);
      }
      return index;
    },
  });
}
