/**
 * How each comparison protocol (Redlock, the zk recipe, the lease lock) becomes a
 * {@link ProtocolModule}. The three differ only in their settings, their service process, their
 * driver, and whether every manager node runs the service (Redlock's N independent instances)
 * or only m1 does (one zk server, one Redis). Writing the assembly once keeps the checks the
 * same for all three: the service nodes refuse a configuration the clients could not run with,
 * before any node starts, with the same error the drivers would raise.
 */
import type { ClientSpec, DriverHost, LockDriver, ProtocolModule, ServiceOptions } from '../contract.js';
import type { ProcessFactory } from '../../sim/types.js';
import { idleProcess, managerIds } from '../shared.js';

/** What one comparison protocol supplies; `S` is its client settings. */
export interface ComparisonProtocolSpec<S> {
  readonly name: 'redlock' | 'zk' | 'lease-lock' | 'etcd';
  /**
   * Which manager nodes run the service: every one, or only m1 — the others then run idle, so
   * scenario faults naming them stay valid.
   */
  readonly serviceOn: 'every-manager' | 'first-manager';
  /** Reads and checks the client settings for the service nodes `ids`; throws ProtocolConfigError. */
  settings(ids: readonly string[], options: ServiceOptions): S;
  /** The service's process factory. */
  service(options: ServiceOptions): ProcessFactory;
  /** A driver for one client incarnation. */
  driver(host: DriverHost, client: ClientSpec, settings: S): LockDriver;
}

/** The {@link ProtocolModule} of a comparison protocol described by `spec`. */
export function comparisonProtocol<S>(spec: ComparisonProtocolSpec<S>): ProtocolModule {
  return {
    name: spec.name,
    serviceNodes(managers: number, options: ServiceOptions) {
      const ids = managerIds(managers, spec.name);
      spec.settings(ids, options); // refuse a configuration the clients could not run with
      const factory = spec.service(options);
      if (spec.serviceOn === 'every-manager') return ids.map((id) => ({ id, factory }));
      const idle = idleProcess();
      return ids.map((id, i) => ({ id, factory: i === 0 ? factory : idle }));
    },
    driver(client: ClientSpec, ids: readonly string[], options: ServiceOptions) {
      const settings = spec.settings(ids, options);
      return (host: DriverHost) => spec.driver(host, client, settings);
    },
  };
}
