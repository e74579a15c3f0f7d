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
import type { ModeName } from './events.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { compatible } from './modes.js';
import { PairMap } from './pair-map.js';

interface Belief {
  mode: ModeName;
  /** When this client started believing (the first mode of an unbroken belief). */
  sinceUs: number;
  /** Order of that start among all beliefs, to break ties between equal times. */
  order: number;
}

interface Overlap {
  /** The earlier believer, then the other. */
  nodes: [string, string];
  fromUs: number;
}

function pairKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}

export class BeliefOverlapChecker implements Checker {
  readonly name = 'belief-overlap' as const;
  readonly reads: readonly CheckedType[] = ['complete', 'request', 'lapse', 'crash'];
  private readonly beliefs = new PairMap<Belief>();
  private readonly open = new Map<string, Map<string, Overlap>>();
  private starts = 0;

  /** @param leaseChecking clients whose belief ends at their `lapse` mark */
  constructor(private readonly leaseChecking: ReadonlySet<string> = new Set()) {}

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'complete':
        // Only GRANTED starts a belief; any outcome may change or end one (mode absent = none).
        if (e.fields.status !== 'GRANTED' && this.beliefs.get(e.fields.client, e.fields.resource) === undefined) return;
        this.believe(e.fields.client, e.fields.resource, e.fields.mode, e.tUs, sink);
        return;
      case 'request':
        if (e.fields.op === 'unlock') this.believe(e.fields.client, e.fields.resource, undefined, e.tUs, sink);
        return;
      case 'lapse':
        if (this.leaseChecking.has(e.fields.client)) this.believe(e.fields.client, e.fields.resource, undefined, e.tUs, sink);
        return;
      case 'crash': {
        const held: string[] = [];
        for (const [client, resource] of this.beliefs.all()) if (client === e.crashed) held.push(resource);
        for (const resource of held) this.believe(e.crashed, resource, undefined, e.tUs, sink);
        return;
      }
      default:
        return;
    }
  }

  /** Set `client`'s belief on `resource` to `mode` (undefined: none) at `atUs`, opening and closing overlaps. */
  private believe(client: string, resource: string, mode: ModeName | undefined, atUs: number, sink: CheckSink): void {
    const before = this.beliefs.get(client, resource);
    if (before?.mode === mode) return;
    if (mode === undefined) this.beliefs.delete(client, resource);
    else this.beliefs.set(client, resource, before !== undefined ? { ...before, mode } : { mode, sinceUs: atUs, order: this.starts++ });
    const mine = this.beliefs.get(client, resource);
    let overlaps = this.open.get(resource);
    for (const [other, theirs] of this.beliefs.onResource(resource)) {
      if (other === client) continue;
      const clash = mine !== undefined && !compatible(theirs.mode, mine.mode);
      // Nothing open on the resource and nothing to open: no key to build (the common case).
      if (!clash && overlaps === undefined) continue;
      const key = pairKey(client, other);
      const current = overlaps?.get(key);
      if (clash && current === undefined) {
        const firstIsOther = theirs.sinceUs < mine.sinceUs || (theirs.sinceUs === mine.sinceUs && theirs.order < mine.order);
        if (overlaps === undefined) {
          overlaps = new Map();
          this.open.set(resource, overlaps);
        }
        overlaps.set(key, { nodes: firstIsOther ? [other, client] : [client, other], fromUs: atUs });
      } else if (!clash && current !== undefined) {
        overlaps!.delete(key);
        this.emit(resource, current, atUs, sink);
      }
    }
    if (overlaps !== undefined && overlaps.size === 0) this.open.delete(resource);
  }

  private emit(resource: string, overlap: Overlap, toUs: number, sink: CheckSink): void {
    if (toUs <= overlap.fromUs) return;
    sink.observation({ kind: 'belief-overlap', fromUs: overlap.fromUs, toUs, resource, nodes: [...overlap.nodes] });
  }

  finish(endUs: number, sink: CheckSink): void {
    for (const [resource, overlaps] of this.open) {
      for (const overlap of overlaps.values()) this.emit(resource, overlap, endUs, sink);
    }
    this.open.clear();
  }
}
