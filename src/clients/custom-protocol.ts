/**
 * A user-written lock protocol: the public form of the driver contract (contract.ts) that the
 * built-in protocols implement. A TypeScript scenario names one as `protocol: myProtocol`; the
 * simulator then builds its service nodes and one driver per client from it, and every checker
 * judges it by the events its nodes and the clients trace.
 */
import type { ClientSpec, DriverFactory, ProtocolModule, ServiceOptions } from '../protocols/contract.js';
import type { ProcessFactory } from '../sim/types.js';

/** A lock protocol a user supplies; see docs/api.md "Writing a lock protocol". */
export interface LockProtocol {
  /** The protocol's name, `[a-z0-9-]+` (shown in messages). */
  readonly name: string;
  /**
   * The built-in protocol whose scenario rules apply to scenarios of this one: which modes and
   * step options they may use, which `lockService` options they may set, how many service nodes
   * by default, and which invariants apply by default (`lease-lock`: exclusive locks, one
   * instance, a key TTL; `zk`: exclusive locks, any number of nodes, tokens; `redlock`: exclusive
   * locks, no tokens; `dlm`: all six modes, conversions, value blocks).
   */
  readonly scenarioRules: ProtocolModule['name'];
  /** The service node ids (`m1..mN`) and their process factories. */
  serviceNodes(managers: number, options: ServiceOptions): Array<{ id: string; factory: ProcessFactory }>;
  /** The driver factory for one client: its half of the protocol. */
  driver(client: ClientSpec, managerIds: readonly string[], options: ServiceOptions): DriverFactory;
}

/** Whether `value` has the shape of a {@link LockProtocol} (the scenario schema's check). */
export function isLockProtocol(value: unknown): value is LockProtocol {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p['name'] === 'string' && typeof p['scenarioRules'] === 'string' && typeof p['serviceNodes'] === 'function' && typeof p['driver'] === 'function';
}
