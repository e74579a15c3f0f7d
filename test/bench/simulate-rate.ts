/**
 * The timing loop the dlm and protocols bench sections share: run one scenario through
 * `simulate()` several times on the same seed and keep the best events/s, so a noisy shared
 * machine understates as little as possible. Lives outside sections/ (every file there is a
 * section).
 */
import type { Scenario } from '../../dist/scenario/index.js';
import type { Lockstep } from './lockstep.js';
import { Stopwatch } from './stopwatch.js';

/** The best rates of several runs of one scenario and seed. */
export interface SimulateRate {
  /** Simulated events per wall-clock second. */
  eventsPerSec: number;
  /** Simulated events per second of this process's CPU time (see stopwatch.ts). */
  eventsPerCpuSec: number;
  /** Kernel events in one run. */
  events: number;
  /** False if any checked run violated an invariant. */
  ok: boolean;
}

/**
 * Best-of-`repeats` simulated events/s, after one untimed run of the same scenario: the first
 * full-length run of a process pays for JIT compilation and for growing the heap (it runs at
 * about two thirds of the steady rate), which is start-up cost, not the simulator's speed.
 */
export function bestEventsPerSec(lockstep: Lockstep, scenario: Scenario, checkersOff: boolean, repeats: number): SimulateRate {
  const { simulate } = lockstep;
  const rate: SimulateRate = { eventsPerSec: 0, eventsPerCpuSec: 0, events: 0, ok: true };
  rate.ok = checkersOff || simulate(scenario, 1, { checkersOff, maxEvents: 50_000_000 }).result.ok;
  for (let i = 0; i < repeats; i++) {
    const watch = new Stopwatch();
    const { result } = simulate(scenario, 1, { checkersOff, maxEvents: 50_000_000 });
    const { wallSeconds, cpuSeconds } = watch.elapsed();
    rate.events = result.stats.events;
    rate.ok = rate.ok && (checkersOff || result.ok);
    rate.eventsPerSec = Math.max(rate.eventsPerSec, rate.events / wallSeconds);
    rate.eventsPerCpuSec = Math.max(rate.eventsPerCpuSec, rate.events / cpuSeconds);
  }
  return rate;
}
