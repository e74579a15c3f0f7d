/**
 * When a fault plan has healed, the instant the liveness bound is measured from.
 */
import type { DelayFault, Fault } from '../sim/index.js';

/**
 * The true time after which every fault of the plan has healed: when its last effect is over.
 * That is the end of a pause, partition or drop window (a dropped message is simply gone), the
 * last restart, and for a delay the end of its window plus the extra delay a message sent at its
 * last instant carries: the extra of every delay window on the same link that overlaps it, since
 * overlapping delays add up. On a FIFO link everything sent behind that message arrives no
 * earlier, so the link is back to normal only then. A crash without restart and a clock fault
 * heal at once (the node stays down / the clock stays wrong: that is the new normal the liveness
 * bound is measured against). A partition without `forUs` never heals.
 */
export function healTimeUs(faults: readonly Fault[]): number {
  let healUs = 0;
  for (const f of faults) {
    let endUs = f.atUs;
    switch (f.kind) {
      case 'delay':
        endUs = f.atUs + f.forUs + extraAtEndUs(f, faults);
        break;
      case 'pause':
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

/**
 * The most extra delay a message sent on `delay`'s link during its window can carry: the sum of
 * the extras of the delay windows on that link that overlap it (itself included), an upper bound
 * on what is in force at any one instant of the window.
 */
function extraAtEndUs(delay: DelayFault, faults: readonly Fault[]): number {
  let extraUs = 0;
  for (const f of faults) {
    if (f.kind !== 'delay' || f.from !== delay.from || f.to !== delay.to) continue;
    const overlaps = f.atUs < delay.atUs + delay.forUs && delay.atUs < f.atUs + f.forUs;
    if (overlaps) extraUs += f.extraUs;
  }
  return extraUs;
}
