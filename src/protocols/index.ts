/**
 * The lock services users compare the DLM against (DESIGN §1 `protocols/`): Redlock over N
 * independent instances, the ZooKeeper lock recipe, a single-instance lease lock, and etcd's
 * lock (one linearizable store standing for the Raft group), and an AP data-grid lock (Hazelcast
 * 3.8-style members that each grant on their side of a partition). Each is a {@link ProtocolModule}:
 * service nodes plus a client driver, emitting the lock event vocabulary of
 * src/vocabulary/lock-events.ts so the same protocol-neutral checkers judge all of them.
 *
 * Who decides a grant (DESIGN §4): the Redlock client (majority within validity), the zk or etcd
 * client that learns it is first, the lease-lock instance (its key), the grid's primary member. Tokens: none for Redlock, the
 * lock node's czxid for zk, an INCR counter for lease-lock, the lock key's create revision for etcd
 * (all only with `lockService.fencing`).
 */
export { redlockProtocol } from './redlock/index.js';
export { zkProtocol } from './zk/index.js';
export { leaseLockProtocol } from './lease-lock/index.js';
export { etcdProtocol } from './etcd/index.js';
export { gridProtocol } from './grid/index.js';
/** The driver contract every protocol (the DLM included) implements for the scripted client. */
export type * from './contract.js';
export { ProtocolConfigError, ProtocolInvariantError, ProtocolMessageError, DEFAULT_REQUEST_TIMEOUT_MS } from './shared.js';
