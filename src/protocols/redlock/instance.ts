/**
 * One Redlock instance: an independent Redis master reduced to the two commands the algorithm
 * uses (redis distlock page, pitfalls S03–S06):
 *
 * - `SET key value NX PX ttl` → `rl.set` {op, key, value, pxMs} → `rl.set-reply` {op, ok}. The
 *   key is set when it is absent or expired; its expiry is an absolute reading of the instance's
 *   `expiryClock` (Redis stores absolute expiry times, so a forward wall-clock jump expires it
 *   early — S03 — and a fast clock expires it early too — S05).
 * - unlock → `rl.del` {op, key, value?} → `rl.del-reply` {op, deleted}. With `value` it is the
 *   spec's compare-and-delete script (`if GET == value then DEL`); without, a plain DEL that
 *   deletes whoever's key is there (the `release: 'del'` bug, pitfalls S08).
 *
 * Expiry is lazy and exact, as in Redis: a key is alive while the clock reads at most its expiry
 * (`keyIsExpired`: `now > when`). The instance traces no lock events: under Redlock the client,
 * not the instance, decides that it holds the lock (DESIGN §4).
 *
 * Persistence: with `persistence: 'fsync'` the keys live in `ctx.durable` and survive a crash
 * with their absolute expiry times (S06 fix B); with `'none'` they live in the process and a
 * restart comes back empty (S06). A delayed restart (S06 fix A) is the crash fault's
 * `restartAfterMs`: messages to a down node are dropped, so the instance is simply unavailable.
 */
import type { ServiceOptions } from '../contract.js';
import type { ClockKind, Message, Process, ProcessContext, ProcessFactory } from '../../sim/types.js';
import { delDeletes, delExpected, durableMap, type DelCommand, type DelReply, type SetNxCommand, type SetNxReply } from '../common/key-commands.js';
import { ProtocolInvariantError, int, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';

/** Message types of the instance protocol. */
export const RL_SET = 'rl.set';
export const RL_SET_REPLY = 'rl.set-reply';
export const RL_DEL = 'rl.del';
export const RL_DEL_REPLY = 'rl.del-reply';

/** `SET key value NX PX pxMs` (pxMs > 0: Redlock keys always expire). */
export type RedlockSet = SetNxCommand<typeof RL_SET>;

/** Compare-and-delete when `value` is present, plain DEL when absent. */
export type RedlockDel = DelCommand<typeof RL_DEL>;

export type RedlockSetReply = SetNxReply<typeof RL_SET_REPLY>;

export type RedlockDelReply = DelReply<typeof RL_DEL_REPLY>;

/** A stored key: the holder's random value and the absolute expiry on the instance's clock. */
export interface RedlockKey {
  readonly value: string;
  readonly expiresAtUs: number;
}

/** Where the keys live in `ctx.durable` when the instance fsyncs. */
export const REDLOCK_DURABLE_KEYS = 'redlock/keys';

/** Most distinct keys one instance holds; a runaway workload must fail loudly. */
export const MAX_REDLOCK_KEYS = 1_000_000;

class RedlockInstance implements Process {
  private readonly keys: Map<string, RedlockKey>;

  constructor(
    ctx: ProcessContext,
    private readonly clock: ClockKind,
    persist: boolean,
  ) {
    this.keys = persist ? durableMap(ctx, REDLOCK_DURABLE_KEYS) : new Map();
  }

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    if (payload.type === RL_SET) this.onSet(ctx, from, payload);
    else if (payload.type === RL_DEL) this.onDel(ctx, from, payload);
  }

  /** The live key, or undefined when absent or expired (an expired key is removed, as Redis does on access). */
  private live(ctx: ProcessContext, key: string): RedlockKey | undefined {
    const k = this.keys.get(key);
    if (k === undefined) return undefined;
    if (ctx.now(this.clock) > k.expiresAtUs) {
      this.keys.delete(key);
      return undefined;
    }
    return k;
  }

  private onSet(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const key = str(ctx.id, from, payload, 'key');
    const value = str(ctx.id, from, payload, 'value');
    const pxMs = payload['pxMs'];
    if (typeof pxMs !== 'number' || !(pxMs > 0)) {
      throw new ProtocolInvariantError(ctx.id, `SET from ${from} with PX ${String(pxMs)}: Redlock keys need a TTL`);
    }
    let ok = false;
    if (this.live(ctx, key) === undefined) {
      if (!this.keys.has(key) && this.keys.size >= MAX_REDLOCK_KEYS) {
        throw new ProtocolInvariantError(ctx.id, `more than ${MAX_REDLOCK_KEYS} keys`);
      }
      this.keys.set(key, { value, expiresAtUs: ctx.now(this.clock) + msToUs(pxMs) });
      ok = true;
    }
    const reply: RedlockSetReply = { type: RL_SET_REPLY, op, ok };
    ctx.send(from, reply);
  }

  private onDel(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const key = str(ctx.id, from, payload, 'key');
    const expected = delExpected(ctx.id, from, payload);
    const deleted = delDeletes(this.live(ctx, key), expected);
    if (deleted) this.keys.delete(key);
    const reply: RedlockDelReply = { type: RL_DEL_REPLY, op, deleted };
    ctx.send(from, reply);
  }
}

/** The process factory of a Redlock instance under `options` (expiryClock, persistence). */
export function redlockInstance(options: ServiceOptions): ProcessFactory {
  const clock = options.expiryClock;
  const persist = options.persistence === 'fsync';
  return (ctx: ProcessContext): Process => new RedlockInstance(ctx, clock, persist);
}
