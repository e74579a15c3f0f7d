/**
 * A one-node coordination service in the shape the ZooKeeper lock recipe needs (pitfalls S11–S13,
 * S15): sessions kept alive by pings and expired after `leaseMs` of silence on the server's
 * `expiryClock`; EPHEMERAL_SEQUENTIAL children under a parent per lock (the parent is the
 * resource name); getChildren and exists with one-shot watches; delete.
 *
 * Sequence numbers are per parent and zero-padded to ten digits after the caller's prefix
 * (`lock-0000000008`, or `<guid>-lock-0000000008` with GUID names), as ZooKeeper does. Every
 * create gets the next zxid as its czxid; children are listed in sequence order.
 *
 * Session expiry deletes the session's ephemeral nodes (firing their watches). The server
 * traces `expire` {client, resource} for a deleted node whose owner it had told it was first (a
 * children listing sent to the owner's session with the owner's node first): that is the end of
 * the zk recipe's grant, which the client itself traced when it saw itself first (DESIGN §4). A
 * listing lost on the way makes this `expire` end no grant, which the checkers ignore.
 *
 * Watch notifications are traced as `notify` {client, path, cause, change} — `path` the watched
 * node or parent, `cause` the child whose creation or deletion (`change`) fired it — so the herd effect is
 * countable: a release fires one notification per waiter with parent watches, and exactly one
 * with predecessor watches.
 *
 * Two deliberate departures from ZooKeeper, both as etcd behaves (pitfalls S15; documented in
 * ./index.ts): a watch outlives its session (etcd watches are independent of leases), and reads
 * (getChildren, exists) are answered for an expired session — only pings, creates and deletes
 * report SESSION_EXPIRED. A recipe client that re-checks its own node (`validityCheck`) behaves
 * exactly as under ZooKeeper; a client that trusts the end of its wait shows the etcd bug.
 *
 * State (tree, sessions, watches) is on disk (`ctx.durable`), like ZooKeeper's transaction log;
 * after a restart every live session gets a fresh timeout, as after a leader election.
 */
