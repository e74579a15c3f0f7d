/**
 * The one owner of every path by which trace events reach listeners, and of their sequence
 * numbers. Each event takes the next seq whichever path carries it, so the trace, its hash and
 * the checkers all see one numbering.
 *
 * The paths, cheapest first (chosen again whenever a listener is added):
 * - message events (`send`, `deliver`), when the only listener reading them is a TraceHasher:
 *   straight to it, no event object;
 * - message events, when every listener reading them is a MessageEventSink: as arguments;
 * - node events, when every listener is a NodeEventSink: as arguments, `local` apart (no copy of
 *   the fields);
 * - otherwise an event object (a MessageTraceEvent for message events, to the listeners that
 *   read them; a plain TraceEvent to every listener).
 *
 * A listener may itself emit (a checker tracing a `violation`): such an event waits until the
 * current one has reached every listener, so all listeners see the same events in seq order.
 */
import {
  MessageTraceEvent,
  TraceHasher,
  isMessageEventSink,
  isNodeEventSink,
  readsMessageEvents,
  withLocal,
  type MessageEventSink,
  type MessageRoute,
  type MessageType,
  type NodeEventSink,
} from './trace.js';
import type { TraceEvent, TraceFields, TraceListener } from './types.js';

/** Hands every trace event to the listeners, by the cheapest path they all accept. */
export class TracePublisher {
  private declare readonly listeners: TraceListener[];
  /** The listeners that read message events (TraceListener.messageEvents). */
  private declare messageListeners: TraceListener[];
  /** Those, when every one takes message events as arguments (no event objects needed). */
  private declare messageSinks: MessageEventSink[] | null;
  /** The listeners, when every one also takes node events as arguments (no event objects, no field copies). */
  private declare nodeSinks: NodeEventSink[] | null;
  /** The one listener that reads message events, when it is a TraceHasher (they go straight to it). */
  private declare soleHasher: TraceHasher | null;
  /** Most events listeners may emit while one is being published (the run's event bound). */
  private declare readonly maxNested: number;
  /** Throws the run's bound error when listeners emit more than `maxNested` events at once. */
  private declare readonly overflow: () => never;
  /** True while listeners are being called; events emitted then wait in `nested`. */
  private publishing = false;
  private readonly nested: TraceEvent[] = [];
  private nextSeq = 0;

  constructor(listeners: readonly TraceListener[], maxNested: number, overflow: () => never) {
    this.listeners = [...listeners];
    this.maxNested = maxNested;
    this.overflow = overflow;
    this.messageListeners = [];
    this.messageSinks = null;
    this.nodeSinks = null;
    this.soleHasher = null;
    this.choosePaths();
  }

  /** Events published so far (every one took a seq, so this is the next seq). */
  get count(): number {
    return this.nextSeq;
  }

  addListener(l: TraceListener): void {
    this.listeners.push(l);
    this.choosePaths();
  }

  /** Pick the cheapest paths the current listeners all accept. */
  private choosePaths(): void {
    const ls = this.listeners;
    const readers = ls.filter(readsMessageEvents);
    this.messageListeners = readers;
    this.messageSinks = readers.every(isMessageEventSink) ? (readers as MessageEventSink[]) : null;
    this.nodeSinks = ls.every(isNodeEventSink) ? (ls as NodeEventSink[]) : null;
    this.soleHasher = readers.length === 1 && readers[0] instanceof TraceHasher ? readers[0] : null;
  }

  /**
   * An event of a simulated node, with its wall reading `localMs` (which the caller made sure
   * its fields do not carry): `local` is appended to the fields, or passed apart to node sinks.
   */
  nodeEvent(tUs: number, node: string, type: string, fields: TraceFields | undefined, localMs: number): void {
    const sinks = this.nodeSinks;
    if (sinks === null || this.publishing) {
      this.event(tUs, node, type, withLocal(fields, localMs));
      return;
    }
    const seq = this.nextSeq++;
    this.publishing = true;
    try {
      for (let i = 0; i < sinks.length; i++) sinks[i]!.onNodeEvent(seq, tUs, node, type, fields, localMs);
      this.drainNested();
    } finally {
      this.endPublishing();
    }
  }

  /**
   * The send (`deliver` false) or deliver event of a message of type `msg` on `route` (its
   * fields are built only if a listener asks), to the listeners that read message events. A sole
   * TraceHasher is called directly: it emits nothing, so nothing can queue behind it, and no
   * listener is mid-publish here (processes, which send, never run inside a listener).
   */
  messageEvent(tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void {
    const hasher = this.soleHasher;
    if (hasher !== null) hasher.onMessageEvent(this.nextSeq++, tUs, deliver, route, msg);
    else this.publishMessage(tUs, deliver, route, msg);
  }

  /** messageEvent for listeners other than a sole hasher. */
  private publishMessage(tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void {
    const sinks = this.messageSinks;
    if (sinks !== null && !this.publishing) {
      const seq = this.nextSeq++;
      this.publishing = true;
      try {
        for (let i = 0; i < sinks.length; i++) sinks[i]!.onMessageEvent(seq, tUs, deliver, route, msg);
        this.drainNested();
      } finally {
        this.endPublishing();
      }
      return;
    }
    this.publish(new MessageTraceEvent(this.nextSeq++, tUs, deliver, route, msg), this.messageListeners);
  }

  /** An event with its fields as given: of no simulated node, or already carrying `local`. */
  event(tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    this.publish({ seq: this.nextSeq++, tUs, node, type, fields });
  }

  /** Hand `e` to every listener in `ls` in order, or queue it behind the one being published. */
  private publish(e: TraceEvent, ls: readonly TraceListener[] = this.listeners): void {
    if (this.publishing) {
      // Only listeners emit while publishing, and they never emit message events.
      if (this.nested.length >= this.maxNested) this.overflow();
      this.nested.push(e);
      return;
    }
    this.publishing = true;
    try {
      for (let i = 0; i < ls.length; i++) ls[i]!.onEvent(e);
      this.drainNested();
    } finally {
      this.endPublishing();
    }
  }

  /** Publish the events listeners emitted while being called (the queue may grow meanwhile). */
  private drainNested(): void {
    if (this.nested.length === 0) return;
    const ls = this.listeners;
    for (let j = 0; j < this.nested.length; j++) {
      const next = this.nested[j]!;
      for (let i = 0; i < ls.length; i++) ls[i]!.onEvent(next);
    }
  }

  /** The end of a publication, however it ended: listeners may emit directly again. */
  private endPublishing(): void {
    this.publishing = false;
    if (this.nested.length !== 0) this.nested.length = 0;
  }
}
