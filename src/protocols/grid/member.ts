/**
 * One member of an AP in-memory data grid holding a lock table, in the manner of Hazelcast 3.8
 * (pitfalls S17; Kingsbury, *Jepsen: Hazelcast 3.8.3*, 2017). Every manager node m1..mN is a
 * member; each keeps a replica of the table `resource → {owner, home, grantId}`.
 *
 * Who decides: the *primary*, the oldest member (lowest index) that this member believes alive.
 * A client sends `grid.lock` / `grid.unlock` to its home member, which forwards to its primary;
 * the primary grants when the table has no entry for the resource (or the entry is the same
 * client's: the lock is re-entrant per owner, so a retry after a lost reply is answered again),
 * answers the client directly, and copies the change to every member it believes alive
 * (`grid.backup`), without waiting for them: the grid is available, not consistent.
 *
 * Membership: members send `grid.heartbeat` every `heartbeatMs`; one not heard for
 * `failureTimeoutMs` is believed gone, and is sent a heartbeat only once per `failureTimeoutMs`
 * from then on (looking for it to come back, as a grid's split-brain discovery does). When the primary is gone, the oldest member left takes
 * over with its backup copy; a primary drops the entries whose owner's home member it believes
 * gone (Hazelcast releases the locks of a member or client that left). Under a partition each
 * side therefore ends up with a primary of its own, and both sides grant the same lock.
 *
 * Merge on heal (Hazelcast's split-brain merge, the side without the oldest member giving way):
 * a member that stops being primary because an older member is back sends it `grid.merge` with
 * its table and the grants it ended while standing in, until acknowledged. The primary drops the
 * entries whose end was already traced, adopts entries for resources it has none for, and where
 * both sides granted a resource keeps its own grant and ends the other (`release` reason
 * `superseded`); then it sends its whole table to the others (`grid.sync`).
 *
 * What the checkers see (DESIGN §4): the primary that grants traces `grant` {client, resource,
 * mode: 'EX'}; an unlock traces `release` {reason: 'unlock'}; a merge, `release` {reason:
 * 'superseded'}. Dropping a gone member's entries traces nothing: the grant lives on in that
 * member's replica (the other side of a partition still honours it) until a merge ends it, so a
 * second grant meanwhile is a `mutual-exclusion` violation, as Jepsen found ("locks aren't
 * exclusive"). The grid issues no fencing tokens.
 *
 * Failure model: partitions, pauses, delays and drops as the network makes them. A member keeps
 * its table on disk (`ctx.durable`) across a crash, as with Hazelcast's hot restart; a crash is
 * then a long silence followed by a merge.
 */
