/**
 * The ZooKeeper lock recipe as a {@link ProtocolModule}: one server node m1 (./server.ts) and a
 * client driver running the recipe (./driver.ts).
 *
 * Modelling choices:
 * - One server. With `managers` > 1, m1 is the server and m2..mN are idle nodes (they exist so
 *   faults naming them stay valid; a replicated ensemble is not modelled). Every client talks
 *   to m1 whatever its `home`.
 * - Fencing tokens (`lockService.fencing`): the czxid of the client's lock node.
 * - S15 (etcd: a waiter whose lease died while queued is told it holds the lock) is modelled on
 *   this recipe, not as a fourth protocol: `validityCheck: false` makes the client behave like
 *   etcd's `concurrency.Mutex` before etcd #11456 (trust the end of the wait), and the server,
 *   like etcd, keeps a watch after its session dies and answers reads for an expired session.
 *   With `validityCheck: true` (the default) the client checks its own node and stops on
 *   SESSION_EXPIRED, and behaves as under ZooKeeper, where the bug cannot happen.
 */
import type { ProtocolModule } from '../contract.js';
import { comparisonProtocol } from '../common/protocol-module.js';
import { ZkDriver, zkSettings } from './driver.js';
import { zkServer } from './server.js';

export { MAX_ZK_LOCKS, ZkDriver, zkSettings } from './driver.js';
export { MAX_DELETE_TRIES } from '../common/session-driver.js';
export * from './server.js';

/** zk: m1 is the server; further managers idle. */
export const zkProtocol: ProtocolModule = comparisonProtocol({
  name: 'zk',
  serviceOn: 'first-manager',
  settings: zkSettings,
  service: zkServer,
  driver: (host, client, settings) => new ZkDriver(host, client, settings),
});
