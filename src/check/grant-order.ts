/**
 * `grant-order` (DESIGN §4, dlm-semantics §3): no request is granted ahead of an earlier one that
 * the queue rules say goes first.
 *
 * The checker mirrors each resource's waiting and converting queues from the service's
 * `enqueue` / `grant` / `dequeue` events (HEADQUE inserts at the head) and judges every grant:
 * - a queued conversion may not be granted while an earlier queued conversion is still there
 *   (rule CQ), unless it carries NOORDER;
 * - a queued new request may not be granted while any conversion is queued (rule P) or an earlier
 *   waiting request is still there (rule NW), unless it carries NOORDER or EXPEDITE;
 * - an immediate grant (never enqueued) of a new request is a violation while anything is queued
 *   on the resource (rule N), except an EXPEDITE request for NL and a NOORDER request;
 * - an immediate conversion ignores both queues (rule C) unless it carries QUECVT, in which case
 *   it may not be granted while a conversion is queued.
 * Flags come from the `enqueue` event, or for immediate grants from the client's last
 * lock/convert `request`. The end of a grant ends the lock's queued request as
 * {@link grantEndEnds} says (not a cut-off former master's end of a grant already superseded).
 * A `release` with reason `demote` (CONVDEADLK) leaves the lock at NL with its conversion still
 * queued. A grant marked `recovery` (first pass after recovery, where order is
 * not binding) is not judged. A master's `crash` ends the entries it queued (see queues.ts): its
 * queue went with its volatile state, and a rebuild elsewhere queues again what survives. A protocol that never traces `enqueue` has empty queues here and is
 * therefore never judged, which is what we want for Redlock, zk and lease-lock.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, noFlags, readsFor, removeLock, type LockState, type LockSlot, type ResourceSlot } from './lock-table.js';
import { crashEnds, dequeueEnds, enqueueLock, grantEndEnds } from './queues.js';
import { formatUs } from '../sim/index.js';

/** No request is served first (shared: never mutated). */
const none: readonly LockState[] = Object.freeze([]);

/** Per lock: the flags of its last lock/convert request, and its queued request. */
export class OrderedRequest {
  requestFlags: readonly string[] = noFlags;
  /** The queue its request is on; undefined: not queued. */
  queue: 'waiting' | 'converting' | undefined = undefined;
  mode: ModeName = 'NL';
  flags: readonly string[] = noFlags;
  queuedUs = 0;
  /** The node that traced its latest `enqueue` (the master whose queue holds it). */
  queuedBy = '';
}

/** Per resource: the checker's mirror of its queues, head first (see queues.ts). */
export class OrderedQueues {
  readonly converting: LockState[] = [];
  readonly waiting: LockState[] = [];
  /** Whether the resource is in {@link GrantOrderChecker}'s list of resources ever queued on. */
  listed = false;
}