import type { ServiceOptions } from '../contract.js';
import type { GrantFields, ReleaseFields } from '../../vocabulary/index.js';
import type { Message, Process, ProcessContext, ProcessFactory } from '../../sim/types.js';
import { ProtocolConfigError, ProtocolInvariantError, ProtocolMessageError, int, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';

export const GRID_LOCK = 'grid.lock';
export const GRID_UNLOCK = 'grid.unlock';
export const GRID_REPLY = 'grid.reply';
export const GRID_HEARTBEAT = 'grid.heartbeat';
export const GRID_BACKUP = 'grid.backup';
export const GRID_SYNC = 'grid.sync';
export const GRID_MERGE = 'grid.merge';
export const GRID_MERGED = 'grid.merged';

/** Who holds a resource, as one member's replica says. */
export interface GridEntry {
  readonly owner: string;
  /** The member the owner talks to: when it is gone, a primary drops the entry. */
  readonly home: string;
  /** Names the grant across replicas: `<member>.<n>`, the member that granted it. */
  readonly grantId: string;
}

/** A stepping-down primary's table and the grants it ended while standing in. */
interface PendingMerge {
  readonly seq: number;
  readonly entries: ReadonlyArray<readonly [string, GridEntry]>;
  readonly ended: readonly string[];
}

/** What a member keeps on disk. */
interface DurableState {
  readonly table: Map<string, GridEntry>;
  grants: number;
  merges: number;
  /** Grant ids this member ended while standing in for an older member. */
  readonly ended: Set<string>;
  pendingMerge: PendingMerge | undefined;
  /** The last merge applied from each member. */
  readonly appliedMerges: Map<string, number>;
}

/** Most resources in the table, and most grants ended while standing in. */
export const MAX_GRID_ENTRIES = 1_000_000;
export const MAX_GRID_ENDED = 100_000;
/** A request forwarded more often than this is dropped (members disagree on the primary); the client retries. */
export const MAX_GRID_HOPS = 2;

const DURABLE_STATE = 'grid/state';

class HeartbeatTimer {}

/** The grid's settings, checked. */
export interface GridSettings {
  readonly members: readonly string[];
  readonly heartbeatUs: number;
  readonly failureUs: number;
}

/** Reads and checks the grid's membership settings; throws {@link ProtocolConfigError}. */
export function gridSettings(members: readonly string[], options: ServiceOptions): GridSettings {
  if (members.length < 2) throw new ProtocolConfigError('grid', `needs at least two members, got ${members.length}`);
  if (!(options.heartbeatMs > 0)) throw new ProtocolConfigError('grid', `heartbeatMs must be > 0, got ${options.heartbeatMs}`);
  if (!(options.failureTimeoutMs > options.heartbeatMs)) {
    throw new ProtocolConfigError('grid', `failureTimeoutMs (${options.failureTimeoutMs}) must exceed heartbeatMs (${options.heartbeatMs})`);
  }
  return { members, heartbeatUs: msToUs(options.heartbeatMs), failureUs: msToUs(options.failureTimeoutMs) };
}

class GridMember implements Process {
  private readonly state: DurableState;
  private readonly others: readonly string[];
  private readonly lastHeardUs = new Map<string, number>();
  private readonly alive = new Set<string>();
  private primary: string;
  /** Heartbeat rounds so far: members believed gone get one every `goneEvery` rounds. */
  private rounds = 0;
  private readonly goneEvery: number;

  constructor(
    ctx: ProcessContext,
    private readonly s: GridSettings,
  ) {
    const existing = ctx.durable.get(DURABLE_STATE) as DurableState | undefined;
    this.state = existing ?? { table: new Map(), grants: 0, merges: 0, ended: new Set(), pendingMerge: undefined, appliedMerges: new Map() };
    ctx.durable.set(DURABLE_STATE, this.state);
    this.others = s.members.filter((m) => m !== ctx.id);
    this.primary = s.members[0]!;
    this.goneEvery = Math.ceil(s.failureUs / s.heartbeatUs);
  }

  onStart(ctx: ProcessContext): void {
    const now = ctx.now('mono');
    for (const member of this.others) {
      this.lastHeardUs.set(member, now);
      this.alive.add(member);
    }
    this.tick(ctx);
  }

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    switch (payload.type) {
      case GRID_LOCK:
      case GRID_UNLOCK:
        this.onRequest(ctx, from, payload);
        return;
      case GRID_HEARTBEAT:
        this.onHeartbeat(ctx, from);
        return;
      case GRID_BACKUP:
        if (from === this.primary && from !== ctx.id) this.onBackup(ctx, from, payload);
        return;
      case GRID_SYNC:
        if (from === this.primary && from !== ctx.id) this.onSync(ctx, from, payload);
        return;
      case GRID_MERGE:
        if (this.primary === ctx.id) this.onMerge(ctx, from, payload);
        return;
      case GRID_MERGED:
        if (this.state.pendingMerge?.seq === int(ctx.id, from, payload, 'seq')) this.state.pendingMerge = undefined;
        return;
      default:
        return;
    }
  }

  onTimer(ctx: ProcessContext, tag: unknown): void {
    if (tag instanceof HeartbeatTimer) this.tick(ctx);
  }

  // --- membership ------------------------------------------------------------------------------

  private tick(ctx: ProcessContext): void {
    const searching = this.rounds % this.goneEvery === 0;
    this.rounds += 1;
    for (const member of this.others) if (searching || this.alive.has(member)) ctx.send(member, { type: GRID_HEARTBEAT });
    this.review(ctx);
    this.sendMerge(ctx);
    ctx.setTimer(this.s.heartbeatUs, new HeartbeatTimer());
  }

  private onHeartbeat(ctx: ProcessContext, from: string): void {
    if (!this.lastHeardUs.has(from)) return; // not a member
    this.lastHeardUs.set(from, ctx.now('mono'));
    if (this.alive.has(from)) return;
    this.alive.add(from);
    this.review(ctx);
    if (this.primary === ctx.id) this.sendSync(ctx, [from]);
  }

  /** Recompute who is alive and who is primary; act on a change of primary. */
  private review(ctx: ProcessContext): void {
    const now = ctx.now('mono');
    for (const member of this.others) {
      if (now - this.lastHeardUs.get(member)! >= this.s.failureUs) this.alive.delete(member);
    }
    const primary = this.s.members.find((m) => m === ctx.id || this.alive.has(m))!;
    const before = this.primary;
    this.primary = primary;
    if (before === ctx.id && primary !== ctx.id) this.stepDown(ctx);
    else if (before !== ctx.id && primary === ctx.id) this.takeOver(ctx);
    if (primary === ctx.id) this.dropGoneHomes(ctx);
  }

  /** An older member is back: hand it what this member granted and ended while standing in. */
  private stepDown(ctx: ProcessContext): void {
    ctx.trace('grid-primary', { member: ctx.id, primary: this.primary });
    this.state.merges += 1;
    this.state.pendingMerge = { seq: this.state.merges, entries: [...this.state.table], ended: [...this.state.ended] };
    this.state.ended.clear();
    this.sendMerge(ctx);
  }

  /** (Re)send the merge not yet acknowledged, if any, to the primary. */
  private sendMerge(ctx: ProcessContext): void {
    const pending = this.state.pendingMerge;
    if (pending === undefined || this.primary === ctx.id) return;
    ctx.send(this.primary, { type: GRID_MERGE, seq: pending.seq, entries: pending.entries, ended: pending.ended });
  }

  /** Every older member is gone: this member's replica becomes the table that decides. */
  private takeOver(ctx: ProcessContext): void {
    ctx.trace('grid-primary', { member: ctx.id, primary: ctx.id });
    const pending = this.state.pendingMerge;
    if (pending !== undefined) {
      // Back in charge before the merge was taken: what it ended still needs handing over later.
      for (const id of pending.ended) this.state.ended.add(id);
      this.state.pendingMerge = undefined;
    }
  }

  /** Drop the entries of owners whose home member is believed gone (silently: see the module doc). */
  private dropGoneHomes(ctx: ProcessContext): void {
    for (const [resource, entry] of [...this.state.table]) {
      if (entry.home === ctx.id || this.alive.has(entry.home)) continue;
      this.state.table.delete(resource);
      this.sendBackup(ctx, resource, null);
    }
  }

  // --- requests --------------------------------------------------------------------------------

  private onRequest(ctx: ProcessContext, from: string, payload: Message): void {
    const fromMember = this.lastHeardUs.has(from);
    const client = fromMember ? str(ctx.id, from, payload, 'client') : from;
    const home = fromMember ? str(ctx.id, from, payload, 'home') : ctx.id;
    const hops = fromMember ? int(ctx.id, from, payload, 'hops') : 0;
    if (this.primary !== ctx.id) {
      if (hops < MAX_GRID_HOPS) ctx.send(this.primary, { ...payload, client, home, hops: hops + 1 });
      return;
    }
    const op = int(ctx.id, from, payload, 'op');
    const resource = str(ctx.id, from, payload, 'resource');
    const ok = payload.type === GRID_LOCK ? this.lock(ctx, resource, client, home) : this.unlock(ctx, resource, client);
    if (op !== 0) ctx.send(client, { type: GRID_REPLY, op, ok });
  }

  private lock(ctx: ProcessContext, resource: string, client: string, home: string): boolean {
    const entry = this.state.table.get(resource);
    if (entry !== undefined) return entry.owner === client;
    if (this.state.table.size >= MAX_GRID_ENTRIES) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_GRID_ENTRIES} locks`);
    this.state.grants += 1;
    const granted: GridEntry = { owner: client, home, grantId: `${ctx.id}.${this.state.grants}` };
    this.state.table.set(resource, granted);
    const grant: GrantFields = { client, resource, mode: 'EX' };
    ctx.trace('grant', { ...grant });
    this.sendBackup(ctx, resource, granted);
    return true;
  }

  private unlock(ctx: ProcessContext, resource: string, client: string): boolean {
    const entry = this.state.table.get(resource);
    if (entry === undefined || entry.owner !== client) return false;
    this.state.table.delete(resource);
    const release: ReleaseFields = { client, resource, reason: 'unlock' };
    ctx.trace('release', { ...release });
    if (ctx.id !== this.s.members[0]) this.remember(ctx, entry.grantId);
    this.sendBackup(ctx, resource, null);
    return true;
  }

  private remember(ctx: ProcessContext, grantId: string): void {
    if (this.state.ended.size >= MAX_GRID_ENDED) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_GRID_ENDED} grants ended while standing in`);
    this.state.ended.add(grantId);
  }

  // --- replication -----------------------------------------------------------------------------

  private sendBackup(ctx: ProcessContext, resource: string, entry: GridEntry | null): void {
    for (const member of this.others) if (this.alive.has(member)) ctx.send(member, { type: GRID_BACKUP, resource, entry });
  }

  private sendSync(ctx: ProcessContext, to: readonly string[]): void {
    const entries = [...this.state.table];
    for (const member of to) ctx.send(member, { type: GRID_SYNC, entries });
  }

  private onBackup(ctx: ProcessContext, from: string, payload: Message): void {
    const resource = str(ctx.id, from, payload, 'resource');
    const entry = payload['entry'];
    if (entry === null) this.state.table.delete(resource);
    else this.state.table.set(resource, gridEntry(ctx.id, from, payload, entry));
  }

  private onSync(ctx: ProcessContext, from: string, payload: Message): void {
    const entries = entryList(ctx.id, from, payload);
    this.state.table.clear();
    for (const [resource, entry] of entries) this.state.table.set(resource, entry);
  }

  /** A member that stood in hands over: see the module doc for the rules. */
  private onMerge(ctx: ProcessContext, from: string, payload: Message): void {
    const seq = int(ctx.id, from, payload, 'seq');
    if ((this.state.appliedMerges.get(from) ?? 0) < seq) {
      this.applyMerge(ctx, entryList(ctx.id, from, payload), endedList(ctx.id, from, payload));
      this.state.appliedMerges.set(from, seq);
      this.sendSync(ctx, this.others.filter((m) => this.alive.has(m)));
    }
    ctx.send(from, { type: GRID_MERGED, seq });
  }

  private applyMerge(ctx: ProcessContext, entries: ReadonlyArray<readonly [string, GridEntry]>, ended: readonly string[]): void {
    const endedIds = new Set(ended);
    for (const [resource, entry] of [...this.state.table]) if (endedIds.has(entry.grantId)) this.state.table.delete(resource);
    for (const [resource, theirs] of entries) {
      const mine = this.state.table.get(resource);
      if (mine === undefined) {
        this.state.table.set(resource, theirs);
      } else if (mine.grantId !== theirs.grantId) {
        const release: ReleaseFields = { client: theirs.owner, resource, reason: 'superseded' };
        ctx.trace('release', { ...release });
      }
    }
  }
}

