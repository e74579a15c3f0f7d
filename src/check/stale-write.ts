/**
 * `stale-write` (DESIGN §4): the storage never accepts a write to a resource from a client whose
 * lock on it had already ended (released, expired, revoked/purged, superseded), judged in true
 * time at the instant the storage accepts it.
 *
 * Choice of modes: an accepted write is legitimate only while the writer holds a live grant on
 * the resource in a mode that permits writing: CW, PW or EX (see `permitsWrite`). So a write
 * after the writer converted down from EX to NL, CR or PR counts as stale (its write lock ended
 * by that conversion), and a write from a client that only ever held PR is reported as a write
 * without write access. A write from a client that never held the resource at all is reported
 * as "without ever holding". The storage's `reject` events are never violations.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName } from './events.js';
import { GrantTable } from './grants.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { permitsWrite } from './modes.js';
import { PairMap } from './pair-map.js';
import { formatMs } from './violation.js';

/** How and when a client's hold on a resource ended. */
interface Ending {
  atUs: number;
  how: string;
  mode: ModeName;
}

export class StaleWriteChecker implements Checker {
  readonly name = 'stale-write' as const;
  readonly reads: readonly CheckedType[] = ['grant', 'release', 'expire', 'write'];
  private readonly grants = new GrantTable();
  /** The last end of any hold, per (client, resource). */
  private readonly lastEnd = new PairMap<Ending>();
  /** The last end of a write-capable hold (including a conversion down to a read mode). */
  private readonly lastWriteEnd = new PairMap<Ending>();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'grant': {
        const { client, resource, mode } = e.fields;
        const previous = this.grants.grant(client, resource, mode, e.tUs, e.fields.token);
        if (previous !== undefined && permitsWrite(previous.mode) && !permitsWrite(mode)) {
          this.lastWriteEnd.set(client, resource, { atUs: e.tUs, how: `converted to ${mode}`, mode: previous.mode });
        }
        return;
      }
      case 'release':
      case 'expire': {
        const { client, resource } = e.fields;
        const ended = this.grants.end(client, resource);
        if (ended === undefined) return;
        const how = e.type === 'expire' ? 'expired' : `released: ${e.fields.reason}`;
        const ending: Ending = { atUs: e.tUs, how, mode: ended.mode };
        this.lastEnd.set(client, resource, ending);
        if (permitsWrite(ended.mode)) this.lastWriteEnd.set(client, resource, ending);
        return;
      }
      case 'write':
        this.judgeWrite(e, sink);
        return;
      default:
        return;
    }
  }

  private judgeWrite(e: Extract<LockEvent, { type: 'write' }>, sink: CheckSink): void {
    const { client, resource } = e.fields;
    const held = this.grants.get(client, resource);
    if (held !== undefined && permitsWrite(held.mode)) return;

    const token = e.fields.token === undefined ? 'no token' : `token ${e.fields.token}`;
    const accepted = `storage accepted ${client}'s write (${token}) at ${formatMs(e.tUs)}`;
    let why: string;
    if (held !== undefined) {
      const writeEnd = this.lastWriteEnd.get(client, resource);
      why = writeEnd !== undefined
        ? `, but ${client}'s ${writeEnd.mode} lock on ${resource} ended at ${formatMs(writeEnd.atUs)} (${writeEnd.how})`
        : ` while ${client} held only ${held.mode} on ${resource} (since ${formatMs(held.sinceUs)}), which does not permit writing`;
    } else {
      const end = this.lastEnd.get(client, resource);
      why = end !== undefined
        ? `, but ${client}'s lock on ${resource} ended at ${formatMs(end.atUs)} (${end.how})`
        : ` without ${client} ever holding a lock on ${resource}`;
    }
    const others: string[] = [];
    const described: string[] = [];
    for (const g of this.grants.holders(resource)) {
      if (g.client === client || g.mode === 'NL') continue;
      others.push(g.client);
      described.push(`${g.client} holds ${g.mode} since ${formatMs(g.sinceUs)}`);
    }
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${accepted}${why}${described.length > 0 ? `; ${described.join(', ')}` : ''}`,
      resource,
      nodes: [client, ...others],
      seq: e.seq,
    });
  }

  finish(): void {
    // Judged at each accepted write; nothing is left open at the end.
  }
}
