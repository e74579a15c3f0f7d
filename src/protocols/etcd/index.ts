/**
 * etcd's lock as a {@link ProtocolModule}: one store node m1 (./server.ts, a Raft group modelled
 * as a single linearizable store; its failure model is stated there) and a client driver running
 * `concurrency.Mutex` (./driver.ts).
 *
 * Tokens (`lockService.fencing`): the create revision of the client's lock key. `validityCheck:
 * false` is the Mutex before etcd issue 11456 (a waiter whose lease ended while queued is told it
 * holds the lock, issue 9921); true, the default, is the fixed Mutex.
 */
import type { ProtocolModule } from '../contract.js';
import { comparisonProtocol } from '../common/protocol-module.js';
import { EtcdDriver, etcdSettings } from './driver.js';
import { etcdStore } from './server.js';

export { EtcdDriver, etcdSettings, MAX_ETCD_LOCKS } from './driver.js';
export { MAX_DELETE_TRIES as MAX_ETCD_DELETE_TRIES, MAX_KEEPALIVES_REMEMBERED } from '../common/session-driver.js';
export * from './server.js';

/** etcd: m1 is the store; further managers idle (the validator refuses them). */
export const etcdProtocol: ProtocolModule = comparisonProtocol({
  name: 'etcd',
  serviceOn: 'first-manager',
  settings: etcdSettings,
  service: etcdStore,
  driver: (host, client, settings) => new EtcdDriver(host, client, settings),
});
