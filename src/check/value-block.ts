/**
 * `value-block` (DESIGN §4, dlm-semantics §4): every value block a holder reads is the last one
 * written by a PW/EX holder, or is flagged VALNOTVALID.
 *
 * Per resource the checker keeps the last value written (`lvb-write`, trailing zero bytes
 * stripped) and whether it is valid. It becomes invalid on `lvb-invalidate`, and also — by the
 * checker's own judgement, so a service that forgets to invalidate is caught — when a PW/EX
 * holder that took part in value-block transfer (its last lock/convert carried VALBLK, or its
 * grant carried a value) loses its lock by `expire` or `release` with reason `purge` (it died
 * holding the lock, so whatever it changed was never written back). A write makes it valid
 * again. A resource is destroyed with its value block when its last lock goes (no live grant
 * and nothing queued, dlm-semantics §4.4): the next one reads as fresh, "" and valid.
 *
 * Judged: a `grant` carrying `value` whose value-block operation is a read (any new request;
 * conversions per the §4.2 table — conversions that write or do nothing are not reads), and a
 * client `complete` GRANTED carrying `value`, compared with the state at the moment of that
 * client's grant (or the current state when no grant was seen). Either must equal the last
 * written value, or carry VALNOTVALID; while the block is invalid, VALNOTVALID is required.
 *
 * Producer contract: trace `lvb-write` / `lvb-invalidate` before the grant or release that
 * performs them.
 */
import type { Checker, CheckSink } from './checker.js';
import { GrantTable } from './grants.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { lvbOperation, type LvbOperation } from './modes.js';
import { PairMap } from './pair-map.js';
import { formatMs } from './violation.js';

/** A resource's value block as the checker believes it must be. */
interface BlockState {
  /** The last value written, trailing zero bytes stripped; "" for a fresh resource. */
  readonly value: string;
  /** Who wrote it and when (absent for a fresh resource). */
  readonly writer: { client: string; atUs: number } | undefined;
  /** Why and when it was invalidated; absent while valid. */
  readonly invalid: { why: string; atUs: number; client: string | undefined } | undefined;
}

const fresh: BlockState = { value: '', writer: undefined, invalid: undefined };

/** What a grant handed out, remembered for that client's `complete`. */
interface GrantSnapshot {
  readonly op: LvbOperation;
  readonly state: BlockState;
}

/** A value block as compared: trailing zero bytes carry no information (DESIGN §5.5). */
export function stripZeros(value: string): string {
  return value.replace(/\u0000+$/, '');
}

