/**
 * The kernel's records of the simulated world: nodes across incarnations, the routes their
 * messages take, and their pending timers and marks. Plain data with no behaviour, shared by
 * every part of the kernel (loop, messages, timers, fault application).
 *
 * Fields set in a constructor are `declare`d (see SimEvent for why).
 */
import type { NodeClock } from './clock.js';
import type { SimEvent } from './event.js';
import type { Link } from './network.js';
import { MessageRoute, TraceName } from './trace.js';
import type { ClockKind, Process, ProcessContext, ProcessFactory, Rng, TimerId, TraceFields } from './types.js';

/** A timer or mark whose true instant is queued (its event is `ev`). */
export const TIMER_SCHEDULED = 0;
/** A timer that fell due while its node was paused: its event waits in the node's held queue. */
export const TIMER_HELD = 1;
/** A timer or mark whose clock will never reach its reading: nothing is queued. */
export const TIMER_NEVER = 2;

/** A pending timer or mark. */
export class TimerRec {
  declare readonly id: TimerId;
  declare readonly node: NodeState;
  declare readonly clock: ClockKind;
  declare readonly localUs: number;
  declare readonly tag: unknown;
  /** For marks: the trace event to emit. */
  declare readonly type: string;
  declare readonly fields: TraceFields | undefined;
  declare readonly isMark: boolean;
  /** For marks: kept when the node crashes (MarkOptions.outlivesCrash). */
  declare readonly outlivesCrash: boolean;
  state = TIMER_NEVER;
  ev: SimEvent | null = null;

  constructor(
    id: TimerId,
    node: NodeState,
    clock: ClockKind,
    localUs: number,
    tag: unknown,
    isMark: boolean,
    type: string,
    fields: TraceFields | undefined,
    outlivesCrash: boolean,
  ) {
    this.id = id;
    this.node = node;
    this.clock = clock;
    this.localUs = localUs;
    this.tag = tag;
    this.isMark = isMark;
    this.type = type;
    this.fields = fields;
    this.outlivesCrash = outlivesCrash;
  }
}

/**
 * Where messages from one node to the node named `to` go: resolved once per (sender, name), so a
 * send does no string lookup, and carried by each delivery event, so an arrival does none either.
 * Links are never replaced, only reconfigured, so a route stays valid.
 */
export class Route extends MessageRoute {
  /** The destination's name as the sender gave it (what the sender's route cache compares). */
  declare readonly toId: string;
  declare readonly src: NodeState;
  declare readonly dst: NodeState;
  declare readonly link: Link;

  constructor(toId: string, src: NodeState, dst: NodeState, link: Link) {
    // A route is its own MessageRoute: the trace's message events name its two ends.
    super(src.name, dst.name);
    this.toId = toId;
    this.src = src;
    this.dst = dst;
    this.link = link;
  }
}

/** Everything the kernel knows about one node, across incarnations. */
export class NodeState {
  declare readonly index: number;
  declare readonly id: string;
  declare readonly factory: ProcessFactory;
  declare readonly clock: NodeClock;
  /** The id with its trace-hash digest, for message events. */
  declare readonly name: TraceName;
  readonly durable = new Map<string, unknown>();
  readonly rngs = new Map<string, Rng>();
  incarnation = -1;
  up = false;
  process: Process | null = null;
  /** The context of the live incarnation (null while down): a context that is not this one is stale. */
  ctx: ProcessContext | null = null;
  paused = false;
  pausedUntilUs = -1;
  held: SimEvent[] = [];
  readonly timers = new Map<TimerId, TimerRec>();
  readonly marks = new Map<TimerId, TimerRec>();
  /** Routes of the messages this node sends, by destination name, and the one used last. */
  readonly routes = new Map<string, Route>();
  lastRoute: Route | null = null;

  constructor(index: number, id: string, factory: ProcessFactory, clock: NodeClock) {
    this.index = index;
    this.id = id;
    this.factory = factory;
    this.clock = clock;
    this.name = new TraceName(id);
  }
}
