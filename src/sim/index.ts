/**
 * The deterministic simulation kernel's public surface (DESIGN §1 `sim/`): everything outside
 * src/sim imports from here (or, for types only, from ./types.js).
 */
export type * from './types.js';
export { deriveRng, SimRng, streamSeed, RNG_BACKEND, RNG_DERIVATION } from './rng.js';
export { EventKind, SimEvent } from './event.js';
export { EventHeap } from './heap.js';
export { TimedScheduler, type Scheduler } from './scheduler.js';
export { CanonicalHasher, WorldHasher, type Fingerprint } from './world-state.js';
export { NodeClock, ClockError, MAX_CLOCK_SEGMENTS } from './clock.js';
export {
  DEFAULT_LINK,
  Link,
  LinkConfigError,
  Network,
  resolveLinkConfig,
  type DropReason,
} from './network.js';
export {
  TraceHasher,
  TraceRecorder,
  MessageTraceEvent,
  MessageRoute,
  MessageType,
  SEND,
  DELIVER,
  TraceName,
  isMessageEventSink,
  isNodeEventSink,
  withLocal,
  type MessageEventSink,
  type NodeEventSink,
  TraceBus,
  canonicalLine,
  hashLines,
  TraceOverflowError,
  TraceValueError,
  TraceLineError,
  TraceSeqError,
  RESERVED_TRACE_KEYS,
} from './trace.js';
export { SimBoundExceeded, SimError, SimConfigError, KernelInvariantError, EventInPastError, QueueTopError, NodeNotReadyError } from './errors.js';
export { Simulation, NET_NODE, DEFAULT_MAX_EVENTS, type SimulationOptions } from './simulation.js';
export {
  drawFaultPlan,
  FAULT_KINDS,
  DEFAULT_MAX_MS,
  DEFAULT_FAULT_COUNT,
  DEFAULT_MAX_PPM,
  MAX_FAULTS_PER_KIND,
  FaultProfileError,
  type FaultTargets,
  type RandomFaultProfile,
  type RandomFaultSpec,
} from './faults.js';
export { US_PER_MS, MS_PER_S, isWholeMicroseconds, msToUs, usToMs, formatUs, formatMs } from './units.js';
