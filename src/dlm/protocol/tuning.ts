/**
 * The DLM protocol's timing, derived once from the scenario's {@link ServiceOptions} (milliseconds)
 * into kernel units (microseconds), with the few constants of the protocol's own.
 */
import type { ServiceMutations, ServiceOptions } from '../../protocols/contract.js';
import { DEFAULT_LINK_TUNING, type LinkTuning } from './links.js';

/**
 * How far above the highest surviving token a new master starts after its predecessor crashed.
 * Every token a client ever saw was recorded by a live copy holder first, so only grants still in
 * flight when the master died can be unknown to the survivors; each further PW/EX grant on a
 * resource needs the previous holder to let go, so only a handful can be in flight at once. A gap
 * of 1000 covers them with a wide margin (see ./master.ts, "Fencing tokens").
 */
export const TOKEN_RECOVERY_GAP = 1000;

/** Most resets (declared dead while alive) one incarnation of a manager may go through. */
export const MAX_RESETS_PER_INCARNATION = 999;

/** Invalid protocol settings. */
export class DlmConfigError extends Error {
  override readonly name = 'DlmConfigError';
}

/** The protocol's settings in microseconds. */
export interface Tuning {
  /** Session lease; 0 = sessions never expire. */
  readonly leaseUs: number;
  readonly keepAliveUs: number;
  readonly lockDelayUs: number;
  readonly graceUs: number;
  readonly heartbeatUs: number;
  readonly failureTimeoutUs: number;
  readonly fencing: boolean;
  readonly expiryClock: 'mono' | 'wall';
  /** The clock a client's driver measures KeepAlive round trips, its local lease and grace on (pitfalls S22). */
  readonly clientClock: 'mono' | 'wall';
  /** What a client's driver subtracts from its local lease deadline (below leaseUs). */
  readonly clientMarginUs: number;
  readonly deadlockDetect: boolean;
  /** A request must have waited this long before its cycle is reported (DEADLOCK_WAIT). */
  readonly deadlockWaitUs: number;
  /** How often the coordinator gathers wait-for edges: half the wait, so a cycle is found within 1.5 × wait plus round trips. */
  readonly deadlockPeriodUs: number;
  /** Masters confirm a gathered cycle's edges before the coordinator acts (false: pitfalls S21's central detector). */
  readonly deadlockConfirm: boolean;
  readonly valueBlockBytes: number;
  readonly profile: 'linux' | 'vms';
  readonly link: LinkTuning;
  readonly mutations: ServiceMutations;
}

function ms(name: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new DlmConfigError(`lockService.${name} must be a number ≥ ${min} ms, got ${String(v)}`);
  }
  return Math.round(v * 1000);
}

/** Validates and converts the options. */
export function tuningOf(o: ServiceOptions): Tuning {
  const leaseUs = ms('leaseMs', o.leaseMs, 0);
  const keepAliveUs = ms('keepAliveMs', o.keepAliveMs, 0);
  if (leaseUs > 0 && !(keepAliveUs > 0)) throw new DlmConfigError('lockService.keepAliveMs must be > 0 when leaseMs > 0');
  const heartbeatUs = ms('heartbeatMs', o.heartbeatMs, 1);
  const failureTimeoutUs = ms('failureTimeoutMs', o.failureTimeoutMs, 1);
  if (failureTimeoutUs <= heartbeatUs) {
    throw new DlmConfigError(`lockService.failureTimeoutMs (${o.failureTimeoutMs}) must exceed heartbeatMs (${o.heartbeatMs})`);
  }
  const clientClock = o.clientClock ?? 'mono';
  if (clientClock !== 'mono' && clientClock !== 'wall') throw new DlmConfigError(`lockService.clientClock must be 'mono' or 'wall', got ${String(clientClock)}`);
  const clientMarginUs = ms('clientMarginMs', o.clientMarginMs ?? 0, 0);
  // A margin as long as the lease leaves the client no moment in which it may trust its session.
  if (leaseUs > 0 && clientMarginUs >= leaseUs) {
    throw new DlmConfigError(`lockService.clientMarginMs (${o.clientMarginMs}) must be below leaseMs (${o.leaseMs})`);
  }
  const waitUs = ms('deadlock.waitMs', o.deadlock.waitMs, 0);
  const detect = o.deadlock.detect && waitUs > 0;
  return {
    leaseUs,
    keepAliveUs: keepAliveUs > 0 ? keepAliveUs : 1_000_000,
    lockDelayUs: ms('lockDelayMs', o.lockDelayMs, 0),
    graceUs: ms('graceMs', o.graceMs, 0),
    heartbeatUs,
    failureTimeoutUs,
    fencing: o.fencing,
    expiryClock: o.expiryClock,
    clientClock,
    clientMarginUs,
    deadlockDetect: detect,
    deadlockWaitUs: waitUs,
    deadlockPeriodUs: detect ? Math.max(1000, Math.floor(waitUs / 2)) : 0,
    deadlockConfirm: o.deadlock.confirm ?? true,
    valueBlockBytes: o.valueBlockBytes,
    profile: o.profile,
    link: DEFAULT_LINK_TUNING,
    mutations: o.mutations ?? {},
  };
}
