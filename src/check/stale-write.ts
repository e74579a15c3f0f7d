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
import type { ModeName, ReleaseFields } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, readsFor, strictHolders, type LockSlot } from './lock-table.js';
import { modeNames, permitsWrite } from './modes.js';
import { formatUs } from '../sim/index.js';

/** How a hold ended, by release reason: built once, not per release. */
const releasedHow: Readonly<Record<ReleaseFields['reason'], string>> = {
  unlock: 'released: unlock',
  purge: 'released: purge',
  cancel: 'released: cancel',
  demote: 'released: demote',
  superseded: 'released: superseded',
};

/** How a write-capable hold ended by a conversion down, by the new mode. */
const convertedHow = new Map<ModeName, string>(modeNames.map((m) => [m, `converted to ${m}`]));

/** Per lock: the last end of any hold, and of a write-capable hold. */
export class HoldEnds {
  endUs = 0;
  /** How the last hold ended ("expired", "released: unlock", ...); undefined: it never did. */
  endHow: string | undefined = undefined;
  endMode: ModeName = 'NL';
  writeEndUs = 0;
  /** How the last write-capable hold ended (a conversion down counts); undefined: it never did. */
  writeEndHow: string | undefined = undefined;
  writeEndMode: ModeName = 'NL';
}

export class StaleWriteChecker extends TableChecker implements Checker {
  readonly name = 'stale-write' as const;
  readonly reads: readonly CheckedType[];
  private readonly ends: LockSlot<HoldEnds>;

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the grants (strict view); its own slot: per lock, how holds ended.
    this.ends = this.table.lockSlot(() => new HoldEnds());
    this.reads = readsFor(['grant', 'release', 'expire', 'write'], shared);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    this.judge(e, sink);
    if (own !== null) own.commit(e);
  }

  private judge(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'grant': {
        const lock = this.table.lock!;
        const mode = e.fields.mode;
        if (lock.granted && permitsWrite(lock.mode!) && !permitsWrite(mode)) {
          const ends = this.ends.of(lock);
          ends.writeEndUs = e.tUs;
          ends.writeEndHow = convertedHow.get(mode)!;
          ends.writeEndMode = lock.mode!;
        }
        return;
      }
      case 'release':
      case 'expire': {
        const lock = this.table.lock!;
        if (!lock.granted) return;
        const ended = lock.mode!;
        const ends = this.ends.of(lock);
        ends.endUs = e.tUs;
        ends.endHow = e.type === 'expire' ? 'expired' : releasedHow[e.fields.reason];
        ends.endMode = ended;
        if (permitsWrite(ended)) {
          ends.writeEndUs = e.tUs;
          ends.writeEndHow = ends.endHow;
          ends.writeEndMode = ended;
        }
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
    const lock = this.table.lock!;
    if (lock.granted && permitsWrite(lock.mode!)) return;

    const { client, resource } = e.fields;
    const token = e.fields.token === undefined ? 'no token' : `token ${e.fields.token}`;
    const accepted = `storage accepted ${client}'s write (${token}) at ${formatUs(e.tUs)}`;
    const ends = this.ends.of(lock);
    let why: string;
    if (lock.granted) {
      why = ends.writeEndHow !== undefined
        ? `, but ${client}'s ${ends.writeEndMode} lock on ${resource} ended at ${formatUs(ends.writeEndUs)} (${ends.writeEndHow})`
        : ` while ${client} held only ${lock.mode!} on ${resource} (since ${formatUs(lock.grantedUs)}), which does not permit writing`;
    } else {
      why = ends.endHow !== undefined
        ? `, but ${client}'s lock on ${resource} ended at ${formatUs(ends.endUs)} (${ends.endHow})`
        : ` without ${client} ever holding a lock on ${resource}`;
    }
    const others: string[] = [];
    const described: string[] = [];
    for (const g of strictHolders(lock.res, lock)) {
      if (g.mode === 'NL') continue;
      others.push(g.client);
      described.push(`${g.client} holds ${g.mode!} since ${formatUs(g.grantedUs)}`);
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
