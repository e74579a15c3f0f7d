/**
 * The pure half of a master's recovery (see "Recovery" in ./master.ts): merging the survivors'
 * copies of a root's locks, finding each resource's newest value block, and ordering the pending
 * operations for replay. Nothing here reads or changes the master's state.
 */
import type { ModeName } from '../../vocabulary/index.js';
import { isDownConversion, toMode, type Mode } from '../core/index.js';
import { isNewerSession, lockKey } from './session.js';
import type { CopyWire, GatherResultBody, OpWire } from './wire.js';

/** One lock as the survivors know it: its newest copy, and every pending operation any copy carried, in request order. */
export interface MergedCopy {
  copy: CopyWire;
  /** The pending operations of the copy's session (or an earlier one of its client). */
  readonly pending: OpWire[];
  /**
   * The pending operations of a later session of the copy's client, in request order: its
   * requests on the resource reached a copy holder whose copy still stands for the earlier
   * session's lock (./copyholder.ts keeps that copy until the master has ended the lock). They are
   * the later session's, not the copy's: a copy that is over still has them replayed.
   */
  readonly later: OpWire[];
}

/** The survivors' copies of a root, merged. */
export interface MergedCopies {
  /** One entry per lock, in the order the locks were first seen. */
  readonly entries: MergedCopy[];
  /** The highest token any survivor issued or saw, per resource. */
  readonly seenTokens: Map<string, number>;
}

/**
 * The gathered replies without the granted copies that a later grant superseded: a settled copy
 * (nothing pending, its session not known over) granted with a fencing token below that of another
 * client's granted copy of the same resource, in a conflicting mode. (A copy with an operation in
 * flight, or of a session that is over, is the rebuild's to restate: its unlock may be what let
 * the later grant happen, see {@link endedBeforeConflictingGrants}.) Tokens only grow, across masters too (a rebuilt master starts a gap above
 * every token a survivor saw), and a master grants a conflicting mode only once the earlier lock
 * is over or unknown to it (a rebuild after losing several managers supersedes what it cannot
 * know): so the lower-token copy stands for a lock the service had already ended. Such a copy
 * outlives its lock at a copy holder that was out of the view of the master that superseded it
 * (nobody gathered it, nobody told it to drop it); its version counts the changes of a record
 * that is gone, so it would win the merge over the client's current copy. Its end is traced
 * already, or the superseding grant was itself the violation.
 */
export function withoutSupersededGrants(replies: readonly GatherResultBody[], compatible: (a: ModeName, b: ModeName) => boolean): GatherResultBody[] {
  const granted = replies.flatMap((reply) => reply.records.filter((copy) => copy.grantedMode !== null && copy.token !== null));
  const superseded = (copy: CopyWire): boolean =>
    copy.grantedMode !== null &&
    copy.token !== null &&
    copy.pending.length === 0 &&
    !copy.lost &&
    granted.some((other) => other.client !== copy.client && other.resource === copy.resource && other.token! > copy.token! && !compatible(copy.grantedMode!, other.grantedMode!));
  return replies.map((reply) => (reply.records.some(superseded) ? { ...reply, records: reply.records.filter((copy) => !superseded(copy)) } : reply));
}

/** Merge the gathered copies: the newest version of each lock, and every pending operation once. */
export function mergeCopies(replies: readonly GatherResultBody[]): MergedCopies {
  const merged = new Map<string, MergedCopy>();
  const seenTokens = new Map<string, number>();
  const see = (resource: string, token: number): void => {
    const current = seenTokens.get(resource);
    if (current === undefined || token > current) seenTokens.set(resource, token);
  };
  for (const reply of replies) {
    for (const [resource, token] of reply.tokens) see(resource, token);
    for (const copy of reply.records) {
      if (copy.token !== null) see(copy.resource, copy.token);
      const key = lockKey(copy.client, copy.resource);
      const current = merged.get(key);
      if (current === undefined) {
        merged.set(key, { copy, pending: copy.pending.slice(), later: [] });
        continue;
      }
      if (copy.version > current.copy.version || (copy.lost && !current.copy.lost)) current.copy = copy;
      for (const op of copy.pending) if (!current.pending.some((p) => p.reqId === op.reqId)) current.pending.push(op);
      current.pending.sort((a, b) => a.reqId - b.reqId);
    }
  }
  const entries = [...merged.values()].map(({ copy, pending }) => ({
    copy,
    pending: pending.filter((op) => !isNewerSession(op.sess, copy.sess)),
    later: pending.filter((op) => isNewerSession(op.sess, copy.sess)),
  }));
  return { entries, seenTokens };
}

/** The newest value block the copies of one resource carry. */
export interface NewestValueBlock {
  seq: number;
  invalid: boolean;
  value: string | null;
  path: readonly string[];
}

/**
 * The newest value block per resource among granted copies that carry one: the highest sequence
 * number, invalid when any copy at that number saw it invalid.
 */
