/**
 * What a process sees of the world: its node's id, incarnation, durable state, clocks, timers,
 * marks, named random streams, and message sending. Never true time (DESIGN §2).
 */
import type { KernelCore } from './core.js';
import { SimError } from './errors.js';
import type { MessagePath } from './messages.js';
import type { NodeState } from './node-state.js';
import { deriveRng } from './rng.js';
import type { TimerTable } from './timers.js';
import type { ClockKind, MarkOptions, Message, ProcessContext, Rng, TimerId, TraceFields } from './types.js';

/** The context one incarnation of a node sees. Stale once its incarnation has crashed. */
export class NodeContext implements ProcessContext {
  declare readonly id: string;
  declare readonly incarnation: number;
  declare readonly durable: Map<string, unknown>;
  private declare readonly core: KernelCore;
  private declare readonly timers: TimerTable;
  private declare readonly messages: MessagePath;
  private declare readonly node: NodeState;

  constructor(core: KernelCore, timers: TimerTable, messages: MessagePath, node: NodeState) {
    this.core = core;
    this.timers = timers;
    this.messages = messages;
    this.node = node;
    this.id = node.id;
    this.incarnation = node.incarnation;
    this.durable = node.durable;
  }

  private live(what: string): NodeState {
    const node = this.node;
    if (node.ctx !== this) this.stale(what);
    return node;
  }

  private stale(what: string): never {
    throw new SimError(
      `lockstep: node ${this.node.id} incarnation ${this.incarnation} called ${what} after it crashed (a stale context)`,
      this.core.nowUs,
      this.node.id,
    );
  }

  now(clock: ClockKind): number {
    return this.node.clock.read(clock, this.core.timeUs());
  }

  send(to: string, payload: Message): void {
    this.messages.send(this.live('send'), to, payload);
  }

  setTimer(delayUs: number, tag: unknown, clock: ClockKind = 'mono'): TimerId {
    const node = this.live('setTimer');
    if (!(delayUs >= 0 && delayUs < Infinity)) {
      throw new SimError(`lockstep: node ${node.id} set a timer with delay ${delayUs} µs`, this.core.nowUs, node.id);
    }
    return this.timers.arm(node, node.clock.read(clock, this.core.timeUs()) + delayUs, clock, tag, false, '', undefined, false);
  }

  setTimerAt(localUs: number, clock: ClockKind, tag: unknown): TimerId {
    return this.timers.arm(this.live('setTimerAt'), localUs, clock, tag, false, '', undefined, false);
  }

  cancelTimer(id: TimerId): void {
    this.timers.disarm(this.live('cancelTimer').timers, id);
  }

  markAt(localUs: number, clock: ClockKind, type: string, fields: TraceFields, opts?: MarkOptions): TimerId {
    const node = this.live('markAt');
    this.core.checkFields(type, fields, node.id, true);
    return this.timers.arm(node, localUs, clock, undefined, true, type, fields, opts?.outlivesCrash === true);
  }

  cancelMark(id: TimerId): void {
    this.timers.disarm(this.live('cancelMark').marks, id);
  }

  rng(name: string): Rng {
    const node = this.node;
    let r = node.rngs.get(name);
    if (r === undefined) {
      r = deriveRng(this.core.seed, `node/${node.id}/${name}`);
      node.rngs.set(name, r);
    }
    return r;
  }

  trace(type: string, fields?: TraceFields): void {
    const node = this.live('trace');
    this.core.checkFields(type, fields, node.id, true);
    this.core.emitWithLocal(node, type, fields);
  }
}
