/**
 * The timing loop the dlm and protocols bench sections share: run one scenario through
 * `simulate()` several times on the same seed and keep the best events/s, so a noisy shared
 * machine understates as little as possible. Lives outside sections/ (every file there is a
 * section).
 */
import { performance } from 'node:perf_hooks';
import { simulate } from '../../src/explore/simulate.js';
import type { Scenario } from '../../src/scenario/index.js';

/**
 * Best-of-`repeats` simulated events/s, after one untimed run of the same scenario: the first
 * full-length run of a process pays for JIT compilation and for growing the heap (it runs at
 * about two thirds of the steady rate), which is start-up cost, not the simulator's speed.
 * `ok` is false if any checked run violated an invariant.
 */
export function bestEventsPerSec(scenario: Scenario, checkersOff: boolean, repeats: number): { eventsPerSec: number; events: number; ok: boolean } {
  let best = 0;
  let events = 0;
  let ok = checkersOff || simulate(scenario, 1, { checkersOff, maxEvents: 50_000_000 }).result.ok;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const { result } = simulate(scenario, 1, { checkersOff, maxEvents: 50_000_000 });
    const seconds = (performance.now() - start) / 1000;
    events = result.stats.events;
    ok = ok && (checkersOff || result.ok);
    best = Math.max(best, events / seconds);
  }
  return { eventsPerSec: best, events, ok };
}
