/**
 * The scenario file format (DESIGN §5.2) as a zod 4 schema.
 *
 * Why a schema and not hand-written checks: the CLI must answer bad input with one short line
 * naming the file and the field (exit 2), and every other module must be able to trust a
 * parsed {@link Scenario} completely — every default filled, every time in range. The schema
 * is strict at every level (an unknown field is an error, so a typo such as `leaseMS` cannot
 * silently fall back to a default) and bounded (every list has a maximum length, every time a
 * maximum), so a hostile or mistaken file cannot make a run unbounded.
 *
 * Two layers:
 * - {@link scenarioObjectSchema}: the shape. Fields whose default depends on another field
 *   (`managers`, `livenessMs`, `invariants`, and every protocol-specific `lockService` option)
 *   are optional here, so the validator can tell "set by the user" from "defaulted" — setting
 *   a Redlock option on a DLM scenario is an input error, not a silent no-op.
 * - {@link scenarioSchema}: the shape followed by {@link applyDerivedDefaults}; its output type
 *   {@link Scenario} has every field filled.
 *
 * Cross-field rules (node names exist, client ids unique, protocol-specific fields...) live in
 * validate.ts, which runs after this shape has been accepted.
 *
 * Times are milliseconds (the kernel's microseconds come from convert.ts); every time must be
 * a whole number of microseconds so the conversion is exact.
 */
import { z } from 'zod';
import { optInInvariantNames, type InvariantName } from '../check/violation.js';
import { withGot } from './issues.js';
import type { ClientProgram } from '../clients/client-context.js';
import { isLockProtocol, type LockProtocol } from '../clients/custom-protocol.js';
import { mode, msAbove0, msAtLeast0, nodeName, rate, resourceName } from './fields.js';
import { faultSchema, randomFaultsSchema, scheduleSchema } from './schema-faults.js';
import { CLIENT_ID_PATTERN, DEFAULT_DEADLOCK_WAIT_MS, DEFAULT_DURATION_MS, DEFAULT_LATENCY_MS, DEFAULT_SEEDS, INVARIANTS, MAX_CLIENTS, MAX_DRIFT_PPM, MAX_FAULTS, MAX_MANAGERS, MAX_NAME_CHARS, MAX_REPEAT, MAX_SEEDS, MAX_STEPS, MAX_TEXT_CHARS, MAX_VALUE_BLOCK_BYTES, NAME_PATTERN, PITFALL_COUNT, PROTOCOLS, type Protocol, REQUEST_FLAGS, UNLOCK_FLAGS } from './vocabulary.js';

export * from './vocabulary.js';
export * from './schema-faults.js';

// ----------------------------------------------------------------------------------------------
// Client steps: a discriminated union on `op`, each op with exactly its own fields.

/** Fields every step may carry: `atMs` = do not start the step before this simulated time. */
const stepBase = { atMs: msAtLeast0().optional() } as const;

/** What a client does when a lock/convert completes with anything but GRANTED. */
export const ON_FAIL = ['release', 'continue'] as const;

const lockStep = z.strictObject({
  op: z.literal('lock'),
  ...stepBase,
  resource: resourceName(),
  /** Requested mode. Redlock, zk and lease-lock accept only EX. */
  mode: mode().default('EX'),
  flags: z.array(z.enum(REQUEST_FLAGS)).max(REQUEST_FLAGS.length).default([]),
  /** The caller's value-block buffer (needs the VALBLK flag). */
  value: z.string().max(MAX_VALUE_BLOCK_BYTES).optional(),
  /** false: send the request and go on; a later `await` waits for it. */
  wait: z.boolean().default(true),
  /** Cancel the request if still pending after this long on the client's clock. */
  timeoutMs: msAbove0().optional(),
  /** "release" (default): a failed request releases every lock and ends the script. */
  onFail: z.enum(ON_FAIL).default('release'),
  /** Resource name of a parent lock taken earlier by the same client (resource trees, dlm only). */
  parent: resourceName().optional(),
});

