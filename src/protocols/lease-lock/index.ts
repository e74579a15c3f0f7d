/**
 * The single-instance lease lock as a {@link ProtocolModule}: one Redis instance m1 with
 * `SET NX PX` (./instance.ts, which decides and traces the grants) and a client driver
 * (./driver.ts). Manager nodes beyond m1 (the scenario validator allows only one) would run idle.
 */
import type { ClientSpec, DriverFactory, ProtocolModule, ServiceOptions } from '../../clients/contract.js';
import { clientSettings, idleProcess, managerIds } from '../shared.js';
import { LeaseLockDriver, leaseLockSettings } from './driver.js';
import { leaseLockInstance } from './instance.js';

export { LeaseLockDriver, leaseLockSettings, MAX_LEASE_LOCKS } from './driver.js';
export {
  LEASE_DURABLE_KEYS,
  LEASE_DURABLE_LEDGER,
  LEASE_DURABLE_TOKENS,
  LL_DEL,
  LL_DEL_REPLY,
  LL_SET,
  LL_SET_REPLY,
  MAX_DEFERRED_COMMANDS,
  MAX_LEASE_KEYS,
  leaseLockInstance,
  type LeaseDel,
  type LeaseDelReply,
  type LeaseKey,
  type LeaseSet,
  type LeaseSetReply,
} from './instance.js';

/** lease-lock: m1 is the instance; every client talks to it whatever its `home`. */
export const leaseLockProtocol: ProtocolModule = {
  name: 'lease-lock',
  serviceNodes(managers: number, options: ServiceOptions) {
    const ids = managerIds(managers, 'lease-lock');
    clientSettings('lease-lock', options);
    const idle = idleProcess();
    return ids.map((id, i) => ({ id, factory: i === 0 ? leaseLockInstance(options) : idle }));
  },
  driver(client: ClientSpec, instances: readonly string[], options: ServiceOptions): DriverFactory {
    const settings = leaseLockSettings(instances, options);
    return (host) => new LeaseLockDriver(host, client, settings);
  },
};
