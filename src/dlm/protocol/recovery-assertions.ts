/**
 * What must hold of a root a master has just rebuilt from the survivors' copies (see "Recovery" in
 * ./master.ts), checked once the unlocks and down-conversions the rebuild restates as done have
 * happened, before any other pending operation is replayed on it. A rebuild that breaks one
 * of these would hand the rest of the run a lock space no correct master could have produced, and
 * the checkers would only see its consequences much later; failing here names the step and the
 * state at fault, and the kernel reports the throw with the node, the time and the seed that
 * replays it.
 */
import type { ModeName } from '../../vocabulary/index.js';
import { toMode, type LockInfo, type LockSpace, type Mode } from '../core/index.js';
import { TOKEN_RECOVERY_GAP } from './tuning.js';

/** The properties a rebuilt root is checked for. */
export type RecoveryCheck = 'owner-session-live' | 'granted-modes-compatible' | 'token-above-copies';

/** A rebuilt root broke one of the {@link RecoveryCheck}s: a protocol bug, never bad input. */
export class RecoveryAssertionError extends Error {
  override readonly name = 'RecoveryAssertionError';

  constructor(
    readonly check: RecoveryCheck,
    /** The master that rebuilt the root. */
    readonly node: string,
    /** Its monotonic clock when it did (µs). */
    readonly nowUs: number,
    readonly root: string,
    detail: string,
  ) {
    super(`master ${node} at ${nowUs} µs (mono): the rebuilt root ${root} breaks ${check}: ${detail}`);
  }
}

/** A rebuilt root and what the master knows of its locks' owners and tokens. */
export interface RebuiltRoot {
  readonly node: string;
  readonly nowUs: number;
  readonly root: string;
  readonly space: LockSpace;
  /** The compatibility matrix the lock space grants by. */
  readonly compatibility: readonly (readonly boolean[])[];
  /** The session owning `lockId` in the master's records, or undefined when no record holds it. */
  readonly sessionOfLock: (lockId: number) => string | undefined;
  /** `lockId` is an ownerless remnant: an ended lock kept for lock-delay, or a value block's stand-in. */
  readonly isOwnerless: (lockId: number) => boolean;
  /** Sessions known to be over. */
  readonly lostSessions: ReadonlySet<string>;
  /** The highest token any survivor saw, per resource. */
  readonly seenTokens: ReadonlyMap<string, number>;
  /** The master's token counter of a resource. */
  readonly tokenCounter: (resource: string) => number;
}

/**
 * Check a rebuilt root: every lock in it is an ownerless remnant or has a live owner session in
 * the master's records; the granted modes of each resource are pairwise compatible; and the token
 * counter of every resource a survivor saw a token on starts at least {@link TOKEN_RECOVERY_GAP}
 * above it. Throws {@link RecoveryAssertionError} on the first that fails.
 */
export function assertRebuiltRoot(rebuilt: RebuiltRoot): void {
  for (const path of rebuilt.space.resourcePaths()) {
    if (path[0] !== rebuilt.root) continue;
    const resource = rebuilt.space.resource(...path)!;
    const locks = [...resource.granted, ...resource.converting, ...resource.waiting];
    for (const lock of locks) assertOwnerLive(rebuilt, lock);
    assertGrantedCompatible(rebuilt, resource.resource, locks);
  }
  for (const [resource, token] of rebuilt.seenTokens) {
    const counter = rebuilt.tokenCounter(resource);
    if (counter < token + TOKEN_RECOVERY_GAP) {
      fail(rebuilt, 'token-above-copies', `token counter of ${resource} is ${counter}, a survivor saw ${token} (gap ${TOKEN_RECOVERY_GAP})`);
    }
  }
}

function assertOwnerLive(rebuilt: RebuiltRoot, lock: LockInfo): void {
  if (rebuilt.isOwnerless(lock.lockId)) return;
  const sess = rebuilt.sessionOfLock(lock.lockId);
  if (sess === undefined) fail(rebuilt, 'owner-session-live', `lock ${lock.lockId} of ${lock.owner} on ${lock.resource} has no record`);
  if (rebuilt.lostSessions.has(sess)) fail(rebuilt, 'owner-session-live', `lock ${lock.lockId} of ${lock.owner} on ${lock.resource} belongs to the ended session ${sess}`);
}

function assertGrantedCompatible(rebuilt: RebuiltRoot, resource: string, locks: readonly LockInfo[]): void {
  const held = locks.filter((lock) => lock.grantedMode !== undefined);
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      const a = held[i]!;
      const b = held[j]!;
      if (!compatible(rebuilt.compatibility, a.grantedMode!, b.grantedMode!)) {
        fail(rebuilt, 'granted-modes-compatible', `${a.owner} holds ${a.grantedMode} and ${b.owner} holds ${b.grantedMode} on ${resource}`);
      }
    }
  }
}

function compatible(matrix: readonly (readonly boolean[])[], a: ModeName, b: ModeName): boolean {
  return matrix[toMode(a) as Mode]![toMode(b) as Mode]!;
}

function fail(rebuilt: RebuiltRoot, check: RecoveryCheck, detail: string): never {
  throw new RecoveryAssertionError(check, rebuilt.node, rebuilt.nowUs, rebuilt.root, detail);
}
