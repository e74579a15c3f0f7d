/**
 * A seed's fault plan: the scenario's explicit faults plus the swarm's drawn ones, placed by the
 * scenario's fault strategy (`randomFaults.strategy`, overridden by `run --fault-strategy`).
 * See placement.ts for where drawn faults land and moments.ts for faults fired at protocol moments.
 */
import type { Scenario } from '../../scenario/index.js';
import { DEFAULT_MOMENT_WITHIN_MS, FAULT_MOMENTS, toFaultPlan, type FaultStrategy } from '../../scenario/index.js';
import { drawFaultPlan, msToUs, type Fault, type Simulation } from '../../sim/index.js';
import { healTimeUs } from '../faults.js';
import type { NodeEventSink, TraceEvent, TraceFields } from '../../sim/index.js';
import { LockActivity, type SpanUs } from './activity.js';
import { armFaults, MomentLog, MomentTrigger, type ArmedFault, type MomentOptions, type MomentSeen } from './moments.js';
import { makePermanent, placeInSpans, stableByTime } from './placement.js';
import { boundSilence } from './silence.js';

export { LockActivity, mergeSpans, withinSpans, type SpanUs } from './activity.js';
export { MomentLog, MomentTrigger, isMoment, type ArmedFault, type MomentSeen } from './moments.js';
export { placeInSpans } from './placement.js';
export { boundSilence, type SilenceBound } from './silence.js';

/** The strategy a scenario's drawn faults are placed by. */
export function faultStrategyOf(scenario: Scenario): FaultStrategy {
  return scenario.randomFaults.strategy ?? 'uniform';
}

/** Whether the scenario draws any faults at all (a strategy alone draws nothing). */
export function drawsFaults(scenario: Scenario): boolean {
  const { strategy: _strategy, moments: _moments, silence: _silence, ...kinds } = scenario.randomFaults;
  return Object.values(kinds).some((spec) => spec !== undefined);
}

/**
 * The scenario with its fault strategy set to `strategy` (what `--fault-strategy` does); a
 * scenario that draws no faults is returned as it is.
 */
export function withFaultStrategy(scenario: Scenario, strategy: FaultStrategy): Scenario {
  if (!drawsFaults(scenario)) return scenario;
  return { ...scenario, randomFaults: { ...scenario.randomFaults, strategy } };
}

/** A seed's fault plan, before and while it runs. */
export interface PlannedFaults {
  /** The faults queued at their times before the run starts. */
  readonly scheduled: readonly Fault[];
  /**
   * A true time by which every fault, fired or not, has healed: for faults waiting for a moment,
   * as if each fired at the end of its wait (the liveness bound must be known before the run).
   */
  readonly healUs: number;
  /** Hooks the moment trigger into the simulation, when some fault waits for a moment. */
  attach(sim: Simulation): void;
  /** Every fault that was applied or queued, in time order: the result's `faults`. */
  applied(): Fault[];
}

/** What planning needs from the world builder. */
export interface PlanInput {
  scenario: Scenario;
  sim: Simulation;
  managerIds: readonly string[];
  durationUs: number;
  /**
   * What the fault-free pilot run of the same scenario and seed showed (see {@link PilotObserver});
   * only called by the strategies that need it.
   */
  pilot: () => Pilot;
}

/** What a fault-free pilot run showed: when clients held or waited for locks, and its protocol moments. */
export interface Pilot {
  spans: SpanUs[];
  moments: MomentSeen[];
}

/**
 * Watches the pilot run for what the scenario's strategy needs: the clients' lock activity
 * (workload placement), and for `moments` the moments its faults may wait for.
 */
export class PilotObserver implements NodeEventSink {
  readonly messageEvents: boolean;
  private readonly activity = new LockActivity();
  private readonly moments: MomentLog | undefined;

  constructor(scenario: Scenario) {
    this.moments = faultStrategyOf(scenario) === 'moments' ? new MomentLog(momentOptions(scenario).on, scenario.randomFaults.moments?.clients) : undefined;
    this.messageEvents = this.moments?.messageEvents ?? false;
  }

  onNodeEvent(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    this.activity.onNodeEvent(seq, tUs, node, type, fields);
    this.moments?.onNodeEvent(seq, tUs, node, type, fields);
  }

  onEvent(event: TraceEvent): void {
    this.activity.onEvent(event);
    this.moments?.onEvent(event);
  }

  /** The pilot's findings, its spans cut at `endUs`. */
  result(endUs: number): Pilot {
    return { spans: this.activity.spans(endUs), moments: this.moments?.seen ?? [] };
  }
}