const convertStep = z.strictObject({
  op: z.literal('convert'),
  ...stepBase,
  resource: resourceName(),
  mode: mode(),
  flags: z.array(z.enum(REQUEST_FLAGS)).max(REQUEST_FLAGS.length).default([]),
  value: z.string().max(MAX_VALUE_BLOCK_BYTES).optional(),
  wait: z.boolean().default(true),
  timeoutMs: msAbove0().optional(),
  onFail: z.enum(ON_FAIL).default('release'),
});

const unlockStep = z.strictObject({
  op: z.literal('unlock'),
  ...stepBase,
  resource: resourceName(),
  flags: z.array(z.enum(UNLOCK_FLAGS)).max(UNLOCK_FLAGS.length).default([]),
  value: z.string().max(MAX_VALUE_BLOCK_BYTES).optional(),
});

const cancelStep = z.strictObject({ op: z.literal('cancel'), ...stepBase, resource: resourceName() });
const awaitStep = z.strictObject({ op: z.literal('await'), ...stepBase, resource: resourceName() });

const writeStep = z.strictObject({
  op: z.literal('write'),
  ...stepBase,
  resource: resourceName(),
  value: z.string().max(MAX_TEXT_CHARS),
  /** Check the local lease deadline first and skip the write if it has passed. */
  checkLease: z.boolean().default(false),
});

const readStep = z.strictObject({
  op: z.literal('read'),
  ...stepBase,
  resource: resourceName(),
  checkLease: z.boolean().default(false),
});

/** Busy for `ms` (a pause can strike inside). */
const workStep = z.strictObject({ op: z.literal('work'), ...stepBase, ms: msAtLeast0() });
/** Idle for `ms`. */
const sleepStep = z.strictObject({ op: z.literal('sleep'), ...stepBase, ms: msAtLeast0() });

export const stepSchema = z.discriminatedUnion('op', [
  lockStep,
  convertStep,
  unlockStep,
  cancelStep,
  awaitStep,
  writeStep,
  readStep,
  workStep,
  sleepStep,
]);
export type Step = z.output<typeof stepSchema>;

export const clientSchema = z.strictObject({
  /** Node name of the client; must not be `storage` or look like a manager (`m1`). */
  id: z.string().min(1).max(MAX_NAME_CHARS).regex(CLIENT_ID_PATTERN, {
    error: withGot('must start with a letter and contain only letters, digits, "-" and "_"'),
  }),
  startMs: msAtLeast0().default(0),
  /** The script runs this many times. */
  repeat: z.number().int().min(1).max(MAX_REPEAT).default(1),
  /** The script; empty for a client given as `run` (validate.ts requires exactly one of the two). */
  steps: z.array(stepSchema).max(MAX_STEPS).default([]),
  /** A user-written client: `async (ctx) => { ... }` (TypeScript scenarios only; src/clients/async-client.ts). */
  run: z.custom<ClientProgram>((value) => typeof value === 'function', { error: withGot('must be an async function (ctx) => { ... }') }).optional(),
  /** The lowest priority is the deadlock victim (dlm only). */
  deadlockPriority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  /** The manager this client talks to; by default clients are spread over the managers in order. */
  home: nodeName().optional(),
});
export type Client = z.output<typeof clientSchema>;

// ----------------------------------------------------------------------------------------------
// The lock service.

/**
 * `lockService` options. The first group applies to every protocol. The others are
 * protocol-specific ({@link PROTOCOL_OPTIONS}): they are optional in the shape, an input error
 * when set for another protocol, and filled with their defaults by {@link applyDerivedDefaults}.
 */
