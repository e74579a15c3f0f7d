/**
 * A bound on how long the drawn faults may keep one node from being heard, in a row
 * (`randomFaults.silence`), for scenarios whose claim rests on it: a lease longer than every
 * silence the swarm draws never runs out while its holder still means to write. Each fault alone
 * is bounded by its kind's `maxMs`; faults that follow one another on the same node are not, and
 * two partitions with a pause between them can keep a client from its lock manager and the
 * storage for longer than the lease.
 *
 * A node is silent while it is paused or down (a crash, until the restart), while a partition cuts
 * it off from the other side (one way or both), and while a drop or a delay window is open on a
 * link from or to it (a delay until its window closes and its last delayed message is in). A
 * node's silences less than `gapMs` apart chain: the gap is too short for a KeepAlive and a
 * retransmission to get through, so it renews nothing. The bound walks the plan in time order
 * and, where a fault would make some node's chain longer than `maxMs`, cuts that fault's length so
 * the chain ends at the bound, or leaves the fault out when nothing of it fits. It draws nothing:
 * a plan whose every chain is within the bound comes out as it went in (the same fault objects),
 * so every seed whose draw respects it runs as it did without it.
 */
import type { Fault } from '../../sim/index.js';

/** The silence bound, µs. */
export interface SilenceBound {
  /** The longest chain of silences one node may have. */
  readonly maxUs: number;
  /** Silences of a node closer than this chain into one. */
  readonly gapUs: number;
}

/** One node's chain so far: from its first silence's start to its last one's end (µs). */
interface Chain {
  startUs: number;
  endUs: number;
}

/** The shortest length a cut fault keeps (the plan's unit, 1 ms). */
const UNIT_US = 1000;

/**
 * The faults (time order) with each cut or left out as needed to keep every node within `bound`
 * (see the module comment). Faults that silence nobody (clock faults) pass as they are.
 */
export function boundSilence(faults: readonly Fault[], bound: SilenceBound): Fault[] {
  const chains = new Map<string, Chain>();
  const kept: Fault[] = [];
  for (const fault of faults) {
    const nodes = silencedNodes(fault);
    if (nodes.length === 0) {
      kept.push(fault);
      continue;
    }
    const endUs = Math.min(silenceEndUs(fault), ...nodes.map((node) => latestEndUs(chains.get(node), fault.atUs, bound)));
    const bounded = endUs >= silenceEndUs(fault) ? fault : cut(fault, endUs);
    if (bounded === undefined) continue;
    for (const node of nodes) extend(chains, node, bounded.atUs, silenceEndUs(bounded), bound.gapUs);
    kept.push(bounded);
  }
  return kept;
}

/** The nodes a fault silences. */
function silencedNodes(fault: Fault): readonly string[] {
  switch (fault.kind) {
    case 'pause':
    case 'crash':
      return [fault.node];
    case 'partition':
      return fault.groups.flat();
    case 'delay':
    case 'drop':
      return [fault.from, fault.to];
    case 'clock-jump':
    case 'clock-drift':
      return [];
  }
}

/** When a fault's silence ends (µs; a crash that never restarts or a partition that never heals: never). */
function silenceEndUs(fault: Fault): number {
  switch (fault.kind) {
    case 'pause':
    case 'drop':
      return fault.atUs + fault.forUs;
    case 'crash':
      return fault.restartAfterUs === undefined ? Infinity : fault.atUs + fault.restartAfterUs;
    case 'partition':
      return fault.forUs === undefined ? Infinity : fault.atUs + fault.forUs;
    case 'delay':
      return fault.atUs + fault.forUs + fault.extraUs;
    case 'clock-jump':
    case 'clock-drift':
      return fault.atUs;
  }
}

/** The latest a silence starting at `atUs` may end on a node whose chain so far is `chain`. */
function latestEndUs(chain: Chain | undefined, atUs: number, bound: SilenceBound): number {
  if (chain === undefined || atUs >= chain.endUs + bound.gapUs) return atUs + bound.maxUs;
  return chain.startUs + bound.maxUs;
}

/** A copy of `fault` whose silence ends at `endUs`, whole ms; undefined when less than 1 ms of it would be left. */
function cut(fault: Fault, endUs: number): Fault | undefined {
  const lengthUs = Math.floor((endUs - fault.atUs) / UNIT_US) * UNIT_US;
  if (lengthUs < UNIT_US) return undefined;
  switch (fault.kind) {
    case 'pause':
    case 'drop':
    case 'partition':
      return { ...fault, forUs: lengthUs };
    case 'crash':
      return { ...fault, restartAfterUs: lengthUs };
    case 'delay': {
      // The window shrinks first; the extra delay only when a 1 ms window is still too long.
      const forUs = Math.max(UNIT_US, Math.min(fault.forUs, lengthUs - fault.extraUs));
      const extraUs = Math.min(fault.extraUs, lengthUs - forUs);
      return extraUs < UNIT_US ? undefined : { ...fault, forUs, extraUs };
    }
    case 'clock-jump':
    case 'clock-drift':
      return fault;
  }
}

/** Adds the silence [atUs, endUs] to a node's chain, or starts a new chain after a long enough gap. */
function extend(chains: Map<string, Chain>, node: string, atUs: number, endUs: number, gapUs: number): void {
  const chain = chains.get(node);
  if (chain === undefined || atUs >= chain.endUs + gapUs) chains.set(node, { startUs: atUs, endUs });
  else chain.endUs = Math.max(chain.endUs, endUs);
}
