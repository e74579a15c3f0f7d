/**
 * Protocol-moment triggers: a drawn fault fires at a protocol moment ("a client's lock request is
 * in flight", "a client learns it holds a lock", "a grant is in flight", "the managers start a
 * recovery", "a lease was just renewed"), read from the trace events the run already emits, and is
 * injected right then through the kernel's fault injector. What fired is kept as plain faults at
 * their true times, so the result, the report and a replay show them as any other.
 *
 * Where a fault waits: moments can be rare and short (a request is in flight for a few ms), so a
 * fault armed at a time drawn over the run would rarely meet one. The fault-free pilot run of the
 * same seed (see placement.ts) logs every moment it passes; each fault is armed at one of them,
 * picked by the fault's drawn time (the same fraction of the way through the moments of its kind
 * as through the run), preferring moments its own node takes part in (a pause of c1 waits for c1's
 * request, not c2's). The faulted run is the pilot until its first fault strikes, so that fault
 * meets its moment exactly; later ones meet the first moment of their kind at or after theirs.
 */
import type { Fault, NodeEventSink, Rng, Simulation, TraceEvent, TraceFields } from '../../sim/index.js';
import type { FaultMoment } from '../../scenario/index.js';

/**
 * A drawn fault waiting for its moment from `fault.atUs` to `untilUs`; with `involving`, only a
 * moment that one of those nodes takes part in.
 */
export interface ArmedFault {
  fault: Fault;
  moment: FaultMoment;
  untilUs: number;
  involving?: readonly string[] | undefined;
}

/** A moment the pilot run passed: when, which, and the nodes taking part. */
export interface MomentSeen {
  tUs: number;
  moment: FaultMoment;
  nodes: readonly string[];
}

/** What the faults wait for. */
export interface MomentOptions {
  on: readonly FaultMoment[];
  /** Only these clients' moments count (request, hold, grant, renewal); undefined: any client. */
  clients: readonly string[] | undefined;
  withinUs: number;
}

/**
 * Arms each fault (its uniformly drawn time in `drawn[i]`, its workload-placed time in
 * `placed[i]`) with a moment drawn from `rng` (one pick per fault when there is a choice) and the
 * pilot's occurrence of that moment it waits for (see the module comment). A fault whose moment
 * the pilot never passed waits from its placed time.
 */
export function armFaults(drawn: readonly Fault[], placed: readonly Fault[], options: MomentOptions, rng: Rng, seen: readonly MomentSeen[], durationUs: number): ArmedFault[] {
  return drawn.map((fault, i) => {
    const moment = options.on.length === 1 ? options.on[0]! : rng.pick(options.on);
    const nodes = faultNodes(fault);
    const ofKind = seen.filter((m) => m.moment === moment);
    const involved = ofKind.filter((m) => m.nodes.some((n) => nodes.includes(n)));
    const pool = involved.length > 0 ? involved : ofKind;
    if (pool.length === 0) {
      const at = placed[i]!;
      return { fault: at, moment, untilUs: at.atUs + options.withinUs };
    }
    const fraction = durationUs > 0 ? Math.min(1, Math.max(0, fault.atUs / durationUs)) : 0;
    const occurrence = pool[Math.min(pool.length - 1, Math.floor(fraction * pool.length))]!;
    return {
      fault: { ...fault, atUs: occurrence.tUs },
      moment,
      untilUs: occurrence.tUs + options.withinUs,
      involving: involved.length > 0 ? nodes : undefined,
    };
  });
}

/** The nodes a fault strikes: its node, the two ends of its link, or every node it cuts apart. */
function faultNodes(fault: Fault): string[] {
  switch (fault.kind) {
    case 'delay':
    case 'drop':
      return [fault.from, fault.to];
    case 'partition':
      return fault.groups.flat();
    default:
      return [fault.node];
  }
}

/** The nodes taking part in a moment's event: the node that traced it, its client, its addressee. */
function momentNodes(node: string, fields: TraceFields | undefined): string[] {
  const nodes = [node];
  for (const key of ['client', 'to']) {
    const value = fields?.[key];
    if (typeof value === 'string' && !nodes.includes(value)) nodes.push(value);
  }
  return nodes;
}

/** Logs the moments of `on` a run passes (the pilot's, see the module comment). */
export class MomentLog implements NodeEventSink {
  readonly messageEvents: boolean;
  readonly seen: MomentSeen[] = [];

  constructor(
    private readonly on: readonly FaultMoment[],
    private readonly clients: readonly string[] | undefined,
  ) {
    this.messageEvents = on.includes('renewal');
  }

  onNodeEvent(_seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    this.see(tUs, node, type, fields);
  }

  onEvent(event: TraceEvent): void {
    this.see(event.tUs, event.node, event.type, event.fields);
  }

  private see(tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    for (const moment of this.on) {
      if (isMoment(moment, type, fields, this.clients)) this.seen.push({ tUs, moment, nodes: momentNodes(node, fields) });
    }
  }
}

/** Whether the event (node, type, fields) is `moment`, for the given client filter. */
export function isMoment(moment: FaultMoment, type: string, fields: TraceFields | undefined, clients: readonly string[] | undefined): boolean {
  const of = (client: unknown) => clients === undefined || (typeof client === 'string' && clients.includes(client));
  switch (moment) {
    case 'request':
      return type === 'request' && (fields?.['op'] === 'lock' || fields?.['op'] === 'convert') && of(fields['client']);
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

  onNodeEvent(_seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    this.see(tUs, node, type, fields);
  }

  onEvent(event: TraceEvent): void {
    this.see(event.tUs, event.node, event.type, event.fields);
  }

  private see(tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    if (this.waiting.length === 0 || tUs < this.waiting[0]!.fault.atUs) return;
    const due: Fault[] = [];
    const still: ArmedFault[] = [];
    for (const a of this.waiting) {
      if (tUs > a.untilUs) continue;
      if (tUs >= a.fault.atUs && isMoment(a.moment, type, fields, this.clients) && involves(a, node, fields)) due.push({ ...a.fault, atUs: tUs });
      else still.push(a);
    }
    this.waiting = still;
    if (due.length === 0) return;
    this.sim.addFaults(due);
    this.fired.push(...due);
  }
}

/** Whether the moment's event involves one of the nodes the armed fault waits for (any, without a list). */
function involves(armed: ArmedFault, node: string, fields: TraceFields | undefined): boolean {
  const involving = armed.involving;
  return involving === undefined || momentNodes(node, fields).some((n) => involving.includes(n));
}