export function newestValueBlocks(granted: readonly MergedCopy[], valueBlockFlag: number): Map<string, NewestValueBlock> {
  const newest = new Map<string, NewestValueBlock>();
  for (const { copy } of granted) {
    if ((copy.grantFlags & valueBlockFlag) === 0 && copy.value === null) continue;
    const current = newest.get(copy.resource);
    if (current === undefined || copy.lvbSeq > current.seq) newest.set(copy.resource, { seq: copy.lvbSeq, invalid: copy.lvbInvalid, value: copy.value, path: copy.path });
    else if (copy.lvbSeq === current.seq && copy.lvbInvalid) current.invalid = true;
  }
  return newest;
}

/** The lock/convert/unlock among a copy's pending operations (a cancel may ride along). */
export function mainOp(pending: readonly OpWire[]): OpWire | undefined {
  for (const op of pending) if (op.op !== 'cancel') return op;
  return undefined;
}

/** A conversion from `from` to `to` that only gives capability up (always granted at once). */
export function decreases(from: ModeName, to: ModeName | null): boolean {
  return to !== null && (from === to || isDownConversion(toMode(from) as Mode, toMode(to) as Mode));
}

/** The pending operations to replay: the ones that let go, and the rest, each in order. */
export interface Replays {
  /** Unlocks and down-conversions: what the dead master may already have done (restated as done). */
  readonly lettingGo: OpWire[];
  /** Everything else: requests and up-conversions, replayed once the rebuilt root is checked. */
  readonly others: OpWire[];
}

/**
 * The pending operations to replay, in order: locks letting go (unlock, down-conversion) first, so
 * the rebuilt queues are consistent again before anything else is decided; each client's
 * operations stay in order. Copies of sessions that are over (`over`) replay nothing of their
 * own; the requests of a later session riding on such a copy are replayed unless that session is
 * over too (`sessionOver`): its client awaits their answer, and nobody else would ask again.
 */
export function replayOrder(entries: readonly MergedCopy[], over: (copy: CopyWire) => boolean, sessionOver: (sess: string) => boolean): Replays {
  const replays: Replays = { lettingGo: [], others: [] };
  for (const { copy, pending, later } of entries) {
    if (!over(copy) && pending.length > 0) {
      const main = mainOp(pending);
      const letsGo = main !== undefined && (main.op === 'unlock' || (main.op === 'convert' && copy.grantedMode !== null && decreases(copy.grantedMode, main.mode)));
      const list = letsGo ? replays.lettingGo : replays.others;
      for (const op of pending) list.push(op);
    }
    for (const op of later) if (!sessionOver(op.sess)) replays.others.push(op);
  }
  return replays;
}

/** The mode a granted copy holds once its letting-go operation (unlock, down-conversion), restated as done, has happened: null after an unlock. */
export function modeAfterLettingGo({ copy, pending }: MergedCopy): ModeName | null {
  const main = mainOp(pending);
  if (main?.op === 'unlock') return null;
  if (main?.op === 'convert' && copy.grantedMode !== null && decreases(copy.grantedMode, main.mode)) return main.mode;
  return copy.grantedMode;
}

/**
 * The granted copies of sessions that are over (`over`) whose lock the dead master had already
 * ended, lock-delay included, before it granted a conflicting one. A copy holder keeps a copy of a
 * session that is over until the master confirms its end, and that confirmation may die with the
 * master; the conflicting grant that followed is then on another copy. What stands as the newest
 * word: the live copies (at the mode their letting-go leaves them), then the ended ones by token,
 * newest first; an ended copy that conflicts with what stands is one of these. Adopted, it would
 * stand for its lock-delay beside a grant made after it was gone.
 */
export function endedBeforeConflictingGrants(
  granted: readonly MergedCopy[],
  over: (copy: CopyWire) => boolean,
  compatible: (a: ModeName, b: ModeName) => boolean,
): Set<CopyWire> {
  const standing = new Map<string, ModeName[]>();
  const stand = (resource: string, mode: ModeName): void => {
    const modes = standing.get(resource);
    if (modes === undefined) standing.set(resource, [mode]);
    else modes.push(mode);
  };
  const ended: CopyWire[] = [];
  for (const entry of granted) {
    if (over(entry.copy)) {
      ended.push(entry.copy);
      continue;
    }
    const mode = modeAfterLettingGo(entry);
    if (mode !== null) stand(entry.copy.resource, mode);
  }
  ended.sort((a, b) => (b.token ?? -1) - (a.token ?? -1));
  const superseded = new Set<CopyWire>();
  for (const copy of ended) {
    const mode = copy.grantedMode!;
    if ((standing.get(copy.resource) ?? []).every((other) => compatible(mode, other))) stand(copy.resource, mode);
    else superseded.add(copy);
  }
  return superseded;
}