export const lockServiceSchema = z.strictObject({
  // --- every protocol
  /** Session lease; redlock/lease-lock: key TTL; zk: session timeout. 0: no expiry. */
  leaseMs: msAtLeast0().default(0),
  /** The clock the service expires leases/keys on. */
  expiryClock: z.enum(['mono', 'wall']).default('mono'),
  /** The clock a client measures elapsed time, validity and its local lease deadline on (pitfalls §0). */
  clientClock: z.enum(['mono', 'wall']).default('mono'),
  /**
   * Safety margin a client subtracts from its local lease deadline, on top of measuring from
   * the request's send time (Chubby's conservative local lease, pitfalls S10, S22). Default 0.
   */
  clientMarginMs: msAtLeast0().optional(),

  // --- dlm (and zk for keepAliveMs)
  /** Interval of session KeepAlives (zk: pings). Default leaseMs/3 (floored), 0 with no lease. 0: none. */
  keepAliveMs: msAtLeast0().optional(),
  /** Chubby lock-delay after a failure-induced release (pitfalls S09). Default 0. */
  lockDelayMs: msAtLeast0().optional(),
  /** Grants carry fencing tokens. Default true, except redlock (which has none). */
  fencing: z.boolean().optional(),
  /** Deadlock search: `detect` off leaves cycles unresolved; `waitMs` = deadlockWaitMs. */
  deadlock: z
    .strictObject({
      detect: z.boolean().default(true),
      waitMs: msAbove0().default(DEFAULT_DEADLOCK_WAIT_MS),
      /** Confirm a gathered cycle at its masters before acting (default true); false trusts stale edges (pitfalls S21). */
      confirm: z.boolean().optional(),
    })
    .optional(),
  /** Value block size; a positive multiple of 8. Default 32, or 16 with profile "vms". */
  valueBlockBytes: z.number().int().min(8).max(MAX_VALUE_BLOCK_BYTES).multipleOf(8).optional(),
  /** Lock manager flavour where VMS and Linux differ (dlm-semantics §10). Default "linux". */
  profile: z.enum(['linux', 'vms']).optional(),
  /** Chubby grace period across a master fail-over (pitfalls S10). Default 45000 with a lease, else 0. */
  graceMs: msAtLeast0().optional(),
  /** Managers' heartbeat interval for failure detection, at least 1 ms (a finer beat is a storm, not a detector). Default 1000. */
  heartbeatMs: msAbove0().min(1).optional(),
  /** A manager silent this long is declared dead and recovered; at least 1 ms. Default 5000. */
  failureTimeoutMs: msAbove0().min(1).optional(),

  // --- redlock / lease-lock / zk
  /** Whether an instance keeps keys across a crash (pitfalls S06). Default "fsync". */
  persistence: z.enum(['none', 'fsync']).optional(),
  /** Redlock drift allowance: drift = driftFactor · TTL + driftExtraMs (pitfalls S05). Default 0.01. */
  driftFactor: z.number().min(0).max(1).optional(),
  /** Default 2 (Redis expiry precision). */
  driftExtraMs: msAtLeast0().optional(),
  /**
   * Redlock: the client checks validity = TTL − elapsed − drift after acquiring (pitfalls S04).
   * zk: the client checks that its own node and session still exist before claiming the lock;
   * `false` is the etcd-style bug of pitfalls S15. Default true.
   */
  validityCheck: z.boolean().optional(),
  /** Redlock: how long a client waits for one instance's reply (pitfalls S03). Default 50. */
  requestTimeoutMs: msAbove0().optional(),
  /** Redlock: SET to the instances one after another or all at once. Default "parallel". */
  fanout: z.enum(['parallel', 'sequential']).optional(),
  /** Delay before retrying a failed acquisition (randomised by the protocol). Default 200. */
  retryDelayMs: msAtLeast0().optional(),
  /** zk: watch the predecessor (the recipe) or the parent's children (the herd). Default "predecessor". */
  watch: z.enum(['predecessor', 'parent']).optional(),
  /** zk: embed a GUID in the node name to recover from a lost create reply (pitfalls S12). Default true. */
  guidNames: z.boolean().optional(),
  /**
   * zk: Curator's connection states (pitfalls S14). "lost-after-suspended": SUSPENDED after 2/3 of
   * the session timeout without contact and LOST a whole session timeout later (before
   * CURATOR-460); "suspended-is-loss": SUSPENDED ends the client's trust in its locks. Default "none".
   */
  connectionStates: z.enum(['none', 'lost-after-suspended', 'suspended-is-loss']).optional(),
  /** redlock/lease-lock release: compare-and-delete script, or a plain DEL (pitfalls S08). Default "compare-and-delete". */
  release: z.enum(['compare-and-delete', 'del']).optional(),
});

