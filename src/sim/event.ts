/**
 * The kernel's unit of work: one pending event in the queue.
 *
 * Events are small monomorphic objects (one class, every field initialised in the constructor)
 * because the queue is the hot path: a sweep pushes and pops millions of them. What an event
 * means depends on `kind`; `node` and `from` are node indices (see `Simulation.nodeIds()`), and
 * `data` carries the payload for that kind (a message, a timer record, a fault).
 *
 * Order: by (`timeUs`, `seq`). `seq` is a global, strictly increasing counter the kernel assigns
 * when it enqueues, so two events at the same instant run in the order they were created.
 *
 * Cancelled events stay queued with `cancelled = true` (lazy deletion keeps the heap free of
 * position bookkeeping); the kernel skips them when popped. A scheduler that enumerates choices
 * (exhaustive exploration) should ignore cancelled events when listing what is enabled.
 */

/** What an event does when it runs. Numeric so that the kernel's dispatch is a cheap switch. */
export const EventKind = {
  /** Build a node's process and call onStart. */
  Start: 0,
  /** A message arrives at `node` from `from`. */
  Deliver: 1,
  /** A timer of `node` is due (data: the timer record). */
  Timer: 2,
  /** A mark of `node` is due (data: the mark record). */
  Mark: 3,
  /** A fault from the plan takes effect (data: the Fault). */
  Fault: 4,
  /** A pause of `node` ends. */
  Resume: 5,
  /** A crashed `node` restarts. */
  Restart: 6,
  /** A partition heals (data: the partition record). */
  Heal: 7,
  /** A delay window ends (data: the window record). */
  DelayEnd: 8,
  /** A drop window ends (data: the window record). */
  DropEnd: 9,
} as const;

/** One of the {@link EventKind} values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/**
 * One queued event. Fields are public and mutable for the kernel and the schedulers only.
 *
 * The fields are `declare`d and set in the constructor, so no class-field definition is emitted:
 * a defined field starts out `undefined`, which would make V8 keep even the integer times as
 * generic tagged values, and the heap compares them on every sift.
 */
export class SimEvent {
  /** True time at which the event is due, integer microseconds. */
  declare timeUs: number;
  /** Global enqueue order; the tie-break for equal times. Assigned by the kernel on push. */
  declare seq: number;
  declare kind: EventKind;
  /** Index of the node the event acts on, or -1 for events that belong to no node. */
  declare node: number;
  /** For deliveries: index of the sending node; otherwise -1. */
  declare from: number;
  /** Kind-specific payload. */
  declare data: unknown;
  /** For deliveries: the kernel's record of the route the message travels (kernel-internal). */
  declare link: unknown;
  /** For traced deliveries: the message's type as the trace names it, read once at send (kernel-internal). */
  declare msgType: unknown;
  /** Set when the event must not run any more (cancelled timer, superseded reschedule). */
  declare cancelled: boolean;

  constructor(timeUs: number, kind: EventKind, node: number, from: number, data: unknown, link: unknown) {
    this.timeUs = timeUs;
    this.seq = 0;
    this.kind = kind;
    this.node = node;
    this.from = from;
    this.data = data;
    this.link = link;
    this.msgType = null;
    this.cancelled = false;
  }
}
