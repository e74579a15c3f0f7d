/**
 * A mirror of each resource's waiting and converting queues, built from the service's `enqueue`
 * events (HEADQUE inserts at the head) and emptied by `grant`, `dequeue`, and the end of a lock.
 * The grant-order checker judges grants against it; the deadlock checker reads who waits, and
 * behind whom (dlm-semantics §3: rule CQ for conversions, rules P and NW for new requests).
 */
import type { ModeName } from './events.js';

/** A queued request. */
export interface QueueEntry {
  readonly client: string;
  readonly mode: ModeName;
  readonly queue: 'waiting' | 'converting';
  readonly flags: readonly string[];
  /** True time it was queued. */
  readonly atUs: number;
}

/** One resource's queues, head first. */
export interface ResourceQueues {
  readonly waiting: QueueEntry[];
  readonly converting: QueueEntry[];
}

/** Most requests one resource's queue may hold; a longer queue means a runaway producer. */
export const MAX_QUEUE_LENGTH = 100_000;

export class QueueMirror {
  /**
   * Per resource; a resource's lists are kept when they empty (requests queue and leave on the
   * same few resources all run long), so memory is bounded by the distinct resources named.
   */
  private readonly byResource = new Map<string, ResourceQueues>();

  /** Queue `entry` on `resource` (replacing any entry the client already had there). */
  enqueue(resource: string, entry: QueueEntry): void {
    this.remove(entry.client, resource);
    let q = this.byResource.get(resource);
    if (q === undefined) {
      q = { waiting: [], converting: [] };
      this.byResource.set(resource, q);
    }
    const list = entry.queue === 'waiting' ? q.waiting : q.converting;
    if (entry.flags.includes('HEADQUE')) list.unshift(entry);
    else list.push(entry);
    if (list.length > MAX_QUEUE_LENGTH) throw new RangeError(`check: the ${entry.queue} queue of ${resource} exceeds ${MAX_QUEUE_LENGTH} requests`);
  }

  /** Take `client`'s entry off `resource`'s queues; returns it, if there was one. */
  remove(client: string, resource: string): QueueEntry | undefined {
    const q = this.byResource.get(resource);
    if (q === undefined) return undefined;
    // A client has at most one entry per resource (enqueue replaces); look in both lists anyway.
    const converting = removeClient(q.converting, client);
    const waiting = removeClient(q.waiting, client);
    return waiting ?? converting;
  }

  /** `client`'s entry on `resource`, if queued. */
  find(client: string, resource: string): QueueEntry | undefined {
    const q = this.byResource.get(resource);
    if (q === undefined) return undefined;
    const i = indexOfClient(q.converting, client);
    if (i >= 0) return q.converting[i];
    const j = indexOfClient(q.waiting, client);
    return j >= 0 ? q.waiting[j] : undefined;
  }

  /** The queues of `resource` (undefined when both are empty). Do not mutate. */
  queues(resource: string): ResourceQueues | undefined {
    const q = this.byResource.get(resource);
    return q === undefined || (q.converting.length === 0 && q.waiting.length === 0) ? undefined : q;
  }

  /** Every entry on `resource`: conversions first, then waiting requests, each head first. */
  entries(resource: string): QueueEntry[] {
    const q = this.byResource.get(resource);
    return q === undefined ? [] : [...q.converting, ...q.waiting];
  }

  /**
   * The entries the queue rules serve before `client`'s on `resource`: for a conversion, the
   * conversions ahead of it (rule CQ); for a waiting request, every queued conversion (rule P) and
   * the waiting requests ahead of it (rule NW). Empty when the client is not queued, or its
   * request carries NOORDER (or EXPEDITE, for a waiting one).
   */
  ahead(client: string, resource: string): QueueEntry[] {
    const q = this.byResource.get(resource);
    if (q === undefined) return [];
    const ci = indexOfClient(q.converting, client);
    if (ci >= 0) return q.converting[ci]!.flags.includes('NOORDER') ? [] : q.converting.slice(0, ci);
    const wi = indexOfClient(q.waiting, client);
    if (wi < 0) return [];
    const flags = q.waiting[wi]!.flags;
    if (flags.includes('NOORDER') || flags.includes('EXPEDITE')) return [];
    return [...q.converting, ...q.waiting.slice(0, wi)];
  }
}

function indexOfClient(list: readonly QueueEntry[], client: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.client === client) return i;
  return -1;
}

/** Remove `client`'s first entry from `list`, keeping the order of the rest; returns it. */
function removeClient(list: QueueEntry[], client: string): QueueEntry | undefined {
  const i = indexOfClient(list, client);
  if (i < 0) return undefined;
  const entry = list[i]!;
  for (let j = i; j < list.length - 1; j++) list[j] = list[j + 1]!;
  list.length--;
  return entry;
}
