/**
 * The master role's part in cluster-wide deadlock detection (with ./coordinator.ts): it reports
 * its local wait-for edges, validates and pins a proposed cycle's edges, and completes the chosen
 * victim with DEADLOCK. A pinned lock's requests and its session's purge wait until the round is
 * decided, so the cycle the coordinator reports still stands when it does.
 */
import type { LockSpace } from '../core/index.js';
import type { ManagerEnv } from './env.js';
import type { EffectTranslator } from './master-effects.js';
import type { LockMeta, MasterRecords } from './master-records.js';
import type { MasterRequests } from './master-requests.js';
import type { MasterSessions } from './master-sessions.js';
import type { EdgeWire } from './wire.js';

/**
 * The parts of a master the deadlock participant reads and acts through: its lock space and
 * records for the edges and pins, the effect translator to complete a victim, and the sessions
 * and request path whose deferred work a decided round releases.
 */
export interface DeadlockHost {
  readonly env: ManagerEnv;
  readonly space: LockSpace;
  readonly records: MasterRecords;
  readonly effects: EffectTranslator;
  readonly sessions: MasterSessions;
  readonly requests: MasterRequests;
}

/** The deadlock participant of one master. */
export class DeadlockParticipant {
  /** The locks each undecided round pinned, by `coordinator#round`. */
  private readonly pins = new Map<string, LockMeta[]>();

  constructor(private readonly master: DeadlockHost) {}

  /** This master's wait-for edges (conflict edges between live locks). */
  edges(): EdgeWire[] {
    const edges: EdgeWire[] = [];
    const nowUs = this.master.env.ctx.now('mono');
    const master = this.master.env.id;
    for (const edge of this.master.space.waitForEdges()) {
      if (edge.kind !== 'conflict') continue;
      const waiter = this.master.records.byLockId.get(edge.waiterLockId);
      const holder = this.master.records.byLockId.get(edge.holderLockId);
      if (waiter === undefined || holder === undefined) continue;
      edges.push({
        master,
        resource: edge.resource,
        waiterLockId: edge.waiterLockId,
        waiterOwner: edge.waiterOwner,
        waiterMode: edge.waiterMode,
        waiterPriority: edge.waiterPriority,
        waitedUs: nowUs - edge.waiterSinceUs,
        waiterVersion: waiter.version,
        holderLockId: edge.holderLockId,
        holderOwner: edge.holderOwner,
        holderMode: edge.holderMode,
        holderVersion: holder.version,
      });
    }
    return edges;
  }

  /**
   * Validate a proposed cycle's edges at this master: each waiter and holder must be unchanged
   * since the edges were gathered (unless `lockService.deadlock.confirm` is false). If all are,
   * pin them until the coordinator decides, so the cycle still stands when the coordinator
   * reports it. Returns the vote.
   */
  prepare(coordinator: string, round: number, edges: readonly EdgeWire[]): boolean {
    // A central detector that trusts its gathered edges (pitfalls S21) votes yes unchecked.
    if (!this.master.env.tuning.deadlockConfirm) return true;
    const metas: LockMeta[] = [];
    for (const edge of edges) {
      const waiter = this.master.records.byLockId.get(edge.waiterLockId);
      const holder = this.master.records.byLockId.get(edge.holderLockId);
      if (waiter === undefined || holder === undefined || waiter.version !== edge.waiterVersion || holder.version !== edge.holderVersion) return false;
      const info = this.master.space.lockInfo(edge.waiterLockId);
      if (info === undefined || info.state === 'granted') return false;
      metas.push(waiter, holder);
    }
    for (const meta of metas) meta.pinned++;
    this.pins.set(`${coordinator}#${round}`, metas);
    return true;
  }

  /** The coordinator decided: unpin, and complete the victim with DEADLOCK when it is here. */
  decide(coordinator: string, round: number, commit: boolean, victimLockId: number, victimVersion: number): void {
    this.releasePins(`${coordinator}#${round}`);
    if (commit && victimLockId !== 0) {
      const meta = this.master.records.byLockId.get(victimLockId);
      if (meta !== undefined && meta.version === victimVersion) {
        this.master.space.completeAsDeadlockVictim(victimLockId, { nowUs: this.master.env.ctx.now('mono') });
        this.master.effects.drain();
      }
    }
    this.afterUnpin();
  }

  /** A coordinator died or lost its role: its pins go. */
  onCoordinatorGone(coordinator: string): void {
    const prefix = `${coordinator}#`;
    for (const key of [...this.pins.keys()]) if (key.startsWith(prefix)) this.releasePins(key);
    this.afterUnpin();
  }

  private releasePins(key: string): void {
    const metas = this.pins.get(key);
    if (metas === undefined) return;
    this.pins.delete(key);
    for (const meta of metas) meta.pinned--;
  }

  /** What waited for the pins goes on: purges first, then the deferred requests. */
  private afterUnpin(): void {
    this.master.sessions.retryDeferredPurges();
    this.master.requests.processAllDeferred();
  }
}