export class GrantOrderChecker extends TableChecker implements Checker {
  readonly name = 'grant-order' as const;
  readonly reads: readonly CheckedType[];
  private readonly requests: LockSlot<OrderedRequest>;
  private readonly queues: ResourceSlot<OrderedQueues>;
  /** Every resource a request was ever queued on, in the order first queued (what a crash may end). */
  private readonly queuedOn: OrderedQueues[] = [];

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the grants (lock view). Its own slots: per lock, the flags of its last
    // lock/convert request and its queued request; per resource, its queues.
    this.requests = this.table.lockSlot(() => new OrderedRequest());
    this.queues = this.table.resourceSlot(() => new OrderedQueues());
    this.reads = readsFor(['request', 'enqueue', 'grant', 'dequeue', 'release', 'expire', 'crash'], shared);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    this.judge(e, sink);
    if (own !== null) own.commit(e);
  }

  private judge(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') this.requests.of(this.table.lock!).requestFlags = e.fields.flags ?? noFlags;
        return;
      case 'enqueue': {
        const lock = this.table.lock!;
        this.unqueue(lock);
        const request = this.requests.of(lock);
        request.queue = e.fields.queue;
        request.mode = e.fields.mode;
        request.flags = e.fields.flags ?? request.requestFlags;
        request.queuedUs = e.tUs;
        request.queuedBy = e.node;
        const queues = this.queues.of(lock.res);
        if (!queues.listed) {
          queues.listed = true;
          this.queuedOn.push(queues);
        }
        enqueueLock(request.queue === 'waiting' ? queues.waiting : queues.converting, lock, request.flags, request.queue);
        return;
      }
      case 'grant':
        this.judgeGrant(e, sink);
        return;
      case 'release':
        // CONVDEADLK: the lock lives on at NL (the table makes it so) and its conversion stays queued.
        if (e.fields.reason !== 'demote') this.endGrant(e.node, e.fields.reason);
        return;
      case 'dequeue': {
        const lock = this.table.lock!;
        if (dequeueEnds(e, this.requests.of(lock).queuedBy)) this.unqueue(lock);
        return;
      }
      case 'expire':
        this.endGrant(e.node, undefined);
        return;
      case 'crash':
        this.endQueuedBy(e.crashed);
        return;
      default:
        return;
    }
  }

  /** `node` traced the end of the event's lock (a release's `reason`): its queued request leaves the mirror if that ends it (see {@link grantEndEnds}). */
  private endGrant(node: string, releaseReason: string | undefined): void {
    const lock = this.table.lock!;
    if (grantEndEnds(node, lock, this.requests.of(lock).queuedBy, releaseReason)) this.unqueue(lock);
  }

  /** `node` crashed: every entry it queued leaves the mirror (see {@link crashEnds}). */
  private endQueuedBy(node: string): void {
    for (const queues of this.queuedOn) {
      for (const list of [queues.converting, queues.waiting]) {
        // Backwards: unqueue removes the entry from this very list.
        for (let i = list.length - 1; i >= 0; i--) {
          const lock = list[i]!;
          if (crashEnds(node, this.requests.of(lock).queuedBy)) this.unqueue(lock);
        }
      }
    }
  }

  private unqueue(lock: LockState): void {
    const request = this.requests.of(lock);
    const queue = request.queue;
    if (queue === undefined) return;
    const queues = this.queues.of(lock.res);
    removeLock(queue === 'waiting' ? queues.waiting : queues.converting, lock);
    request.queue = undefined;
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const lock = this.table.lock!;
    const queues = this.queues.of(lock.res);
    const request = this.requests.of(lock);
    const { client, resource, mode } = e.fields;
    // The table still holds the mode before this grant (it commits after the checkers).
    const heldMode = lock.mode;
    if (queues.converting.length === 0 && queues.waiting.length === 0) return;
    const queue = request.queue;
    const first = e.fields.recovery === true ? none : this.servedFirst(lock, mode, heldMode);
    this.unqueue(lock);
    if (first.length === 0) return;
    let what: string;
    let rule: string;
    if (queue === 'converting') {
      what = `${client}'s queued conversion to ${request.mode}`;
      rule = 'rule CQ: conversions are granted in queue order';
    } else if (queue === 'waiting') {
      what = `${client}'s waiting request for ${request.mode}`;
      rule = 'rules P/NW: queued conversions first, then waiting requests in FIFO order';
    } else if (heldMode !== undefined) {
      what = `${client}'s conversion from ${heldMode} to ${mode} with QUECVT, immediately,`;
      rule = 'QUECVT: a conversion waits behind queued conversions';
    } else {
      what = `${client}'s new request for ${mode}, immediately,`;
      rule = 'rule N: a new request is granted at once only when both queues are empty';
    }
    const ahead = first.map((x) => {
      const earlier = this.requests.of(x);
      return `${x.client}'s ${earlier.queue === 'converting' ? 'queued conversion to' : 'waiting request for'} ${earlier.mode} (queued at ${formatUs(earlier.queuedUs)})`;
    });
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${e.node} granted ${what} on ${resource} at ${formatUs(e.tUs)} ahead of ${ahead.join(', ')} (${rule})`,
      resource,
      nodes: [client, ...first.map((x) => x.client)],
      seq: e.seq,
    });
  }

  /** The queued requests the rules serve before this grant (empty when it is in order). */
  private servedFirst(lock: LockState, mode: ModeName, heldMode: ModeName | undefined): readonly LockState[] {
    const queues = this.queues.of(lock.res);
    const request = this.requests.of(lock);
    if (request.queue !== undefined) return ahead(queues, lock, request);
    const flags = request.requestFlags;
    if (heldMode !== undefined) return flags.includes('QUECVT') && queues.converting.length > 0 ? [...queues.converting] : none;
    const exempt = flags.includes('NOORDER') || (flags.includes('EXPEDITE') && mode === 'NL');
    return exempt ? none : [...queues.converting, ...queues.waiting];
  }

  finish(): void {
    // Judged at each grant; requests still queued at the end are liveness's concern.
  }
}

/**
 * The requests the queue rules serve before `lock`'s queued `request`: for a conversion, the
 * conversions ahead of it (rule CQ); for a waiting request, every queued conversion (rule P) and the
 * waiting requests ahead of it (rule NW). None when its request carries NOORDER (or EXPEDITE,
 * waiting). Allocates only when some are served first (a violation).
 */
function ahead(queues: OrderedQueues, lock: LockState, request: OrderedRequest): readonly LockState[] {
  if (request.queue === 'converting') {
    if (request.flags.includes('NOORDER')) return none;
    const ci = queues.converting.indexOf(lock);
    return ci === 0 ? none : queues.converting.slice(0, ci);
  }
  if (request.flags.includes('NOORDER') || request.flags.includes('EXPEDITE')) return none;
  const wi = queues.waiting.indexOf(lock);
  return wi === 0 && queues.converting.length === 0 ? none : [...queues.converting, ...queues.waiting.slice(0, wi)];
}
