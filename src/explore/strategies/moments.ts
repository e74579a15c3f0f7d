/**
 * Protocol-moment triggers: a drawn fault armed at its placed time fires at the first protocol
 * moment it waits for ("a client learns it holds a lock", "a grant is in flight", "the managers
 * start a recovery", "a lease was just renewed"), read from the trace events the run already
 * emits, and is injected right then through the kernel's fault injector. What fired is kept as
 * plain faults at their true times, so the result, the report and a replay show them as any other.
 */
import type { Fault, NodeEventSink, Rng, Simulation, TraceEvent, TraceFields } from '../../sim/index.js';
import type { FaultMoment } from '../../scenario/index.js';

/** A drawn fault waiting for its moment from `fault.atUs` to `untilUs`. */
export interface ArmedFault {
  fault: Fault;
  moment: FaultMoment;
  untilUs: number;
}

/** What the faults wait for. */
export interface MomentOptions {
  on: readonly FaultMoment[];
  /** Only these clients' moments count (hold, grant, renewal); undefined: any client. */
  clients: readonly string[] | undefined;
  withinUs: number;
}

/** Arms each fault of `faults` (placed times) with a moment drawn from `rng`: one pick per fault when there is a choice. */
export function armFaults(faults: readonly Fault[], options: MomentOptions, rng: Rng): ArmedFault[] {
  return faults.map((fault) => ({
    fault,
    moment: options.on.length === 1 ? options.on[0]! : rng.pick(options.on),
    untilUs: fault.atUs + options.withinUs,
  }));
}

/** Whether the event (node, type, fields) is `moment`, for the given client filter. */
export function isMoment(moment: FaultMoment, type: string, fields: TraceFields | undefined, clients: readonly string[] | undefined): boolean {
  const of = (client: unknown) => clients === undefined || (typeof client === 'string' && clients.includes(client));
  switch (moment) {
    case 'hold':
      return type === 'complete' && fields?.['status'] === 'GRANTED' && of(fields['client']);
    case 'grant':
      return type === 'grant' && of(fields?.['client']);
    case 'recovery':
      return type === 'dlm-reset' || (type === 'dlm-view' && Array.isArray(fields?.['dead']) && (fields['dead'] as unknown[]).length > 0);
    case 'renewal':
      return type === 'deliver' && fields?.['msg'] === 'ka-ack' && of(fields['to']);
  }
}

/**
 * The trace listener that fires armed faults. An armed fault fires at the first of its moments
 * at or after its placed time, and is dropped if none comes by `untilUs`; faults that fire on the
 * same event are injected in their plan order. `fired` lists what was injected, in time order.
 */
export class MomentTrigger implements NodeEventSink {
  readonly messageEvents: boolean;
  readonly fired: Fault[] = [];
  private waiting: ArmedFault[];

  constructor(
    armed: readonly ArmedFault[],
    private readonly clients: readonly string[] | undefined,
    private readonly sim: Simulation,
  ) {
    this.waiting = [...armed].sort((a, b) => a.fault.atUs - b.fault.atUs);
    this.messageEvents = armed.some((a) => a.moment === 'renewal');
  }

  onNodeEvent(_seq: number, tUs: number, _node: string, type: string, fields: TraceFields | undefined): void {
    this.see(tUs, type, fields);
  }

  onEvent(event: TraceEvent): void {
    this.see(event.tUs, event.type, event.fields);
  }

  private see(tUs: number, type: string, fields: TraceFields | undefined): void {
    if (this.waiting.length === 0 || tUs < this.waiting[0]!.fault.atUs) return;
    const due: Fault[] = [];
    const still: ArmedFault[] = [];
    for (const a of this.waiting) {
      if (tUs > a.untilUs) continue;
      if (tUs >= a.fault.atUs && isMoment(a.moment, type, fields, this.clients)) due.push({ ...a.fault, atUs: tUs });
      else still.push(a);
    }
    this.waiting = still;
    if (due.length === 0) return;
    this.sim.addFaults(due);
    this.fired.push(...due);
  }
}
