/**
 * The single-instance lease lock as a {@link ProtocolModule}: one Redis instance m1 with
 * `SET NX PX` (./instance.ts, which decides and traces the grants) and a client driver
 * (./driver.ts). Manager nodes beyond m1 (the scenario validator allows only one) would run idle.
 */
import type { ProtocolModule } from '../contract.js';
import { comparisonProtocol } from '../common/protocol-module.js';
import { LeaseLockDriver, leaseLockSettings } from './driver.js';
import { leaseLockInstance } from './instance.js';

export { LeaseLockDriver, leaseLockSettings, MAX_LEASE_LOCKS } from './driver.js';
export * from './instance.js';

/** lease-lock: m1 is the instance; every client talks to it whatever its `home`. */
export const leaseLockProtocol: ProtocolModule = comparisonProtocol({
  name: 'lease-lock',
  serviceOn: 'first-manager',
  settings: leaseLockSettings,
  service: leaseLockInstance,
  driver: (host, client, settings) => new LeaseLockDriver(host, client, settings),
});
