/**
 * One live world the search steers (stateful exploration): built once, advanced from choice point
 * to choice point, saved as an image at the states the search will branch from and restored from
 * it (snapshot.ts), so reaching a child costs the events between two choice points, not a re-run
 * of the whole prefix from the start (execute.ts, which the soundness test compares this with).
 *
 * The kernel is left at a choice point by the controller throwing out of the scheduler's pop
 * before it takes any event (see ChoosingScheduler.pop): the kernel's run loop unwinds with the
 * queue untouched, so `Simulation.run` continues from exactly there.
 */
import { prepareRun, isServiceAssertion, type PreparedRun } from '../simulate.js';
import type { SimError } from '../../sim/index.js';
import type { CheckerSet } from '../../check/index.js';
import { ChoosingScheduler, type ChoiceController, type ChoicePoint } from './choices.js';
import { StopRun, summarise, type ExecuteOptions, type PathOutcome } from './execute.js';
import { ImageCamera, type WorldImage } from './snapshot.js';

/** What the controller does at the next choice point. */
const AT_CHOICE_STOP = 0;
const AT_CHOICE_TAKE = 1;
const AT_CHOICE_DEFAULT = 2;

/**
 * The search's side of the choice points, kept out of every image (the search's intent must not
 * be rolled back with the world).
 */
class SteeringController implements ChoiceController {
  mode = AT_CHOICE_STOP;
  decision = 0;
  checkers: CheckerSet | undefined;

  beforeStep(scheduler: ChoosingScheduler): void {
    const found = this.checkers?.violations;
    if (found === undefined || found.length === 0) return;
    let firstUs = Infinity;
    for (const violation of found) firstUs = Math.min(firstUs, violation.atUs);
    throw new StopRun({ kind: 'violation', invariants: found.map((v) => v.invariant), eventsRun: scheduler.eventsUpTo(firstUs) });
  }

  decide(point: ChoicePoint): number {
    if (this.mode === AT_CHOICE_DEFAULT) return 0;
    if (this.mode === AT_CHOICE_TAKE) {
      this.mode = AT_CHOICE_STOP;
      return this.decision;
    }
    throw new StopRun({ kind: 'frontier', hash: point.scheduler.worldHash(), choices: summarise(point.choices), eventsRun: point.eventsRun });
  }
}

/** A world under the search's control (see the module comment). */
export class SteeredWorld {
  private readonly controller = new SteeringController();
  private readonly scheduler: ChoosingScheduler;
  private readonly run: PreparedRun;
  private readonly checkers: CheckerSet | undefined;
  private readonly camera: ImageCamera;
  /** A service assertion that ended the path (the kernel's state is then mid-event, and the path over). */
  private failure: SimError | undefined;

  constructor(opts: ExecuteOptions) {
    this.scheduler = new ChoosingScheduler(opts.bounds, this.controller);
    let checkers: CheckerSet | undefined;
    this.run = prepareRun(opts.scenario, opts.seed, {
      scheduler: this.scheduler,
      traceKernelEvents: false,
      maxEvents: opts.maxEvents,
      ...(opts.deadlockBoundUs !== undefined ? { deadlockBoundUs: opts.deadlockBoundUs } : {}),
      ...(opts.mutations !== undefined ? { mutations: opts.mutations } : {}),
      onBuilt: (world) => {
        this.scheduler.attach(world.sim);
        checkers = world.checkers;
      },
    });
    this.checkers = checkers;
    this.controller.checkers = checkers;
    const roots = checkers === undefined ? [this.run.sim, this.scheduler] : [this.run.sim, this.scheduler, checkers];
    this.camera = new ImageCamera(roots, new Set<object>([this.controller, this.scheduler.hasher]));
  }

  /**
   * From the current state (a choice point, or the start), take choice `decision` there (none at
   * the start) and run to the next choice point, the first violation or the end of the run.
   */
  advance(decision: number | undefined): PathOutcome {
    this.controller.mode = decision === undefined ? AT_CHOICE_STOP : AT_CHOICE_TAKE;
    this.controller.decision = decision ?? 0;
    this.scheduler.timedOnly = false;
    return this.runKernel();
  }

  /** From the current state, take choice 0 at every choice point to the end of the run (a path cut by the depth bound). */
  runOn(): PathOutcome {
    this.controller.mode = AT_CHOICE_DEFAULT;
    this.scheduler.timedOnly = true;
    return this.runKernel();
  }

  /** Save the world as it is now. */
  capture(): WorldImage {
    return this.camera.capture();
  }

  /** Put the world back as `image` saved it. */
  restore(image: WorldImage): void {
    this.camera.restore(image);
    this.failure = undefined;
  }

  private runKernel(): PathOutcome {
    try {
      this.run.sim.run(this.run.durationUs);
    } catch (error) {
      if (error instanceof StopRun) return error.outcome;
      if (!isServiceAssertion(error)) throw error;
      this.failure = error;
    }
    return this.endOutcome();
  }

  /** The run ended (or a service assertion ended it): its verdict, as `simulate` judges it. */
  private endOutcome(): PathOutcome {
    const checkers = this.checkers;
    checkers?.finish(this.run.sim.nowUs());
    const violations = checkers?.violations ?? [];
    const invariants = violations.map((v) => v.invariant as string);
    let firstUs = Infinity;
    for (const violation of violations) firstUs = Math.min(firstUs, violation.atUs);
    if (this.failure !== undefined) {
      invariants.push('assertion');
      firstUs = Math.min(firstUs, this.failure.atUs);
    }
    const eventsRun = invariants.length === 0 ? this.scheduler.eventsRun : this.scheduler.eventsUpTo(firstUs);
    return { kind: 'end', invariants, eventsRun };
  }
}
