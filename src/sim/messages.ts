/**
 * Message passing: a send picks the route, traces `send`, asks the link when (or whether) the
 * message arrives and queues its delivery; a delivery traces `deliver` and runs the receiver's
 * onMessage, or is dropped (cut link, node down) or held (node paused).
 *
 * The message path is the bulk of every run, so routes and the trace names of message types are
 * resolved once and cached, and finished delivery events are reused by later sends.
 */
import type { KernelCore } from './core.js';
import { NodeNotReadyError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import { routeDropReason } from './network.js';
import { Route, type NodeState } from './node-state.js';
import { MessageType } from './trace.js';
import type { Message } from './types.js';

/** How many message types the kernel memoises trace names for (a process inventing types cannot grow it). */
const MAX_MESSAGE_TYPES = 4096;

/** How many finished delivery events the kernel keeps for reuse. */
const MAX_POOLED_EVENTS = 4096;

/** True when a message on `route` can be handed to its destination now (no cut, up, not paused). */
export function isReady(route: Route): boolean {
  return route.link.blocked === 0 && route.dst.up && !route.dst.paused;
}

/** Sends, delivers, drops and holds messages, and counts them. */
export class MessagePath {
  private declare readonly core: KernelCore;
  /**
   * Finished delivery events, reused by later sends: the first `poolSize` entries (a stack kept
   * by index; slots above it may still point at events that are back in use, and are overwritten).
   */
  private readonly pool: SimEvent[] = [];
  private poolSize = 0;
  /**
   * Trace names of message types, by type, in a prototype-less dictionary: every send looks its
   * type up here, and a keyed load of a type seen before costs less than a Map look-up.
   */
  private readonly names: Record<string, MessageType | undefined> = Object.create(null) as Record<string, MessageType | undefined>;
  private nameCount = 0;
  /** Messages sent, delivered to a process, and dropped (SimStats). */
  sent = 0;
  delivered = 0;
  dropped = 0;

  constructor(core: KernelCore) {
    this.core = core;
  }

  /** `src` sends `payload` to the node named `to`. */
  send(src: NodeState, to: string, payload: Message): void {
    let route = src.lastRoute;
    if (route === null || route.toId !== to) route = this.resolveRoute(src, to, payload);
    this.sent++;
    // timeUs(), not nowUs: a harness may send through a context between runs.
    const now = this.core.timeUs();
    // The type is read once, here: the delivery event carries it to the deliver trace event.
    const msg = this.core.traceKernel ? this.messageName(payload.type, src) : null;
    if (msg !== null) this.core.publisher.messageEvent(now, false, route, msg);
    const at = route.link.route(now);
    if (at < 0 || route.link.duplicateArrivalUs >= 0) {
      this.dropOrDuplicate(at, payload, route, msg);
      return;
    }
    this.enqueueDelivery(at, payload, route, msg);
  }

  /** The rest of send when the link dropped the message (`at` < 0) or duplicated it. */
  private dropOrDuplicate(at: number, payload: Message, route: Route, msg: MessageType | null): void {
    if (at < 0) {
      this.drop(route.src, route.src, route.dst, payload, routeDropReason(at));
      return;
    }
    this.enqueueDelivery(at, payload, route, msg);
    this.enqueueDelivery(route.link.duplicateArrivalUs, payload, route, msg);
  }

  /** The route from `src` to the node named `to` (cached per sender), or a SimError for an unknown node. */
  private resolveRoute(src: NodeState, to: string, payload: Message): Route {
    let route = src.routes.get(to);
    if (route === undefined) {
      const dst = this.core.byId.get(to);
      if (dst === undefined) {
        throw new SimError(`lockstep: node ${src.id} sent '${String(payload.type)}' to unknown node '${to}'`, this.core.nowUs, src.id);
      }
      route = new Route(to, src, dst, this.core.network.link(src.index, dst.index));
      src.routes.set(to, route);
    }
    src.lastRoute = route;
    return route;
  }

  /** The trace form of message type `type`, memoised so the hash finds its precomputed term. */
  private messageName(type: string, src: NodeState): MessageType {
    return (typeof type === 'string' ? this.names[type] : undefined) ?? this.newMessageName(type, src);
  }

  /**
   * The trace form of a type not seen before, memoised while fewer than MAX_MESSAGE_TYPES are; a
   * type that is not a string is refused here, off the path of every send that repeats a type.
   */
  private newMessageName(type: string, src: NodeState): MessageType {
    if (typeof type !== 'string') {
      throw new SimError(`lockstep: node ${src.id} sent a message whose type is ${String(type)}, not a string`, this.core.nowUs, src.id);
    }
    const name = new MessageType(type);
    if (this.nameCount < MAX_MESSAGE_TYPES) {
      this.names[type] = name;
      this.nameCount++;
    }
    return name;
  }

  /** Queue the arrival of `payload` at `at`, in an event recycled from the pool when one is free. */
  private enqueueDelivery(at: number, payload: Message, route: Route, msg: MessageType | null): void {
    const ev = this.poolSize === 0 ? new SimEvent(0, EventKind.Deliver, -1, -1, null, null) : this.pool[--this.poolSize]!;
    ev.timeUs = at;
    ev.node = route.dst.index;
    ev.from = route.src.index;
    ev.data = payload;
    ev.link = route;
    ev.msgType = msg;
    this.core.push(ev);
  }

  /** Return a finished delivery event to the pool (never one that is still queued or held). */
  recycle(ev: SimEvent): void {
    if (this.poolSize < MAX_POOLED_EVENTS) {
      ev.data = null;
      ev.link = null;
      this.pool[this.poolSize++] = ev;
    }
  }

  /** Hand a message to its destination's process (which must be up and not paused). */
  deliver(route: Route, payload: Message, msg: MessageType | null): void {
    const dst = route.dst;
    if (dst.process === null || dst.paused) this.notReady(dst, payload);
    this.delivered++;
    if (msg !== null) this.core.publisher.messageEvent(this.core.nowUs, true, route, msg);
    try {
      dst.process.onMessage(dst.ctx!, route.src.id, payload);
    } catch (e) {
      this.core.fail(e, dst, 'onMessage');
    }
  }

  /** Refuses the delivery of `payload` to `dst`, which is down or paused (the kernel only delivers to ready nodes). */
  private notReady(dst: NodeState, payload: Message): never {
    throw new NodeNotReadyError(`a '${String(payload.type)}' was delivered`, this.core.nowUs, dst.id);
  }

  /** A message arrives over a cut link, at a node that is down (both drop it) or paused (held). */
  arriveAtUnready(route: Route, ev: SimEvent): void {
    const dst = route.dst;
    if (route.link.blocked > 0) {
      this.drop(dst, route.src, dst, ev.data as Message, 'partition');
    } else if (!dst.up) {
      this.drop(dst, route.src, dst, ev.data as Message, 'down');
    } else {
      this.core.hold(dst, ev);
      return;
    }
    this.recycle(ev);
  }

  /** Count and trace (at node `at`) the drop of `payload` from `src` to `dst`. */
  private drop(at: NodeState, src: NodeState, dst: NodeState, payload: Message, reason: string): void {
    this.dropped++;
    this.core.emitWithLocal(at, 'drop', { from: src.id, to: dst.id, msg: payload.type, reason });
  }
}