export class ValueBlockChecker implements Checker {
  readonly name = 'value-block' as const;
  readonly reads: readonly CheckedType[] = ['request', 'enqueue', 'grant', 'complete', 'lvb-write', 'lvb-invalidate', 'release', 'expire', 'dequeue'];
  private readonly grants = new GrantTable();
  private readonly blocks = new Map<string, BlockState>();
  private readonly queued = new PairMap<true>();
  private readonly valblk = new PairMap<boolean>();
  private readonly snapshots = new PairMap<GrantSnapshot>();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') {
          this.valblk.set(e.fields.client, e.fields.resource, e.fields.flags?.includes('VALBLK') ?? false);
        }
        return;
      case 'enqueue':
        this.queued.set(e.fields.client, e.fields.resource, true);
        if (e.fields.flags?.includes('VALBLK')) this.valblk.set(e.fields.client, e.fields.resource, true);
        return;
      case 'grant': {
        const { client, resource, mode, value } = e.fields;
        const previous = this.grants.grant(client, resource, mode, e.tUs, e.fields.token);
        this.queued.delete(client, resource);
        if (value !== undefined) this.valblk.set(client, resource, true);
        const state = this.block(resource);
        const op = lvbOperation(previous?.mode, mode);
        this.snapshots.set(client, resource, { op, state });
        if (value !== undefined && op === 'read') {
          const what = `${e.node} granted ${mode} on ${resource} to ${client} at ${formatMs(e.tUs)} with value block ${JSON.stringify(stripZeros(value))}`;
          this.judge(what, client, resource, value, e.fields.flags, state, e.tUs, e.seq, sink);
        }
        return;
      }
      case 'complete': {
        const { client, resource, value } = e.fields;
        if (e.fields.status !== 'GRANTED') return;
        const snapshot = this.snapshots.get(client, resource);
        this.snapshots.delete(client, resource);
        if (value === undefined) return;
        if (snapshot !== undefined && snapshot.op !== 'read') return;
        const state = snapshot?.state ?? this.block(resource);
        const held = e.fields.mode !== undefined ? ` ${e.fields.mode}` : '';
        const what = `${client} learned it was GRANTED${held} on ${resource} at ${formatMs(e.tUs)} with value block ${JSON.stringify(stripZeros(value))}`;
        this.judge(what, client, resource, value, e.fields.flags, state, e.tUs, e.seq, sink);
        return;
      }
      case 'lvb-write':
        this.blocks.set(e.fields.resource, { value: stripZeros(e.fields.value), writer: { client: e.fields.client, atUs: e.tUs }, invalid: undefined });
        return;
      case 'lvb-invalidate': {
        const state = this.block(e.fields.resource);
        const why = e.fields.client !== undefined ? `${e.fields.reason}, ${e.fields.client}` : e.fields.reason;
        this.blocks.set(e.fields.resource, { ...state, invalid: { why, atUs: e.tUs, client: e.fields.client } });
        return;
      }
      case 'release':
      case 'expire': {
        const { client, resource } = e.fields;
        if (e.type === 'release' && e.fields.reason === 'demote') {
          // CONVDEADLK: the lock lives on at NL, so the resource and its value block live on.
          this.grants.grant(client, resource, 'NL', e.tUs, undefined);
          return;
        }
        const ended = this.grants.end(client, resource);
        this.queued.delete(client, resource);
        const died = e.type === 'expire' || e.fields.reason === 'purge';
        if (ended !== undefined && died && (ended.mode === 'PW' || ended.mode === 'EX') && this.valblk.get(client, resource) === true) {
          const state = this.block(resource);
          if (state.invalid === undefined) {
            const how = e.type === 'expire' ? 'expired' : 'was purged';
            this.blocks.set(resource, { ...state, invalid: { why: `${client}'s ${ended.mode} lock ${how}`, atUs: e.tUs, client } });
          }
        }
        if (ended !== undefined) this.valblk.delete(client, resource);
        this.destroyIfUnused(resource);
        return;
      }
      case 'dequeue':
        this.queued.delete(e.fields.client, e.fields.resource);
        this.destroyIfUnused(e.fields.resource);
        return;
      default:
        return;
    }
  }

  private block(resource: string): BlockState {
    return this.blocks.get(resource) ?? fresh;
  }

  /** The resource and its value block go with its last lock (dlm-semantics §4.4). */
  private destroyIfUnused(resource: string): void {
    if (this.grants.count(resource) === 0 && this.queued.countOn(resource) === 0) this.blocks.delete(resource);
  }

  private judge(
    what: string,
    client: string,
    resource: string,
    value: string,
    flags: readonly string[] | undefined,
    state: BlockState,
    atUs: number,
    seq: number,
    sink: CheckSink,
  ): void {
    if (flags?.includes('VALNOTVALID')) return;
    let why: string;
    let other: string | undefined;
    if (state.invalid !== undefined) {
      why = `, not flagged VALNOTVALID, but the value block was invalidated at ${formatMs(state.invalid.atUs)} (${state.invalid.why})`;
      other = state.invalid.client;
    } else if (stripZeros(value) !== state.value) {
      why = state.writer !== undefined
        ? `, but the last value written is ${JSON.stringify(state.value)} (by ${state.writer.client} at ${formatMs(state.writer.atUs)})`
        : ', but nothing was written to it yet (a fresh resource reads as "")';
      other = state.writer?.client;
    } else {
      return;
    }
    sink.violation({
      invariant: this.name,
      atUs,
      message: `${what}${why}`,
      resource,
      nodes: other !== undefined && other !== client ? [client, other] : [client],
      seq,
    });
  }

  finish(): void {
    // Judged at each grant and completion; nothing is left open at the end.
  }
}