/** Draws and places the seed's faults (see the module comment). */
export function planFaults(input: PlanInput): PlannedFaults {
  const { scenario, sim, managerIds, durationUs } = input;
  const explicit = toFaultPlan(scenario);
  if (!drawsFaults(scenario)) return fixedPlan(explicit);
  const clients = scenario.clients.map((c) => c.id);
  const targets = { managers: [...managerIds], clients, all: [...managerIds, 'storage', ...clients] };
  let drawn = drawFaultPlan(sim.rng('faults'), scenario.randomFaults, targets, durationUs);
  const { crash, partition } = scenario.randomFaults;
  if (crash?.permanent !== undefined || partition?.permanent !== undefined) {
    drawn = makePermanent(drawn, { crash: crash?.permanent, partition: partition?.permanent }, sim.rng('faults/permanent'));
  }
  const strategy = faultStrategyOf(scenario);
  if (strategy === 'uniform') return fixedPlan([...explicit, ...silenceBounded(scenario, drawn)].sort((a, b) => a.atUs - b.atUs));
  const pilot = input.pilot();
  if (strategy === 'workload') return fixedPlan(stableByTime([...explicit, ...silenceBounded(scenario, stableByTime(placeInSpans(drawn, pilot.spans, durationUs)))]));
  return momentPlan(scenario, explicit, stableByTime(drawn), pilot, sim, durationUs);
}

/**
 * The drawn faults, placed and in time order, within the scenario's `randomFaults.silence` bound
 * (as they are without one). Faults that wait for moments strike at times known only as the run
 * goes, so the bound is for the strategies that place every fault before the run.
 */
function silenceBounded(scenario: Scenario, placed: readonly Fault[]): readonly Fault[] {
  const silence = scenario.randomFaults.silence;
  if (silence === undefined) return placed;
  return boundSilence(placed, { maxUs: msToUs(silence.maxMs), gapUs: msToUs(silence.gapMs) });
}

/** The scenario's `moments` settings with their defaults. */
function momentOptions(scenario: Scenario): MomentOptions {
  const moments = scenario.randomFaults.moments;
  return { on: moments?.on ?? FAULT_MOMENTS, clients: moments?.clients, withinUs: msToUs(moments?.withinMs ?? DEFAULT_MOMENT_WITHIN_MS) };
}

/** A plan whose every fault is known before the run. */
function fixedPlan(faults: readonly Fault[]): PlannedFaults {
  return { scheduled: faults, healUs: healTimeUs(faults), attach: () => undefined, applied: () => [...faults] };
}

/** The explicit faults scheduled, the drawn ones (in time order) armed to wait for their moments. */
function momentPlan(scenario: Scenario, explicit: readonly Fault[], drawn: readonly Fault[], pilot: Pilot, sim: Simulation, durationUs: number): PlannedFaults {
  const options = momentOptions(scenario);
  const placed = drawn.map((f) => placeInSpans([f], pilot.spans, durationUs)[0]!);
  const armed = armFaults(drawn, placed, options, sim.rng('faults/moments'), pilot.moments, durationUs);
  let trigger: MomentTrigger | undefined;
  return {
    scheduled: explicit,
    healUs: armedHealUs(explicit, armed),
    attach: (target) => {
      trigger = new MomentTrigger(armed, options.clients, target);
      target.addListener(trigger);
    },
    applied: () => stableByTime([...explicit, ...(trigger?.fired ?? [])]),
  };
}

/**
 * A bound on when the plan heals whatever moments its armed faults fire at: each as if it fired
 * at the end of its wait, and an armed delay carrying the extras of every delay on its link, since
 * where it lands decides which of them it overlaps.
 */
function armedHealUs(explicit: readonly Fault[], armed: readonly ArmedFault[]): number {
  const all = [...explicit, ...armed.map((a) => a.fault)];
  let healUs = healTimeUs([...explicit, ...armed.map(latest)]);
  for (const { fault, untilUs } of armed) {
    if (fault.kind !== 'delay') continue;
    const linkExtraUs = all.reduce((sum, f) => (f.kind === 'delay' && f.from === fault.from && f.to === fault.to ? sum + f.extraUs : sum), 0);
    healUs = Math.max(healUs, untilUs + fault.forUs + linkExtraUs);
  }
  return healUs;
}

/** An armed fault as if it fired at the last instant of its wait. */
function latest(armed: ArmedFault): Fault {
  return { ...armed.fault, atUs: armed.untilUs };
}
