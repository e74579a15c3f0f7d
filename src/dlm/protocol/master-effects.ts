/**
 * Effect translation for the master role (see ./master.ts): the lock space's effects become, in
 * order, the lock-level trace events of src/vocabulary/lock-events.ts and the outcomes and blocking
 * notifications sent back through each lock's copy holder. Every lock-level event of a resource is
 * traced here, at the moment the lock space decides it, so the trace orders them exactly as the
 * master did.
 */
import { flagNames, statusFlagNames, toCycleEdges, type CompleteEffect, type Effect, type LockSpace } from '../core/index.js';
import type { ManagerEnv } from './env.js';
import type { FencingTokens } from './fencing-tokens.js';
import { RelMessage } from './links.js';
import { outcomeOf, type MasterRecords } from './master-records.js';
import type { BastRelayMsg, BastWire } from './wire.js';

/** Turns the lock space's effects into trace events and messages. */
export class EffectTranslator {
  /** Grants being traced belong to a recovery step (`recovery: true`): queue order was rebuilt, not kept. */
  private recoveryGrants = false;

  constructor(
    private readonly env: ManagerEnv,
    private readonly space: LockSpace,
    private readonly records: MasterRecords,
    private readonly tokens: FencingTokens,
  ) {}

  /** Run `step` with every grant it causes traced as a recovery grant. */
  duringRecovery(step: () => void): void {
    this.recoveryGrants = true;
    step();
    this.recoveryGrants = false;
  }

  /**
   * Turns the lock space's pending effects into trace events and messages, in order.
   * `convertingLockId`: the lock whose conversion produced them (its own demotion is re-queued by
   * the lock space itself), or 0.
   */
  drain(convertingLockId = 0): void {
    const effects = this.space.effects;
    for (let i = 0; i < effects.length; i++) this.translate(effects[i]!, convertingLockId);
    this.space.clearEffects();
  }

  private translate(effect: Effect, convertingLockId: number): void {
    switch (effect.type) {
      case 'complete':
        this.complete(effect);
        return;
      case 'enqueue':
        this.enqueue(effect);
        return;
      case 'dequeue':
        this.dequeue(effect);
        return;
      case 'release':
        this.env.trace('release', { client: effect.owner, resource: effect.resource, reason: 'purge' });
        return;
      case 'demote':
        this.demote(effect, convertingLockId);
        return;
      case 'lvb-write':
        if (this.records.zombies.has(effect.lockId)) return;
        this.env.trace('lvb-write', { client: effect.owner, resource: effect.resource, value: effect.value });
        return;
      case 'lvb-invalidate':
        this.valueBlockInvalidated(effect);
        return;
      case 'deadlock':
        if (effect.victimOwner !== undefined && effect.resolution !== 'queued') {
          this.env.trace('deadlock', { victim: effect.victimOwner, cycle: toCycleEdges(effect.cycle) });
        }
        return;
      case 'bast':
        this.bast(effect);
        return;
      default:
        return;
    }
  }

  private enqueue(effect: Extract<Effect, { type: 'enqueue' }>): void {
    if (this.records.zombies.has(effect.lockId)) return;
    const meta = this.records.byLockId.get(effect.lockId);
    if (meta !== undefined) meta.version++;
    const fields: Record<string, unknown> = { client: effect.owner, resource: effect.resource, mode: effect.mode, queue: effect.queue };
    if (effect.flags !== 0) fields.flags = flagNames(effect.flags);
    this.env.trace('enqueue', fields);
  }

  private dequeue(effect: Extract<Effect, { type: 'dequeue' }>): void {
    if (this.records.zombies.has(effect.lockId)) return;
    const meta = this.records.byLockId.get(effect.lockId);
    if (meta !== undefined) meta.version++;
    const reason = meta !== undefined && meta.ending !== null ? 'purge' : effect.reason;
    this.env.trace('dequeue', { client: effect.owner, resource: effect.resource, reason });
  }