/**
 * Which protocols each protocol-specific `lockService` option applies to. Options absent from
 * this table apply to every protocol.
 */
export const PROTOCOL_OPTIONS = {
  keepAliveMs: ['dlm', 'zk', 'etcd'],
  lockDelayMs: ['dlm'],
  fencing: ['dlm', 'zk', 'lease-lock', 'etcd'],
  deadlock: ['dlm'],
  valueBlockBytes: ['dlm'],
  profile: ['dlm'],
  graceMs: ['dlm'],
  heartbeatMs: ['dlm', 'grid'],
  failureTimeoutMs: ['dlm', 'grid'],
  persistence: ['redlock', 'lease-lock'],
  driftFactor: ['redlock'],
  driftExtraMs: ['redlock'],
  validityCheck: ['redlock', 'zk', 'etcd'],
  requestTimeoutMs: ['redlock'],
  fanout: ['redlock'],
  retryDelayMs: ['redlock', 'zk', 'lease-lock', 'etcd', 'grid'],
  watch: ['zk'],
  guidNames: ['zk'],
  connectionStates: ['zk'],
  release: ['redlock', 'lease-lock'],
} as const satisfies Partial<Record<keyof z.input<typeof lockServiceSchema>, readonly Protocol[]>>;

// ----------------------------------------------------------------------------------------------
// The scenario.

const expectSchema = z.union([z.literal('pass'), z.strictObject({ violation: z.enum(INVARIANTS) })], {
  error: 'expected "pass" or { "violation": <invariant> }',
});
export type Expectation = z.output<typeof expectSchema>;

/** A list of pitfall numbers, 1..PITFALL_COUNT. */
function pitfallNumbers() {
  return z.array(z.number().int().min(1).max(PITFALL_COUNT)).max(PITFALL_COUNT).default([]);
}

/** Most kernel events one run may take by default (a message storm stops here, as a `budget` result). */
export const DEFAULT_MAX_EVENTS = 5_000_000;
/** Most trace events a recorded run (--trace, report pages) keeps by default. */
export const DEFAULT_MAX_TRACE_EVENTS = 2_000_000;

/**
 * Limits on one run (DESIGN §5.2 `bounds`). A seed that reaches one stops there and is reported
 * as a `budget` result for that seed, with its replay command; the rest of the suite runs on.
 */
export const boundsSchema = z.strictObject({
  /** Kernel events (deliveries, timers, faults) one run may queue. Default 5,000,000. */
  maxEvents: z.number().int().min(1).max(1_000_000_000).default(DEFAULT_MAX_EVENTS),
  /** Simulated time a run may reach, when shorter than durationMs (a cap for CI). Default: durationMs. */
  maxSimMs: msAbove0().optional(),
  /** Trace events a recorded run (--trace, report pages) may keep. Default 2,000,000. */
  maxTraceEvents: z.number().int().min(1).max(100_000_000).default(DEFAULT_MAX_TRACE_EVENTS),
});
export type Bounds = z.output<typeof boundsSchema>;