import type { ServiceOptions } from '../contract.js';
import type { ExpireFields } from '../../vocabulary/index.js';
import type { ClockKind, Message, Process, ProcessContext, ProcessFactory, TimerId } from '../../sim/types.js';
import { ProtocolInvariantError, bool, int, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';

export const ZK_CONNECT = 'zk.connect';
export const ZK_CONNECTED = 'zk.connected';
export const ZK_PING = 'zk.ping';
export const ZK_PONG = 'zk.pong';
export const ZK_EXPIRED = 'zk.expired';
export const ZK_CREATE = 'zk.create';
export const ZK_CHILDREN = 'zk.children';
export const ZK_EXISTS = 'zk.exists';
export const ZK_DELETE = 'zk.delete';
export const ZK_REPLY = 'zk.reply';
export const ZK_WATCH = 'zk.watch';

/** Digits of the sequence suffix ZooKeeper appends to sequential node names. */
export const SEQUENCE_DIGITS = 10;

/** A child as listed: its name and creation zxid. */
export interface ZkChild {
  readonly name: string;
  readonly czxid: number;
}

/** Error codes a reply may carry. */
export type ZkError = 'SESSION_EXPIRED' | 'NONODE';

/** A watch notification: `path` (node or parent) changed because `cause` was created or deleted. */
export interface ZkWatchEvent extends Message {
  readonly type: typeof ZK_WATCH;
  readonly path: string;
  readonly parent: string;
  readonly event: 'deleted' | 'children';
}

/** Fields of the server's `notify` trace event. */
export interface NotifyFields {
  /** The watching client notified. */
  client: string;
  /** The watched node (predecessor watch) or parent (children watch). */
  path: string;
  /** The child whose creation or deletion fired the watch. */
  cause: string;
  change: 'created' | 'deleted';
}

/** The sequence number of a sequential node name (its last ten digits). */
export function sequenceOf(name: string): number {
  const digits = name.slice(-SEQUENCE_DIGITS);
  if (digits.length !== SEQUENCE_DIGITS || !/^[0-9]+$/.test(digits)) {
    throw new RangeError(`lockstep zk: '${name}' is not a sequential node name`);
  }
  return Number(digits);
}

/** The full path of child `name` under `parent`. */
export function childPath(parent: string, name: string): string {
  return `${parent}/${name}`;
}

interface ZkSession {
  readonly id: number;
  readonly client: string;
  alive: boolean;
  lastHeardUs: number;
  readonly ephemerals: Set<string>;
}

interface ZkNode {
  readonly name: string;
  readonly parent: string;
  readonly czxid: number;
  readonly session: number;
  readonly client: string;
  /** The owner's session was sent a listing with this node first. */
  announced: boolean;
}

interface ZkParent {
  nextSeq: number;
  /** In creation order, which is sequence order. */
  readonly children: Map<string, ZkNode>;
}

/** The whole server state, kept on disk. */
interface ZkState {
  zxid: number;
  nextSession: number;
  readonly sessions: Map<number, ZkSession>;
  readonly parents: Map<string, ZkParent>;
  /** path → (session → client): one-shot watches for the node's deletion. */
  readonly dataWatches: Map<string, Map<number, string>>;
  /** parent → (session → client): one-shot watches for any change of its children. */
  readonly childWatches: Map<string, Map<number, string>>;
}

export const ZK_DURABLE_STATE = 'zk/state';

/** Bounds: sessions ever opened, nodes alive, children per parent listing. */
export const MAX_ZK_SESSIONS = 1_000_000;
export const MAX_ZK_NODES = 1_000_000;

class SessionTimer {
  constructor(readonly session: number) {}
}

class ZkServer implements Process {
  private readonly st: ZkState;
  private readonly timers = new Map<number, TimerId>();
  private nodes = 0;

  constructor(
    ctx: ProcessContext,
    private readonly clock: ClockKind,
    private readonly timeoutUs: number,
  ) {
    const existing = ctx.durable.get(ZK_DURABLE_STATE);
    if (existing !== undefined) {
      this.st = existing as ZkState;
      for (const p of this.st.parents.values()) this.nodes += p.children.size;
    } else {
      this.st = {
        zxid: 0,
        nextSession: 1,
        sessions: new Map(),
        parents: new Map(),
        dataWatches: new Map(),
        childWatches: new Map(),
      };
      ctx.durable.set(ZK_DURABLE_STATE, this.st);
    }
  }

  onStart(ctx: ProcessContext): void {
    const now = ctx.now(this.clock);
    for (const s of this.st.sessions.values()) {
      if (!s.alive) continue;
      s.lastHeardUs = now;
      this.armExpiry(ctx, s);
    }
  }

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    switch (payload.type) {
      case ZK_CONNECT:
        this.onConnect(ctx, from, payload);
        return;
      case ZK_PING:
        this.onPing(ctx, from, payload);
        return;
      case ZK_CREATE:
        this.onCreate(ctx, from, payload);
        return;
      case ZK_CHILDREN:
        this.onChildren(ctx, from, payload);
        return;
      case ZK_EXISTS:
        this.onExists(ctx, from, payload);
        return;
      case ZK_DELETE:
        this.onDelete(ctx, from, payload);
        return;
      default:
        return;
    }
  }

  onTimer(ctx: ProcessContext, tag: unknown): void {
    if (!(tag instanceof SessionTimer)) return;
    this.timers.delete(tag.session);
    const s = this.st.sessions.get(tag.session);
    if (s === undefined || !s.alive) return;
    if (ctx.now(this.clock) < s.lastHeardUs + this.timeoutUs) {
      this.armExpiry(ctx, s); // heard from since the timer was armed
      return;
    }
    this.expire(ctx, s);
  }

  // --- sessions --------------------------------------------------------------------------------

  private onConnect(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    if (this.st.sessions.size >= MAX_ZK_SESSIONS) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_ZK_SESSIONS} sessions`);
    const s: ZkSession = { id: this.st.nextSession++, client: from, alive: true, lastHeardUs: ctx.now(this.clock), ephemerals: new Set() };
    this.st.sessions.set(s.id, s);
    this.armExpiry(ctx, s);
    ctx.send(from, { type: ZK_CONNECTED, op, session: s.id });
  }

  private onPing(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const id = int(ctx.id, from, payload, 'session');
    const s = this.touch(ctx, id);
    ctx.send(from, s === undefined ? { type: ZK_EXPIRED, session: id } : { type: ZK_PONG, op, session: id });
  }

  /** The live session `id`, its silence timer restarted; undefined when expired or unknown. */
  private touch(ctx: ProcessContext, id: number): ZkSession | undefined {
    const s = this.st.sessions.get(id);
    if (s === undefined || !s.alive) return undefined;
    s.lastHeardUs = ctx.now(this.clock);
    return s;
  }

  private armExpiry(ctx: ProcessContext, s: ZkSession): void {
    if (this.timeoutUs === 0 || this.timers.has(s.id)) return;
    this.timers.set(s.id, ctx.setTimerAt(s.lastHeardUs + this.timeoutUs, this.clock, new SessionTimer(s.id)));
  }

  private expire(ctx: ProcessContext, s: ZkSession): void {
    s.alive = false;
    for (const path of [...s.ephemerals]) {
      const node = this.nodeAt(path);
      if (node === undefined) throw new ProtocolInvariantError(ctx.id, `session ${s.id} owns missing node ${path}`);
      if (node.announced) {
        const expire: ExpireFields = { client: node.client, resource: node.parent };
        ctx.trace('expire', { ...expire });
      }
      this.deleteNode(ctx, node);
    }
  }

  // --- the tree --------------------------------------------------------------------------------

  private nodeAt(path: string): ZkNode | undefined {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return undefined;
    return this.st.parents.get(path.slice(0, slash))?.children.get(path.slice(slash + 1));
  }

  private onCreate(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const s = this.touch(ctx, int(ctx.id, from, payload, 'session'));
    const parentName = str(ctx.id, from, payload, 'parent');
    const prefix = str(ctx.id, from, payload, 'prefix');
    if (s === undefined) {
      ctx.send(from, { type: ZK_REPLY, op, err: 'SESSION_EXPIRED' });
      return;
    }
    if (this.nodes >= MAX_ZK_NODES) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_ZK_NODES} nodes`);
    let parent = this.st.parents.get(parentName);
    if (parent === undefined) {
      parent = { nextSeq: 0, children: new Map() };
      this.st.parents.set(parentName, parent);
    }
    const name = `${prefix}${String(parent.nextSeq).padStart(SEQUENCE_DIGITS, '0')}`;
    parent.nextSeq += 1;
    this.st.zxid += 1;
    const node: ZkNode = { name, parent: parentName, czxid: this.st.zxid, session: s.id, client: s.client, announced: false };
    parent.children.set(name, node);
    s.ephemerals.add(childPath(parentName, name));
    this.nodes += 1;
    this.fire(ctx, this.st.childWatches, parentName, parentName, 'children', name, 'created');
    ctx.send(from, { type: ZK_REPLY, op, name, czxid: node.czxid });
  }

  private onChildren(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const sessionId = int(ctx.id, from, payload, 'session');
    const s = this.touch(ctx, sessionId);
    const parentName = str(ctx.id, from, payload, 'parent');
    const watch = bool(ctx.id, from, payload, 'watch');
    const parent = this.st.parents.get(parentName);
    const children: ZkChild[] = [];
    if (parent !== undefined) for (const n of parent.children.values()) children.push({ name: n.name, czxid: n.czxid });
    if (parent !== undefined && s !== undefined) {
      const first = parent.children.values().next();
      if (first.done !== true && first.value.session === s.id) first.value.announced = true;
    }
    if (watch) this.addWatch(this.st.childWatches, parentName, sessionId, from);
    ctx.send(from, { type: ZK_REPLY, op, children });
  }

  private onExists(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const sessionId = int(ctx.id, from, payload, 'session');
    this.touch(ctx, sessionId);
    const path = str(ctx.id, from, payload, 'path');
    const watch = bool(ctx.id, from, payload, 'watch');
    const exists = this.nodeAt(path) !== undefined;
    // Watches for a node's creation are not modelled: the recipe re-lists when exists says no.
    if (exists && watch) this.addWatch(this.st.dataWatches, path, sessionId, from);
    ctx.send(from, { type: ZK_REPLY, op, exists });
  }

  private onDelete(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const s = this.touch(ctx, int(ctx.id, from, payload, 'session'));
    const path = str(ctx.id, from, payload, 'path');
    if (s === undefined) {
      ctx.send(from, { type: ZK_REPLY, op, err: 'SESSION_EXPIRED' });
      return;
    }
    const node = this.nodeAt(path);
    if (node === undefined) {
      ctx.send(from, { type: ZK_REPLY, op, err: 'NONODE' });
      return;
    }
    this.deleteNode(ctx, node);
    ctx.send(from, { type: ZK_REPLY, op, deleted: true });
  }

  private deleteNode(ctx: ProcessContext, node: ZkNode): void {
    const path = childPath(node.parent, node.name);
    const parent = this.st.parents.get(node.parent);
    if (parent === undefined || !parent.children.delete(node.name)) {
      throw new ProtocolInvariantError(ctx.id, `deleting missing node ${path}`);
    }
    this.st.sessions.get(node.session)?.ephemerals.delete(path);
    this.nodes -= 1;
    this.fire(ctx, this.st.dataWatches, path, node.parent, 'deleted', node.name, 'deleted');
    this.fire(ctx, this.st.childWatches, node.parent, node.parent, 'children', node.name, 'deleted');
  }

  // --- watches ---------------------------------------------------------------------------------

  private addWatch(table: Map<string, Map<number, string>>, path: string, session: number, client: string): void {
    let watchers = table.get(path);
    if (watchers === undefined) {
      watchers = new Map();
      table.set(path, watchers);
    }
    watchers.set(session, client);
  }

  /** Fire and clear the one-shot watches on `path`: one notification per watching session. */
  private fire(
    ctx: ProcessContext,
    table: Map<string, Map<number, string>>,
    path: string,
    parent: string,
    event: ZkWatchEvent['event'],
    cause: string,
    change: NotifyFields['change'],
  ): void {
    const watchers = table.get(path);
    if (watchers === undefined) return;
    table.delete(path);
    for (const client of watchers.values()) {
      const notify: NotifyFields = { client, path, cause, change };
      ctx.trace('notify', { ...notify });
      const msg: ZkWatchEvent = { type: ZK_WATCH, path, parent, event };
      ctx.send(client, msg);
    }
  }
}

/** The process factory of the zk server under `options` (leaseMs = session timeout, expiryClock). */
export function zkServer(options: ServiceOptions): ProcessFactory {
  const clock = options.expiryClock;
  const timeoutUs = msToUs(options.leaseMs);
  return (ctx: ProcessContext): Process => new ZkServer(ctx, clock, timeoutUs);
}