  private demote(effect: Extract<Effect, { type: 'demote' }>, convertingLockId: number): void {
    const meta = this.records.byLockId.get(effect.lockId);
    if (meta !== undefined) {
      meta.version++;
      meta.mode = 'NL';
    }
    this.env.trace('release', { client: effect.owner, resource: effect.resource, reason: 'demote' });
    // A lock demoted while it waited in the conversion queue is still there, converting from
    // NL now (the one being converted is queued, or granted, by the lock space itself).
    const info = effect.lockId === convertingLockId ? undefined : this.space.lockInfo(effect.lockId);
    if (info?.requestedMode !== undefined) {
      this.env.trace('enqueue', { client: effect.owner, resource: effect.resource, mode: info.requestedMode, queue: 'converting' });
    }
  }

  private valueBlockInvalidated(effect: Extract<Effect, { type: 'lvb-invalidate' }>): void {
    if (effect.lockId !== undefined && this.records.zombies.has(effect.lockId)) return;
    const meta = effect.lockId === undefined ? undefined : this.records.byLockId.get(effect.lockId);
    const reason = meta !== undefined && meta.ending !== null ? 'purge' : effect.reason;
    const fields: Record<string, unknown> = { resource: effect.resource, reason };
    if (effect.owner !== undefined) fields.client = effect.owner;
    this.env.trace('lvb-invalidate', fields);
  }

  private bast(effect: Extract<Effect, { type: 'bast' }>): void {
    const env = this.env;
    const meta = this.records.byLockId.get(effect.lockId);
    if (meta === undefined || meta.ending !== null) return;
    const bast: BastWire = { client: meta.client, sess: meta.sess, home: meta.home, resource: meta.resource, mode: effect.mode };
    if (meta.copyHolder === env.id) {
      env.copyHolder.onMasterBast(bast);
    } else {
      const msg: BastRelayMsg = new RelMessage('mbast', bast);
      env.post(meta.copyHolder, msg);
    }
  }

  private complete(effect: CompleteEffect): void {
    const meta = this.records.byLockId.get(effect.lockId);
    if (meta === undefined) return; // a lock-delay remnant: nobody to tell
    const env = this.env;
    meta.version++;
    meta.mode = effect.mode ?? null;
    if (meta.ending !== null) {
      if (effect.op === 'unlock') {
        if (meta.ending === 'expire') env.trace('expire', { client: meta.client, resource: meta.resource });
        else env.trace('release', { client: meta.client, resource: meta.resource, reason: 'purge' });
      }
      if (effect.mode === undefined) this.records.unbind(meta);
      return;
    }
    let reqId: number;
    let also = 0;
    if (effect.op === 'cancel') {
      reqId = meta.cancelReqId;
      meta.cancelReqId = 0;
    } else {
      reqId = meta.mainReqId;
      meta.mainReqId = 0;
      if ((effect.status === 'ABORTED' || effect.status === 'CANCELLED') && meta.cancelReqId !== 0) {
        also = meta.cancelReqId;
        meta.cancelReqId = 0;
      }
    }
    let value: string | null = null;
    if (effect.status === 'GRANTED') {
      value = this.grant(effect);
    } else if (effect.status === 'UNLOCKED') {
      env.trace('release', { client: meta.client, resource: meta.resource, reason: 'unlock' });
    }
    if (effect.mode === undefined) {
      this.records.unbind(meta);
      meta.grantFlags = 0;
    }
    this.records.sendOutcome(meta, outcomeOf(meta, reqId, also, effect.status, effect.flags, value, meta.lvbSeq));
  }

  /** Record and trace a grant (with its fencing token and value block); returns the value it carries. */
  private grant(effect: CompleteEffect): string | null {
    const meta = this.records.byLockId.get(effect.lockId)!;
    const mode = effect.mode!;
    let value: string | null = null;
    meta.grantFlags = meta.reqFlags;
    if (mode === 'PW' || mode === 'EX') meta.token = this.env.tuning.fencing ? this.tokens.issue(meta.resource) : null;
    else meta.token = null;
    if (effect.value !== undefined) {
      value = effect.value;
      meta.value = effect.value;
      meta.lvbSeq = effect.lvbSeq ?? 0;
    }
    const fields: Record<string, unknown> = { client: meta.client, resource: meta.resource, mode };
    if (meta.token !== null) fields.token = meta.token;
    if (value !== null) fields.value = value;
    if (effect.flags !== 0) fields.flags = statusFlagNames(effect.flags);
    if (this.recoveryGrants) fields.recovery = true;
    this.env.trace('grant', fields);
    return value;
  }
}
