/**
 * When a fault plan has healed, the instant the liveness bound is measured from.
 */
import type { Fault } from '../sim/index.js';

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
