/**
 * The `belief-overlap` observation (DESIGN §4, INV-ME-belief of pitfalls §0). Not a violation:
 * fencing cannot prevent it, only make it harmless, and the report shows which.
 *
 * A client believes it holds a mode on a resource from the `complete` GRANTED that tells it so.
 * After that, each `complete` sets the belief to the mode it carries (the mode now held; absent =
 * none), so a conversion changes the believed mode and UNLOCKED ends it; an outcome other than
 * GRANTED never starts a belief (the report's belief bars, src/report/derive.ts, agree). The belief also ends when the client
 * sends its `unlock` request, when the client crashes, and — for lease-checking clients only —
 * at its `lapse` mark (its own lease deadline passing on its own clock). A naive client, paused
 * past its lease, keeps believing.
 *
 * Whenever two clients' beliefs on one resource are in incompatible modes, an overlap is open;
 * it closes when either belief ends or becomes compatible, and is emitted then as one true-time
 * interval [fromUs, toUs] (or at `finish`, closed at the end of the run). Zero-length overlaps
 * (two events at the same instant) are not reported.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { LockTable, TableChecker, pushLock, removeLock, type LockState, type ResourceState, type LockSlot, type ResourceSlot } from './lock-table.js';
import { compatible } from './modes.js';

/** An overlap open on a resource. */
export interface Overlap {
  /** The earlier believer, then the other. */
  nodes: [string, string];
  fromUs: number;
}

function pairKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}

/** Per lock: the mode its client believes it holds, and since when. */
export class Belief {
  /** The mode the client believes it holds; undefined: no belief. */
  mode: ModeName | undefined = undefined;
  sinceUs = 0;
  /** Order of the belief's start among all beliefs (ties of equal times). */
  order = 0;
}

/** Per resource: its believers and its open overlaps. */
export class ResourceBeliefs {
  /** The locks whose client believes it holds one, in the order the beliefs started. */
  readonly believers: LockState[] = [];
  /** When `believers` last went from empty to not (the order of resources at a crash). */
  believedOrder = 0;
  /** The overlaps open on this resource, by client pair; undefined: none. */
  overlaps: Map<string, Overlap> | undefined = undefined;
}

export class BeliefOverlapChecker extends TableChecker implements Checker {
  readonly name = 'belief-overlap' as const;
  readonly reads: readonly CheckedType[] = ['complete', 'request', 'lapse', 'crash'];
  /** The resources with open overlaps, in the order the first of each opened (the order `finish` closes them in). */
  private readonly open = new Map<string, ResourceState>();
  private starts = 0;
  private fills = 0;
  private readonly beliefs: LockSlot<Belief>;
  private readonly resources: ResourceSlot<ResourceBeliefs>;

  /**
   * @param leaseChecking clients whose belief ends at their `lapse` mark
   * @param shared the run's table, committed by the CheckerSet; omit to keep a private one
   */
  constructor(
    private readonly leaseChecking: ReadonlySet<string> = new Set(),
    shared?: LockTable,
  ) {
    super(shared);
    // Its own slots: per lock, the client's belief; per resource, its believers and open overlaps.
    this.beliefs = this.table.lockSlot(() => new Belief());
    this.resources = this.table.resourceSlot(() => new ResourceBeliefs());
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    // (Beliefs read no grant, so a private table needs no commit.)
    if (this.own !== null) this.own.resolve(e);
    switch (e.type) {
      case 'complete': {
        const lock = this.table.lock!;
        // Only GRANTED starts a belief; any outcome may change or end one (mode absent = none).
        if (e.fields.status !== 'GRANTED' && this.beliefs.of(lock).mode === undefined) return;
        this.believe(lock, e.fields.mode, e.tUs, sink);
        return;
      }
      case 'request':
        if (e.fields.op === 'unlock') this.believe(this.table.lock!, undefined, e.tUs, sink);
        return;
      case 'lapse':
        if (this.leaseChecking.has(e.fields.client)) this.believe(this.table.lock!, undefined, e.tUs, sink);
        return;
      case 'crash': {
        // Ended resource by resource in the order their beliefs began (rare: a sort is fine).
        const held = this.table.locksOf(e.crashed).filter((lock) => this.beliefs.of(lock).mode !== undefined);
        held.sort((a, b) => this.resources.of(a.res).believedOrder - this.resources.of(b.res).believedOrder);
        for (const lock of held) this.believe(lock, undefined, e.tUs, sink);
        return;
      }
      default:
        return;
    }
  }

  /** Set `lock`'s belief to `mode` (undefined: none) at `atUs`, opening and closing overlaps. */
  private believe(lock: LockState, mode: ModeName | undefined, atUs: number, sink: CheckSink): void {
    const mine = this.beliefs.of(lock);
    const before = mine.mode;
    if (before === mode) return;
    const res = lock.res;
    const beliefs = this.resources.of(res);
    const believers = beliefs.believers;
    mine.mode = mode;
    if (mode === undefined) removeLock(believers, lock);
    else if (before === undefined) {
      mine.sinceUs = atUs;
      mine.order = this.starts++;
      if (believers.length === 0) beliefs.believedOrder = ++this.fills;
      pushLock(believers, lock, 'the believers');
    }
    let overlaps = beliefs.overlaps;
    for (let i = 0; i < believers.length; i++) {
      const theirs = believers[i]!;
      if (theirs === lock) continue;
      const their = this.beliefs.of(theirs);
      const clash = mode !== undefined && !compatible(their.mode!, mode);
      // Nothing open on the resource and nothing to open: no key to build (the common case).
      if (!clash && overlaps === undefined) continue;
      const key = pairKey(lock.client, theirs.client);
      const current = overlaps?.get(key);
      if (clash && current === undefined) {
        const firstIsOther = their.sinceUs < mine.sinceUs || (their.sinceUs === mine.sinceUs && their.order < mine.order);
        if (overlaps === undefined) {
          overlaps = new Map();
          beliefs.overlaps = overlaps;
          this.open.set(res.name, res);
        }
        overlaps.set(key, { nodes: firstIsOther ? [theirs.client, lock.client] : [lock.client, theirs.client], fromUs: atUs });
      } else if (!clash && current !== undefined) {
        overlaps!.delete(key);
        this.emit(res.name, current, atUs, sink);
      }
    }
    if (overlaps !== undefined && overlaps.size === 0) {
      beliefs.overlaps = undefined;
      this.open.delete(res.name);
    }
  }

  private emit(resource: string, overlap: Overlap, toUs: number, sink: CheckSink): void {
    if (toUs <= overlap.fromUs) return;
    sink.observation({ kind: 'belief-overlap', fromUs: overlap.fromUs, toUs, resource, nodes: [...overlap.nodes] });
  }

  finish(endUs: number, sink: CheckSink): void {
    for (const res of this.open.values()) {
      const beliefs = this.resources.of(res);
      for (const overlap of beliefs.overlaps!.values()) this.emit(res.name, overlap, endUs, sink);
      beliefs.overlaps = undefined;
    }
    this.open.clear();
  }
}
