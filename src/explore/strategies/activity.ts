/**
 * When clients hold or wait for locks: the window workload-aware fault placement draws into, and
 * what test/tools/fault-share.mjs measures a fault plan against.
 */
import type { NodeEventSink, TraceEvent, TraceFields } from '../../sim/index.js';

/** A half-open interval [fromUs, toUs) of true time. */
export interface SpanUs {
  fromUs: number;
  toUs: number;
}

/**
 * Reads `request` and `complete` events and keeps, per client, the spans in which it holds or
 * waits for at least one lock: from its `request` to lock or convert a resource until the
 * `complete` that leaves it nothing on any resource (anything but GRANTED ends a resource's
 * request: unlocked, cancelled, refused). It judges from the client's own events, since that is
 * the time a fault can disturb the client's use of the lock.
 */
export class LockActivity implements NodeEventSink {
  readonly messageEvents = false;
  private readonly open = new Map<string, { sinceUs: number; resources: Set<string> }>();
  private readonly closed: SpanUs[] = [];

  onNodeEvent(_seq: number, tUs: number, _node: string, type: string, fields: TraceFields | undefined): void {
    this.see(tUs, type, fields);
  }

  onEvent(event: TraceEvent): void {
    this.see(event.tUs, event.type, event.fields);
  }

  private see(tUs: number, type: string, fields: TraceFields | undefined): void {
    if (fields === undefined) return;
    const client = fields['client'];
    const resource = fields['resource'];
    if (typeof client !== 'string' || typeof resource !== 'string') return;
    if (type === 'request' && (fields['op'] === 'lock' || fields['op'] === 'convert')) {
      let held = this.open.get(client);
      if (held === undefined) this.open.set(client, (held = { sinceUs: tUs, resources: new Set() }));
      if (held.resources.size === 0) held.sinceUs = tUs;
      held.resources.add(resource);
    } else if (type === 'complete' && fields['status'] !== 'GRANTED') {
      const held = this.open.get(client);
      if (held === undefined || !held.resources.delete(resource)) return;
      if (held.resources.size === 0) this.closed.push({ fromUs: held.sinceUs, toUs: tUs });
    }
  }

  /** Every client's spans up to `endUs` (spans still open end there), merged into disjoint sorted ones. */
  spans(endUs: number): SpanUs[] {
    const all = [...this.closed];
    for (const held of this.open.values()) if (held.resources.size > 0) all.push({ fromUs: held.sinceUs, toUs: endUs });
    return mergeSpans(all.filter((s) => s.toUs > s.fromUs));
  }
}

/** The union of `spans` as disjoint spans in time order. */
export function mergeSpans(spans: readonly SpanUs[]): SpanUs[] {
  const sorted = [...spans].sort((a, b) => a.fromUs - b.fromUs || a.toUs - b.toUs);
  const merged: SpanUs[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s.fromUs <= last.toUs) last.toUs = Math.max(last.toUs, s.toUs);
    else merged.push({ ...s });
  }
  return merged;
}

/** Whether `tUs` lies in one of the disjoint sorted `spans`. */
export function withinSpans(spans: readonly SpanUs[], tUs: number): boolean {
  return spans.some((s) => s.fromUs <= tUs && tUs < s.toUs);
}