/** The scenario shape, before the defaults that depend on other fields. See the module doc. */
export const scenarioObjectSchema = z.strictObject({
  /** Unique in a suite; used on the command line and in reports. */
  name: z.string().min(1).max(MAX_NAME_CHARS).regex(NAME_PATTERN, {
    error: withGot('must contain only lowercase letters, digits and "-"'),
  }),
  /** One line for listings; empty when absent (displays fall back to `name`). */
  title: z.string().max(200).default(''),
  /** Markdown: what goes wrong, why, and the fix. */
  lesson: z.string().max(MAX_TEXT_CHARS).default(''),
  /**
   * The pitfalls this scenario teaches, by their number in the catalogue (docs/pitfalls.md, 1 to
   * {@link PITFALL_COUNT}): `broken` where it shows the pitfall happening, `fixed` where it shows
   * the repair, so `lockstep list` can tell which pitfalls have both halves of their lesson. Stated
   * rather than derived from `expect`: some broken lessons (the herd effect) violate no invariant.
   */
  pitfalls: z
    .strictObject({ broken: pitfallNumbers(), fixed: pitfallNumbers() })
    .prefault({}),
  protocol: z.enum(PROTOCOLS).default('dlm'),
  /**
   * A user-written lock protocol (TypeScript scenarios only; src/clients/custom-protocol.ts).
   * `protocol` then names the built-in protocol whose scenario rules it follows
   * (`lockProtocol.scenarioRules`).
   */
  lockProtocol: z.custom<LockProtocol>(isLockProtocol, { error: withGot('must be a lock protocol: { name, scenarioRules, serviceNodes, driver }') }).optional(),
  /** Lock-manager nodes m1..mN (redlock: instances). Default dlm 3, redlock 5, zk 3, lease-lock 1. */
  managers: z.number().int().min(1).max(MAX_MANAGERS).optional(),
  lockService: lockServiceSchema.prefault({}),
  storage: z.strictObject({ checkTokens: z.boolean().default(false) }).prefault({}),
  network: z
    .strictObject({
      /** Uniform one-way latency range [min, max]. */
      latencyMs: z.tuple([msAtLeast0(), msAtLeast0()]).default([DEFAULT_LATENCY_MS[0], DEFAULT_LATENCY_MS[1]]),
      dropRate: rate().default(0),
      duplicateRate: rate().default(0),
      /** A message never overtakes an earlier one on the same link. */
      fifo: z.boolean().default(true),
      /** Long tail: with probability `p`, add a uniform extra delay in [0, maxMs]. */
      tail: z.strictObject({ p: rate(), maxMs: msAbove0() }).optional(),
    })
    .prefault({}),
  /** Each node draws its clock offset within ±skewMs and its rate error within ±driftPpm. */
  clocks: z
    .strictObject({
      skewMs: msAtLeast0().default(0),
      driftPpm: z.number().min(0).max(MAX_DRIFT_PPM).default(0),
    })
    .prefault({}),
  clients: z.array(clientSchema).min(1).max(MAX_CLIENTS),
  faults: z.array(faultSchema).max(MAX_FAULTS).default([]),
  randomFaults: randomFaultsSchema.prefault({}),
  durationMs: msAbove0().default(DEFAULT_DURATION_MS),
  /** Seeds per scenario in a sweep. */
  seeds: z.number().int().min(1).max(MAX_SEEDS).default(DEFAULT_SEEDS),
  /** Bound for the liveness invariant once faults have healed. Default 3·leaseMs + 5000, or 30000 with no lease. */
  livenessMs: msAbove0().optional(),
  /** Invariants to check. Default: all that apply to the protocol ({@link defaultInvariants}). */
  invariants: z.array(z.enum(INVARIANTS)).max(INVARIANTS.length).optional(),
  expect: expectSchema.default('pass'),
  bounds: boundsSchema.prefault({}),
  /**
   * A model checker's path (written by `lockstep check` into its repro files): the run is
   * scheduled by the checker's choosing scheduler, taking `decisions[i]` at the i-th choice point
   * and the timed order after, under the same choice bounds the check used.
   */
  schedule: scheduleSchema.optional(),
  /**
   * A repro file (written by `lockstep shrink`): the one seed that replays its failure, and the
   * invariant it violated. `run` and `replay` use this seed when none is given.
   */
  repro: z
    .strictObject({
      seed: z.number().int().min(0).max(2 ** 32 - 1),
      invariant: z.enum(INVARIANTS),
      /** Where it was shrunk from, for the reader: `SCENARIO --seed S`. */
      from: z.string().max(1000).optional(),
    })
    .optional(),
});

/** The shape's output: what validate.ts checks, before {@link applyDerivedDefaults}. */
export type ParsedScenario = z.output<typeof scenarioObjectSchema>;

// ----------------------------------------------------------------------------------------------
// Derived defaults.

