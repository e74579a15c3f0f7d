/**
 * The scenario format's words and limits: the protocols, modes, flags, step operations, fault
 * kinds and invariants a scenario may name, the bound on every list and time, and the defaults
 * that depend on no other field. Kept apart from the schema so that a reader of the format's
 * limits finds them in one place, and a module that needs a limit need not load the schema.
 */
import { invariantNames, type InvariantName } from '../check/violation.js';

/** The lock services a scenario can run (DESIGN §1). */
export const PROTOCOLS = ['dlm', 'redlock', 'zk', 'lease-lock', 'etcd', 'grid'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The six lock modes, weakest first (dlm-semantics §1). */
export const MODES = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] as const;
export type Mode = (typeof MODES)[number];

/**
 * The request flags a `lock` or `convert` step may carry (dlm-semantics §3.5). Combinations
 * that the lock manager itself refuses with INVALID_ARG (EXPEDITE with a mode other than NL,
 * QUECVT on a new request, ...) are accepted here on purpose: a scenario must be able to
 * exercise that refusal.
 */
export const REQUEST_FLAGS = [
  'NOQUEUE',
  'NOQUEUEBAST',
  'QUECVT',
  'EXPEDITE',
  'CONVDEADLK',
  'NODLCKWT',
  'NODLCKBLK',
  'ALTPR',
  'ALTCW',
  'HEADQUE',
  'NOORDER',
  'VALBLK',
  'IVVALBLK',
] as const;
export type RequestFlag = (typeof REQUEST_FLAGS)[number];

/** The flags an `unlock` step may carry: only the value-block ones mean anything on $DEQ. */
export const UNLOCK_FLAGS = ['VALBLK', 'IVVALBLK'] as const;
export type UnlockFlag = (typeof UNLOCK_FLAGS)[number];

/** Step operations of a scripted client (DESIGN §5.2). */
export const STEP_OPS = ['lock', 'convert', 'unlock', 'cancel', 'await', 'write', 'read', 'work', 'sleep'] as const;
export type StepOp = (typeof STEP_OPS)[number];

/** Fault kinds (DESIGN §5.2); the same names as the kernel's `FaultKind`. */
export const FAULT_KINDS = ['pause', 'crash', 'clock-jump', 'clock-drift', 'partition', 'delay', 'drop'] as const;
export type ScenarioFaultKind = (typeof FAULT_KINDS)[number];

/** Invariant names (DESIGN §4); part of the contract, owned by the checkers. */
export const INVARIANTS = invariantNames;
export type { InvariantName };

// ----------------------------------------------------------------------------------------------
// Bounds. Every list and every time is bounded so that a scenario cannot make a run unbounded.

/** Largest time accepted anywhere, in ms (about 11.6 days of simulated time). */
export const MAX_TIME_MS = 1_000_000_000;
export const MAX_MANAGERS = 32;
export const MAX_CLIENTS = 256;
export const MAX_STEPS = 1000;
export const MAX_REPEAT = 10_000;
export const MAX_FAULTS = 1000;
/**
 * Most steps one client may run, `steps × repeat`: the scripted client's budget (clients'
 * MAX_SCRIPT_STEPS, which a test holds equal; scenario may not import clients). A script is a
 * naive application, and more steps than this are a loop, not a lesson.
 */
export const MAX_SCRIPT_STEPS = 100_000;
export const MAX_SEEDS = 1_000_000;
/** Largest clock rate error, in parts per million (±50 %: a clock must keep moving forward). */
export const MAX_DRIFT_PPM = 500_000;
/** Longest resource name in UTF-8 bytes (Linux DLM_RESNAME_MAXLEN). */
export const MAX_RESOURCE_BYTES = 64;
export const MAX_NAME_CHARS = 64;
export const MAX_TEXT_CHARS = 100_000;
export const MAX_VALUE_BLOCK_BYTES = 1024;
/** How many pitfalls docs/pitfalls.md numbers (a scenario's `pitfalls` name them 1..PITFALL_COUNT). */
export const PITFALL_COUNT = 25;

/** The scenario `name` pattern (DESIGN §5.2). */
export const NAME_PATTERN = /^[a-z0-9-]+$/;
/** Client ids: a letter, then letters, digits, `-` or `_`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

// ----------------------------------------------------------------------------------------------
// Defaults that do not depend on other fields.

export const DEFAULT_DURATION_MS = 60_000;
export const DEFAULT_SEEDS = 100;
export const DEFAULT_DEADLOCK_WAIT_MS = 1000;
export const DEFAULT_LATENCY_MS: readonly [number, number] = [1, 10];
