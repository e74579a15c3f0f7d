/**
 * The scenario's faults: the explicit fault plan (`faults`, a discriminated union on `kind`,
 * absolute times in ms), the faults a seed draws (`randomFaults`, with how they are placed in
 * time) and a model check's schedule of decisions (`schedule`).
 */
import { z } from 'zod';
import { withGot } from './issues.js';
import { msAbove0, msAtLeast0, msSigned, nodeName, ppm } from './fields.js';
import { MAX_CLIENTS, MAX_DRIFT_PPM, MAX_MANAGERS } from './vocabulary.js';

const faultBase = { atMs: msAtLeast0() } as const;

const pauseFault = z.strictObject({ kind: z.literal('pause'), ...faultBase, node: nodeName(), forMs: msAbove0() });
const crashFault = z.strictObject({
  kind: z.literal('crash'),
  ...faultBase,
  node: nodeName(),
  /** Absent: the node stays down. */
  restartAfterMs: msAtLeast0().optional(),
});
const clockJumpFault = z.strictObject({
  kind: z.literal('clock-jump'),
  ...faultBase,
  node: nodeName(),
  /** Negative jumps go backwards (an NTP step back, a leap second). */
  byMs: msSigned(),
  clock: z.literal('wall', { error: withGot('only the wall clock can jump (the monotonic clock never does)') }).default('wall'),
});
const clockDriftFault = z.strictObject({ kind: z.literal('clock-drift'), ...faultBase, node: nodeName(), ppm: ppm() });
const partitionFault = z.strictObject({
  kind: z.literal('partition'),
  ...faultBase,
  /** Nodes in different groups cannot talk; a node in no group is unaffected. */
  groups: z.array(z.array(nodeName()).min(1).max(MAX_CLIENTS + MAX_MANAGERS + 1)).min(2).max(MAX_CLIENTS + MAX_MANAGERS + 1),
  /** Absent: the partition never heals. */
  forMs: msAbove0().optional(),
  /** true: exactly two groups, and only messages from groups[0] to groups[1] are dropped. */
  oneWay: z.boolean().optional(),
});
const delayFault = z.strictObject({
  kind: z.literal('delay'),
  ...faultBase,
  from: nodeName(),
  to: nodeName(),
  extraMs: msAbove0(),
  forMs: msAbove0(),
});
const dropFault = z.strictObject({ kind: z.literal('drop'), ...faultBase, from: nodeName(), to: nodeName(), forMs: msAbove0() });

export const faultSchema = z.discriminatedUnion('kind', [
  pauseFault,
  crashFault,
  clockJumpFault,
  clockDriftFault,
  partitionFault,
  delayFault,
  dropFault,
]);
export type ScenarioFault = z.output<typeof faultSchema>;

/**
 * Seed-drawn faults of one kind. `maxMs` bounds the magnitude: the pause length, the crash's
 * restart delay, the jump size, the partition/drop length, the extra delay. `count` bounds how
 * many a seed may draw. Absent fields take the explorer's defaults.
 */
const randomFaultMs = z.strictObject({
  maxMs: msAbove0().optional(),
  /** Smallest magnitude drawn (default 1 ms): a pause shorter than the lease finds nothing. */
  minMs: msAbove0().optional(),
  count: z.number().int().min(0).max(100).optional(),
  /**
   * The nodes this kind may hit (default: any node; crashes: the managers). For a partition, one
   * side: these nodes against all the others, e.g. a client and two Redlock instances.
   */
  nodes: z.array(nodeName()).min(1).max(MAX_CLIENTS + MAX_MANAGERS + 1).optional(),
});
/** Seed-drawn clock drift: `maxPpm` bounds the rate error instead of a time. */
const randomFaultPpm = z.strictObject({
  maxPpm: z.number().gt(0).max(MAX_DRIFT_PPM).optional(),
  count: z.number().int().min(0).max(100).optional(),
});

/** Most decisions a schedule may list. */
export const MAX_SCHEDULE_DECISIONS = 100_000;

/** The fault kinds a model check may inject. */
export const CHECK_FAULT_KINDS = ['loss', 'duplicate', 'crash', 'pause', 'partition', 'clock-jump'] as const;

/** How big the faults a model check injects are, unless told otherwise (ms; see `schedule`). */
export const CHECK_FAULT_SIZES_MS = { crashRestartMs: 1000, pauseMs: 1000, partitionMs: 1000, clockJumpMs: 1000 } as const;

