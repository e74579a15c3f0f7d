/**
 * The DLM as simulated processes (DESIGN §3, dlm-semantics §8): lock-manager nodes m1..mN built on
 * the pure lock space of src/dlm/core, and the client driver that scripted clients use.
 *
 * Design in one page (each module's comment has the detail):
 * - Directory (./directory.ts, ./hash.ts): a resource's directory node is the live manager at
 *   FNV-1a(name) mod (live count), in configured order; the first requester's home becomes the
 *   master and the directory records it. After every view change the managers synchronise the
 *   directory (`dir-sync`) before any look-up is answered, and a look-up is asked and answered
 *   within one view, so a name never gets two masters.
 * - Reliable delivery (./links.ts): per-peer sequence numbers, piggybacked cumulative acks,
 *   go-back-N retransmission with backoff and bounded retries, in-order exactly-once delivery,
 *   generations so that nothing meant for a dead process reaches its successor; on top of that,
 *   request ids de-duplicate every operation end to end (recovery and re-homing re-send).
 * - Copies (./copyholder.ts): every lock's state lives on its master and on a copy holder (the
 *   client's home, or the master's buddy when the home is the master); a request is recorded by
 *   the copy holder before the master sees it, an outcome before the client sees it.
 * - Sessions (./home.ts, ./driver.ts): Chubby KeepAlives and leases on the home's `expiryClock`;
 *   the client's conservative lease from the send time of its last acknowledged KeepAlive;
 *   jeopardy, and a grace period in which another manager may adopt the session and its locks.
 * - Masters (./master.ts): the lock space's effects become the trace (`enqueue`, `grant`,
 *   `release`, `expire`, `dequeue`, `lvb-*`, `deadlock`) at the master; fencing tokens per
 *   resource, monotonic across master crashes (survivors' durable high-water marks + a gap);
 *   expiry with value block invalidation and lock-delay; recovery by gathering copies, restating
 *   what the dead master may have traced, rebuilding and replaying; a hold after multi-node loss.
 * - Failure detection and quorum (./membership.ts): heartbeats and a timeout; a paused manager is
 *   declared dead like a crashed one (the pitfall), and resets when it comes back. Nothing is
 *   granted, looked up, adopted or leased without a majority, so a partition never grants on both
 *   sides.
 *
 * Trace events of the protocol's own (besides src/vocabulary/lock-events.ts): `dlm-view` {view, dead,
 * joined} at each view change, `dlm-reset` {gen} when a manager resets.
 * - Deadlock (./coordinator.ts): edge gathering by the first live manager, every half
 *   deadlockWaitMs, with two-phase validation and pinning of the cycle before a victim is chosen,
 *   so no phantom (pitfalls S21) is ever reported.
 *
 * Mutations (ServiceMutations, for checker self-tests) are marked `MUTATION` where they act:
 * tokenNotIncremented, grantSkipsFifo, wrongMatrixEntry, noLvbInvalidateOnHolderDeath
 * and lostGrantNeverRetried (every network hop of a grant sent once, unreliably: ./master.ts and
 * ./home.ts, received in ./manager.ts and ./driver.ts).
 */
import type { ProtocolModule } from '../../protocols/contract.js';
import { DlmDriver } from './driver.js';
import { Manager } from './manager.js';
import { tuningOf } from './tuning.js';

/** Manager ids for a cluster of `n`: m1..mn. */
export function managerIds(n: number): string[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`dlm: the number of managers must be a positive integer, got ${n}`);
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push(`m${i}`);
  return ids;
}

/** The DLM protocol module (src/protocols/contract.ts). */
export const dlmProtocol: ProtocolModule = {
  name: 'dlm',
  serviceNodes(managers, options) {
    const ids = managerIds(managers);
    const tuning = tuningOf(options);
    return ids.map((id) => ({ id, factory: (ctx) => new Manager(ctx, ids, tuning) }));
  },
  driver(client, managerIds, options) {
    const tuning = tuningOf(options);
    const ids = [...managerIds];
    if (!ids.includes(client.home)) throw new RangeError(`dlm: client ${client.id}'s home '${client.home}' is not a manager (${ids.join(', ')})`);
    return (host) => new DlmDriver(host, client.id, client.home, ids, tuning);
  },
};

export { DlmDriver } from './driver.js';
export { RecoveryAssertionError } from './recovery-assertions.js';
export { Manager, MAX_LOCAL_DELIVERIES } from './manager.js';
export { DirectoryRole } from './directory.js';
export { MasterRole } from './master.js';
export { CopyHolderRole } from './copyholder.js';
export { HomeRole } from './home.js';
export { DeadlockCoordinator } from './coordinator.js';
export { Membership, generationOf, type Member } from './membership.js';
export { ReliableLinks, DEFAULT_LINK_TUNING, LinkOverflowError, type LinkTuning, type RelMessage } from './links.js';
export { fnv1a32, directoryIndex } from './hash.js';
export { sessionId, isNewerSession } from './session.js';
export { tuningOf, DlmConfigError, TOKEN_RECOVERY_GAP, type Tuning } from './tuning.js';
export type * from './wire.js';
