/**
 * Redlock as a {@link ProtocolModule}: N independent instances m1..mN (the scenario's managers)
 * and a client driver running the distlock algorithm against all of them. See ./driver.ts for
 * the algorithm and how its grants are judged, ./instance.ts for the instance.
 */
import type { ClientSpec, DriverFactory, ProtocolModule, ServiceOptions } from '../../clients/contract.js';
import { managerIds } from '../shared.js';
import { RedlockDriver, redlockSettings } from './driver.js';
import { redlockInstance } from './instance.js';

export { RedlockDriver, redlockSettings, MAX_REDLOCK_LOCKS } from './driver.js';
export {
  MAX_REDLOCK_KEYS,
  REDLOCK_DURABLE_KEYS,
  RL_DEL,
  RL_DEL_REPLY,
  RL_SET,
  RL_SET_REPLY,
  redlockInstance,
  type RedlockDel,
  type RedlockDelReply,
  type RedlockKey,
  type RedlockSet,
  type RedlockSetReply,
} from './instance.js';

/** Redlock: every manager is an instance; clients talk to all of them (their `home` is unused). */
export const redlockProtocol: ProtocolModule = {
  name: 'redlock',
  serviceNodes(managers: number, options: ServiceOptions) {
    const ids = managerIds(managers, 'redlock');
    redlockSettings(ids, options); // refuse a configuration the clients could not run with
    const factory = redlockInstance(options);
    return ids.map((id) => ({ id, factory }));
  },
  driver(client: ClientSpec, instances: readonly string[], options: ServiceOptions): DriverFactory {
    const settings = redlockSettings(instances, options);
    return (host) => new RedlockDriver(host, client, settings);
  },
};