/** See the scenario's `schedule` field. */
export const scheduleSchema = z.strictObject({
  /** The choice taken at each choice point, 0 being the timed scheduler's own. */
  decisions: z.array(z.number().int().min(0).max(1_000_000)).max(MAX_SCHEDULE_DECISIONS),
  /** `bounded`: deliveries may overtake within the latency range; `async`: any delivery may come at any time. */
  network: z.enum(['bounded', 'async']).default('bounded'),
  faultKinds: z.array(z.enum(CHECK_FAULT_KINDS)).max(CHECK_FAULT_KINDS.length).default([]),
  faultBudget: z.number().int().min(0).max(100).default(0),
  crashRestartMs: msAtLeast0().default(CHECK_FAULT_SIZES_MS.crashRestartMs),
  pauseMs: msAtLeast0().default(CHECK_FAULT_SIZES_MS.pauseMs),
  partitionMs: msAtLeast0().default(CHECK_FAULT_SIZES_MS.partitionMs),
  /** How far an injected clock jump moves a wall clock, ms (negative: backwards). */
  clockJumpMs: msSigned().default(CHECK_FAULT_SIZES_MS.clockJumpMs),
});

/**
 * A crash or partition may also never end: `permanent` is the share of drawn ones (0 to 1) that
 * never restart or heal, a node lost for good or a network split for good (default 0).
 */
const randomFaultEnding = randomFaultMs.extend({ permanent: z.number().min(0).max(1).optional() });

/**
 * How a seed's drawn faults are placed in time (see src/explore/strategies/):
 * - `uniform` (default): at times drawn uniformly over the run;
 * - `workload`: the same draws, moved into the time in which some client holds or waits for a
 *   lock, learnt from a fault-free pilot run of the same seed;
 * - `moments`: placed as for `workload`, then each fault waits for the first protocol moment of
 *   `moments.on` at or after its time and fires right then (or not at all within `withinMs`).
 */
export const FAULT_STRATEGIES = ['uniform', 'workload', 'moments'] as const;
export type FaultStrategy = (typeof FAULT_STRATEGIES)[number];

/**
 * Protocol moments a fault can be fired at, read from the trace: `request` a client sends a lock
 * or convert request (it is in flight); `hold` a client learns it holds a lock; `grant` a master
 * grants one (the grant is in flight to the client); `recovery` a lock manager sees a member die
 * or resets itself; `renewal` a client receives a keep-alive reply (its lease was just renewed).
 */
export const FAULT_MOMENTS = ['request', 'hold', 'grant', 'recovery', 'renewal'] as const;
export type FaultMoment = (typeof FAULT_MOMENTS)[number];

/** Most ms a fault placed by `moments` waits for its moment (default). */
export const DEFAULT_MOMENT_WITHIN_MS = 5000;

const randomFaultMoments = z.strictObject({
  /** The moments a fault may wait for; each fault draws one (default: all). */
  on: z.array(z.enum(FAULT_MOMENTS)).min(1).max(FAULT_MOMENTS.length).optional(),
  /** Only moments of these clients count (`request`, `hold`, `grant`, `renewal`); default: any client. */
  clients: z.array(nodeName()).min(1).max(MAX_CLIENTS).optional(),
  /** How long a fault waits for its moment after its placed time before it is dropped. */
  withinMs: msAbove0().optional(),
});

export const randomFaultsSchema = z.strictObject({
  pause: randomFaultMs.optional(),
  crash: randomFaultEnding.optional(),
  'clock-jump': randomFaultMs.optional(),
  'clock-drift': randomFaultPpm.optional(),
  partition: randomFaultEnding.optional(),
  delay: randomFaultMs.optional(),
  drop: randomFaultMs.optional(),
  /** How the drawn faults are placed in time (default `uniform`); `run --fault-strategy` overrides it. */
  strategy: z.enum(FAULT_STRATEGIES).optional(),
  /** With `strategy: "moments"`: which moments the faults wait for. */
  moments: randomFaultMoments.optional(),
  /**
   * A bound on the silence the drawn faults may chain between any two nodes (see
   * src/explore/strategies/silence.ts): `maxMs` the longest chain, `gapMs` how far apart two
   * silences may be and still count as one. Faults that would pass it are cut or left out.
   */
  silence: z.strictObject({ maxMs: msAbove0(), gapMs: msAtLeast0() }).optional(),
});
export type RandomFaults = z.output<typeof randomFaultsSchema>;
