/**
 * The single-instance lease lock: one Redis with `SET key value NX PX ttl` (redis distlock page,
 * "Correct implementation with a single instance"; pitfalls S07, S08).
 *
 * Here the instance decides who holds the lock, so it traces the lock events (DESIGN §4):
 * - a successful SET NX is the `grant` {client, resource, mode: 'EX'} (client = the sender);
 * - the key's expiry is the `expire` {client, resource}: a mark at the key's absolute expiry on
 *   the instance's `expiryClock`, so the grant ends at the true instant the clock passes it, even
 *   while the instance is paused, and a forward wall-clock jump ends it early;
 * - a DEL that removes a live key is the `release` {client: the key's owner, resource, reason:
 *   'unlock'} — whoever sent the DEL. With `release: 'del'` a client whose own key expired
 *   deletes the next holder's key: the release is traced for that holder (S08).
 *
 * S08 judged honestly: the service's grant decision is its key. When A's plain DEL removes B's
 * key at 35,000, B's grant ends there — the instance no longer considers B the holder — and C's
 * grant at 36,000 overlaps no live grant, so `mutual-exclusion` (INV-ME-grant) holds, exactly as
 * the source says (only INV-ME-belief breaks). The damage shows as the `belief-overlap`
 * observation [36,000, B's unlock], and as `stale-write` when B writes after its key is gone.
 *
 * Expiry is lazy, as in Redis: a key is alive while its clock reads below the expiry. A SET that
 * finds an expired key runs one zero-delay timer later, so the key's `expire` mark — which may
 * fall on this very instant — is traced before the next `grant`; later commands queue behind it
 * to keep their order.
 *
 * Fencing (`fencing: true`): the SET runs as one script with an INCR of a per-key counter and
 * returns it as the fencing token (the usual Redis extension; a bare SET NX has none). The
 * counter lives with the keys, so without persistence a restart reissues old tokens — which the
 * `fencing` invariant then reports.
 *
 * Crash: with `persistence: 'fsync'` keys and counters live in `ctx.durable`; at restart each
 * key's mark is re-armed, or, if it expired while the node was down, its `expire` is traced
 * then. With `'none'` the keys are lost; so that the checkers still see those grants end, the
 * instance keeps a trace-only ledger of live grants on disk and at restart traces `release`
 * {reason: 'purge'} for each. (Until the restart nobody else can be granted by a single
 * instance, so ending the grants then, rather than at the crash, changes no verdict.)
 */
