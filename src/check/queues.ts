/**
 * Mirrors of each resource's waiting and converting queues, built from the service's `enqueue`
 * events (HEADQUE inserts at the head) and emptied by `grant`, `dequeue`, the end of a lock (see
 * {@link grantEndEnds}), and (grant-order) the crash of the master that queued a request.
 * The grant-order checker judges grants against its mirror; the deadlock checker reads who waits,
 * and behind whom, in its own (dlm-semantics §3: rule CQ for conversions, rules P and NW for new
 * requests). Each keeps its own because they file a request by different flags: grant-order
 * falls back on the request's flags when the `enqueue` carries none, deadlock does not.
 *
 * A queue is a list of LockStates, head first; a lock is queued at most once per mirror (an
 * `enqueue` replaces its earlier entry), and says itself which list it is in.
 */
import type { LockState } from './lock-table.js';
import type { LockEvent } from './lock-event.js';

/** Most requests one resource's queue may hold; a longer queue means a runaway producer. */
export const MAX_QUEUE_LENGTH = 100_000;

/** File `lock` in `list` (named `queue`), at the head when its `flags` carry HEADQUE. */
export function enqueueLock(list: LockState[], lock: LockState, flags: readonly string[], queue: string): void {
  if (flags.includes('HEADQUE')) list.unshift(lock);
  else list.push(lock);
  if (list.length > MAX_QUEUE_LENGTH) throw new RangeError(`check: the ${queue} queue of ${lock.res.name} exceeds ${MAX_QUEUE_LENGTH} requests`);
}

/**
 * Whether a `dequeue` ends the mirrored entry of a request the node `queuedBy` placed (traced its
 * latest `enqueue`). A master that resets drops only its own queue (reason `reset`): when another
 * master queued the request since (a rebuild of the resource), the entry is that master's, and the
 * request waits there still. Every other dequeue ends the request wherever it was queued.
 */
export function dequeueEnds(e: Extract<LockEvent, { type: 'dequeue' }>, queuedBy: string): boolean {
  return e.fields.reason !== 'reset' || e.node === queuedBy;
}

/**
 * Whether the end of a grant (a `release` other than a demotion, or an `expire`) traced by `node`
 * ends the mirrored entry of `lock`'s request, which the node `queuedBy` placed. It does, save in
 * one case: the end is not a rebuild's (`releaseReason` is not `superseded`), the lock holds no
 * live grant, its latest grant was `node`'s own, and another node queued the request. That is a
 * former master, cut off from the rest, ending by its own lease clock the grant a rebuild
 * elsewhere has already ended (superseded) before queuing the client's request again: the request
 * stands in the new master's queue. A rebuild's end, a rebuilding master's end of a request its
 * predecessor queued (a master restarted under the same name included), or any end of a live grant
 * with its queued conversion, ends it.
 */
export function grantEndEnds(node: string, lock: LockState, queuedBy: string, releaseReason: string | undefined): boolean {
  return releaseReason === 'superseded' || lock.mode !== undefined || node === queuedBy || node !== lock.grantedBy;
}

/**
 * Whether the crash of `crashed` ends the mirrored entry of a request the node `queuedBy` placed.
 * A crashed master's queues go with its volatile state, and nothing it could trace says so: a
 * request it had queued is not waiting in any queue any more (dlm-semantics §8.2). A rebuild on
 * the new master queues again (`enqueue`) what the copies kept; a request of a session that ended
 * meanwhile (its purge's `dequeue` put off until a quorum the crash never saw) is not, and neither
 * is one whose copy went too, until its client sends it again and it joins the tail.
 */
export function crashEnds(crashed: string, queuedBy: string): boolean {
  return crashed === queuedBy;
}
