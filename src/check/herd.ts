/**
 * `herd` (opt-in, zk and etcd): one change in the lock's queue wakes at most one waiter. In the
 * ZooKeeper lock recipe each waiter watches only the node just below its own, so a release (the
 * holder's node deleted) notifies exactly the next client in line and a new waiter's node
 * notifies nobody; a waiter that watches the parent's children instead is woken by every
 * creation and deletion, and each hand-over costs a notification, a listing and a reply per
 * waiter: the herd effect, which turns an O(1) hand-over into O(waiters) work at the server.
 *
 * Read from the services' `notify` events (one per client notified). The notifications of one
 * change are traced at one instant by one server, and a change is named by the node that changed
 * (`cause`), under its parent: the watched `path` less `/cause` when the watch was on that node
 * itself, else the watched path. More than one client notified for one change is a violation,
 * judged once the instant is over (every notification of the change has then been seen).
 */
import type { Checker, CheckSink } from './checker.js';
import type { CheckedEvent, CheckedType, NotifyEvent } from './lock-event.js';
import { formatUs } from '../sim/index.js';

/** The notifications of one change so far. */
interface Change {
  server: string;
  parent: string;
  cause: string;
  change: string;
  clients: string[];
}

/** Most notifications one instant may hold; more means a runaway producer. */
const MAX_NOTIFICATIONS_PER_INSTANT = 100_000;

export class HerdChecker implements Checker {
  readonly name = 'herd' as const;
  readonly reads: readonly CheckedType[] = ['notify'];
  /** The instant whose notifications are being gathered; +Infinity when none are. */
  dueUs = Infinity;
  /** The changes notified at `dueUs`, by server, parent, cause and kind of change. */
  private readonly changes = new Map<string, Change>();
  private notifications = 0;

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    if (e.tUs > this.dueUs) this.judge(sink);
    if (e.type === 'notify') this.gather(e);
  }

  private gather(e: NotifyEvent): void {
    const { client, path, cause, change } = e.fields;
    const parent = path.endsWith(`/${cause}`) ? path.slice(0, path.length - cause.length - 1) : path;
    const key = JSON.stringify([e.node, parent, cause, change]);
    let seen = this.changes.get(key);
    if (seen === undefined) {
      seen = { server: e.node, parent, cause, change, clients: [] };
      this.changes.set(key, seen);
    }
    if (!seen.clients.includes(client)) seen.clients.push(client);
    if (++this.notifications > MAX_NOTIFICATIONS_PER_INSTANT) throw new RangeError(`herd: more than ${MAX_NOTIFICATIONS_PER_INSTANT} notifications at ${formatUs(e.tUs)}`);
    this.dueUs = e.tUs;
  }

  /** The instant at `dueUs` is over: every change it notified more than one client of is a herd. */
  private judge(sink: CheckSink): void {
    const atUs = this.dueUs;
    for (const c of this.changes.values()) {
      if (c.clients.length < 2) continue;
      sink.violation({
        invariant: this.name,
        atUs,
        message: `${c.server} woke ${c.clients.length} waiters (${c.clients.join(', ')}) at ${formatUs(atUs)} for one change (${c.cause} ${c.change} under ${c.parent}): a change wakes at most one waiter`,
        resource: c.parent,
        nodes: [...c.clients],
      });
    }
    this.changes.clear();
    this.notifications = 0;
    this.dueUs = Infinity;
  }

  finish(_endUs: number, sink: CheckSink): void {
    if (this.dueUs !== Infinity) this.judge(sink);
  }
}