import type { ServiceOptions } from '../contract.js';
import type { ExpireFields, GrantFields, ReleaseFields } from '../../vocabulary/index.js';
import type { ClockKind, Message, Process, ProcessContext, ProcessFactory, TimerId } from '../../sim/types.js';
import { delDeletes, delExpected, durableMap, type DelCommand, type DelReply, type SetNxCommand, type SetNxReply } from '../common/key-commands.js';
import { ProtocolInvariantError, int, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';

export const LL_SET = 'll.set';
export const LL_SET_REPLY = 'll.set-reply';
export const LL_DEL = 'll.del';
export const LL_DEL_REPLY = 'll.del-reply';

/** `SET key value NX [PX pxMs]` (pxMs 0: no expiry). */
export type LeaseSet = SetNxCommand<typeof LL_SET>;

/** Compare-and-delete when `value` is present, plain DEL when absent. */
export type LeaseDel = DelCommand<typeof LL_DEL>;

/** The SET's answer; with fencing, a successful SET also returns the key's new token. */
export interface LeaseSetReply extends SetNxReply<typeof LL_SET_REPLY> {
  readonly token?: number;
}

export type LeaseDelReply = DelReply<typeof LL_DEL_REPLY>;

/** A stored key. `expiresAtUs` is an absolute reading of the expiry clock, null for no TTL. */
export interface LeaseKey {
  readonly value: string;
  readonly client: string;
  readonly expiresAtUs: number | null;
}

/** Durable locations (the keys and counters with fsync; the trace ledger without). */
export const LEASE_DURABLE_KEYS = 'lease-lock/keys';
export const LEASE_DURABLE_TOKENS = 'lease-lock/tokens';
export const LEASE_DURABLE_LEDGER = 'lease-lock/granted';

/** Most distinct keys, and most commands waiting behind a deferred SET. */
export const MAX_LEASE_KEYS = 1_000_000;
export const MAX_DEFERRED_COMMANDS = 100_000;

/** The zero-delay timer that runs deferred commands. */
class DeferTimer {}

class LeaseInstance implements Process {
  private readonly keys: Map<string, LeaseKey>;
  private readonly tokens: Map<string, number>;
  /** Without persistence: who holds a grant, kept on disk for tracing only (see module doc). */
  private readonly ledger: Map<string, string> | undefined;
  private readonly marks = new Map<string, TimerId>();
  private readonly deferred: Array<{ from: string; payload: Message }> = [];
  private deferTimer: TimerId | undefined;

  constructor(
    ctx: ProcessContext,
    private readonly clock: ClockKind,
    persist: boolean,
    private readonly fencing: boolean,
  ) {
    this.keys = persist ? durableMap(ctx, LEASE_DURABLE_KEYS) : new Map();
    this.tokens = persist ? durableMap(ctx, LEASE_DURABLE_TOKENS) : new Map();
    this.ledger = persist ? undefined : durableMap(ctx, LEASE_DURABLE_LEDGER);
  }

  onStart(ctx: ProcessContext): void {
    if (this.ledger !== undefined) {
      for (const [key, client] of this.ledger) {
        const release: ReleaseFields = { client, resource: key, reason: 'purge' };
        ctx.trace('release', { ...release });
      }
      this.ledger.clear();
      return;
    }
    for (const [key, k] of [...this.keys]) {
      if (this.expired(ctx, k)) {
        this.keys.delete(key);
        const expire: ExpireFields = { client: k.client, resource: key };
        ctx.trace('expire', { ...expire });
      } else {
        this.armExpiry(ctx, key, k);
      }
    }
  }

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    if (payload.type !== LL_SET && payload.type !== LL_DEL) return;
    if (this.deferred.length > 0) {
      this.defer(ctx, from, payload);
      return;
    }
    this.handle(ctx, from, payload, true);
  }

  onTimer(ctx: ProcessContext, tag: unknown): void {
    if (!(tag instanceof DeferTimer)) return;
    this.deferTimer = undefined;
    const queue = this.deferred.splice(0, this.deferred.length);
    for (const { from, payload } of queue) this.handle(ctx, from, payload, false);
  }

  private defer(ctx: ProcessContext, from: string, payload: Message): void {
    if (this.deferred.length >= MAX_DEFERRED_COMMANDS) {
      throw new ProtocolInvariantError(ctx.id, `more than ${MAX_DEFERRED_COMMANDS} commands deferred`);
    }
    this.deferred.push({ from, payload });
    if (this.deferTimer === undefined) this.deferTimer = ctx.setTimer(0, new DeferTimer());
  }

  private expired(ctx: ProcessContext, k: LeaseKey): boolean {
    return k.expiresAtUs !== null && ctx.now(this.clock) >= k.expiresAtUs;
  }

  private handle(ctx: ProcessContext, from: string, payload: Message, mayDefer: boolean): void {
    const key = str(ctx.id, from, payload, 'key');
    const k = this.keys.get(key);
    if (k !== undefined && this.expired(ctx, k)) {
      if (payload.type === LL_SET && mayDefer) {
        // The expire mark may fall on this instant, after us: let it be traced first.
        this.defer(ctx, from, payload);
        return;
      }
      // Its mark has fired (or fires at this instant): the grant's end is traced by the mark.
      this.forget(key);
    }
    if (payload.type === LL_SET) this.onSet(ctx, from, payload, key);
    else this.onDel(ctx, from, payload, key);
  }

  private onSet(ctx: ProcessContext, from: string, payload: Message, key: string): void {
    const op = int(ctx.id, from, payload, 'op');
    const value = str(ctx.id, from, payload, 'value');
    const pxMs = payload['pxMs'];
    if (typeof pxMs !== 'number' || !(pxMs >= 0)) {
      throw new ProtocolInvariantError(ctx.id, `SET from ${from} with PX ${String(pxMs)}`);
    }
    if (this.keys.has(key)) {
      const refused: LeaseSetReply = { type: LL_SET_REPLY, op, ok: false };
      ctx.send(from, refused);
      return;
    }
    if (this.keys.size >= MAX_LEASE_KEYS) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_LEASE_KEYS} keys`);
    const k: LeaseKey = { value, client: from, expiresAtUs: pxMs > 0 ? ctx.now(this.clock) + msToUs(pxMs) : null };
    this.keys.set(key, k);
    this.ledger?.set(key, from);
    let token: number | undefined;
    if (this.fencing) {
      token = (this.tokens.get(key) ?? 0) + 1;
      this.tokens.set(key, token);
    }
    const grant: GrantFields = { client: from, resource: key, mode: 'EX' };
    if (token !== undefined) grant.token = token;
    ctx.trace('grant', { ...grant });
    this.armExpiry(ctx, key, k);
    const reply: LeaseSetReply = token === undefined ? { type: LL_SET_REPLY, op, ok: true } : { type: LL_SET_REPLY, op, ok: true, token };
    ctx.send(from, reply);
  }

  private onDel(ctx: ProcessContext, from: string, payload: Message, key: string): void {
    const op = int(ctx.id, from, payload, 'op');
    const expected = delExpected(ctx.id, from, payload);
    const k = this.keys.get(key);
    const deleted = delDeletes(k, expected);
    if (k !== undefined && deleted) {
      // The key is live (expired ones were forgotten above), so its mark is still pending.
      const mark = this.marks.get(key);
      if (mark !== undefined) ctx.cancelMark(mark);
      this.forget(key);
      const release: ReleaseFields = { client: k.client, resource: key, reason: 'unlock' };
      ctx.trace('release', { ...release });
    }
    const reply: LeaseDelReply = { type: LL_DEL_REPLY, op, deleted };
    ctx.send(from, reply);
  }

  private armExpiry(ctx: ProcessContext, key: string, k: LeaseKey): void {
    if (k.expiresAtUs === null) return;
    const expire: ExpireFields = { client: k.client, resource: key };
    this.marks.set(key, ctx.markAt(k.expiresAtUs, this.clock, 'expire', { ...expire }));
  }

  /** Drop a key without tracing (its end was traced already, or is traced by its mark). */
  private forget(key: string): void {
    this.keys.delete(key);
    this.marks.delete(key);
    this.ledger?.delete(key);
  }
}

/** The process factory of the lease-lock instance under `options` (expiryClock, persistence, fencing). */
export function leaseLockInstance(options: ServiceOptions): ProcessFactory {
  const clock = options.expiryClock;
  const persist = options.persistence === 'fsync';
  const fencing = options.fencing;
  return (ctx: ProcessContext): Process => new LeaseInstance(ctx, clock, persist, fencing);
}