function gridEntry(node: string, from: string, payload: Message, value: unknown): GridEntry {
  const e = value as Partial<GridEntry> | null;
  if (e === null || typeof e !== 'object' || typeof e.owner !== 'string' || typeof e.home !== 'string' || typeof e.grantId !== 'string') {
    throw new ProtocolMessageError(node, from, payload, 'entry must be {owner, home, grantId}');
  }
  return e as GridEntry;
}

function entryList(node: string, from: string, payload: Message): Array<readonly [string, GridEntry]> {
  const list = payload['entries'];
  if (!Array.isArray(list)) throw new ProtocolMessageError(node, from, payload, 'entries must be an array');
  return list.map((pair: unknown) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') throw new ProtocolMessageError(node, from, payload, 'entries must be [resource, entry] pairs');
    return [pair[0], gridEntry(node, from, payload, pair[1])] as const;
  });
}

function endedList(node: string, from: string, payload: Message): string[] {
  const list = payload['ended'];
  if (!Array.isArray(list) || !list.every((id) => typeof id === 'string')) throw new ProtocolMessageError(node, from, payload, 'ended must be a list of grant ids');
  return list as string[];
}

/** The process factory of every grid member. */
export function gridMember(settings: GridSettings): ProcessFactory {
  return (ctx: ProcessContext): Process => new GridMember(ctx, settings);
}