/** Default number of lock-service nodes per protocol (Redlock's canonical N=5; one Redis for lease-lock). */
export const DEFAULT_MANAGERS: Readonly<Record<Protocol, number>> = { dlm: 3, redlock: 5, zk: 3, 'lease-lock': 1, etcd: 1, grid: 5 };

/** Whether grants under this configuration carry fencing tokens. */
export function issuesTokens(protocol: Protocol, fencing: boolean | undefined): boolean {
  return protocol !== 'redlock' && protocol !== 'grid' && fencing !== false;
}

/**
 * The invariants that apply by default: value blocks and queue order exist only in the DLM;
 * the fencing invariant needs tokens; the opt-in ones only when a scenario names them.
 */
export function defaultInvariants(protocol: Protocol, tokens: boolean): InvariantName[] {
  return INVARIANTS.filter((inv) => {
    if (optInInvariantNames.includes(inv)) return false;
    if (inv === 'value-block' || inv === 'grant-order') return protocol === 'dlm';
    if (inv === 'fencing') return tokens;
    return true;
  });
}

/** Default liveness bound: three leases plus slack, so recovery after a lost holder has time. */
export function defaultLivenessMs(leaseMs: number): number {
  return leaseMs > 0 ? 3 * leaseMs + 5000 : 30_000;
}

/**
 * Fill every default that depends on another field. Protocol-specific options are filled for
 * every protocol, so consumers never need to re-derive a default.
 */
export function applyDerivedDefaults(s: ParsedScenario) {
  const ls = s.lockService;
  const lease = ls.leaseMs > 0;
  const profile = ls.profile ?? 'linux';
  const fencing = issuesTokens(s.protocol, ls.fencing);
  return {
    ...s,
    managers: s.managers ?? DEFAULT_MANAGERS[s.protocol],
    lockService: {
      leaseMs: ls.leaseMs,
      expiryClock: ls.expiryClock,
      clientClock: ls.clientClock,
      clientMarginMs: ls.clientMarginMs ?? 0,
      keepAliveMs: ls.keepAliveMs ?? (lease ? Math.floor(ls.leaseMs / 3) : 0),
      lockDelayMs: ls.lockDelayMs ?? 0,
      fencing,
      deadlock: ls.deadlock ?? { detect: true, waitMs: DEFAULT_DEADLOCK_WAIT_MS },
      valueBlockBytes: ls.valueBlockBytes ?? (profile === 'vms' ? 16 : 32),
      profile,
      graceMs: ls.graceMs ?? (lease ? 45_000 : 0),
      heartbeatMs: ls.heartbeatMs ?? 1000,
      failureTimeoutMs: ls.failureTimeoutMs ?? 5000,
      persistence: ls.persistence ?? 'fsync',
      driftFactor: ls.driftFactor ?? 0.01,
      driftExtraMs: ls.driftExtraMs ?? 2,
      validityCheck: ls.validityCheck ?? true,
      requestTimeoutMs: ls.requestTimeoutMs ?? 50,
      fanout: ls.fanout ?? 'parallel',
      retryDelayMs: ls.retryDelayMs ?? 200,
      watch: ls.watch ?? 'predecessor',
      guidNames: ls.guidNames ?? true,
      connectionStates: ls.connectionStates ?? 'none',
      release: ls.release ?? 'compare-and-delete',
    },
    livenessMs: s.livenessMs ?? defaultLivenessMs(ls.leaseMs),
    invariants: s.invariants ?? defaultInvariants(s.protocol, fencing),
  };
}

/** The scenario schema with every default filled. Use `parseScenario` (validate.ts) for input. */
export const scenarioSchema = scenarioObjectSchema.transform(applyDerivedDefaults);

/** What a scenario author writes (defaults optional). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default filled: what the rest of lockstep consumes. */
export type Scenario = z.output<typeof scenarioSchema>;
export type LockServiceConfig = Scenario['lockService'];

/**
 * Identity, typed: gives a TypeScript scenario file (`export default defineScenario({...})`)
 * completion and type errors in the editor. The loader still validates the object at run time.
 */
export function defineScenario(s: ScenarioInput): ScenarioInput {
  return s;
}
