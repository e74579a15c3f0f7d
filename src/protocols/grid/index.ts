/**
 * An AP lock in an in-memory data grid, Hazelcast 3.8-style, as a {@link ProtocolModule}: every
 * manager node is a member holding a replica of the lock table (./member.ts), and each client asks
 * its home member (./driver.ts). It exists to show pitfall S17: a grid that stays available on
 * both sides of a partition grants the same lock on both. It issues no fencing tokens; the
 * consensus-based alternative with tokens is the zk or etcd protocol.
 */
import type { ClientSpec, DriverHost, ProtocolModule, ServiceOptions } from '../contract.js';
import { managerIds } from '../shared.js';
import { GridDriver, gridClientSettings } from './driver.js';
import { gridMember, gridSettings } from './member.js';

export { GridDriver, gridClientSettings, MAX_GRID_LOCKS } from './driver.js';
export * from './member.js';

/** grid: every manager node is a member. */
export const gridProtocol: ProtocolModule = {
  name: 'grid',
  serviceNodes(managers: number, options: ServiceOptions) {
    const ids = managerIds(managers, 'grid');
    const factory = gridMember(gridSettings(ids, options));
    return ids.map((id) => ({ id, factory }));
  },
  driver(client: ClientSpec, ids: readonly string[], options: ServiceOptions) {
    const settings = gridClientSettings(ids, options);
    return (host: DriverHost) => new GridDriver(host, client, settings);
  },
};
