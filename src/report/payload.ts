/**
 * The shape of the JSON data block of a run page and of the suite page: the contract between the
 * code that builds it (run-payload.ts, suite-page.ts) and the browser scripts that draw it
 * (client/run.js, client/suite.js). Both sides are checked against these types, so a field
 * renamed on one side fails the type check on the other. Types only, importing nothing: the
 * browser scripts' project (tsconfig.client.json) reads this file without the Node types.
 *
 * Keys are short because a long run's page carries hundreds of thousands of them; columns of
 * numbers (`SpaceTimePayload`, `TracePayload`) index into name tables for the same reason. Times
 * are true-time milliseconds.
 */

/** A violation, for the dashed line and label drawn on every time chart. */
export interface ViolationMarker {
  t: number;
  inv: string;
  res: string | null;
  /** The trace row it links to. */
  seq: number | null;
}

/** One bar of the lock timeline (granted, believed or queued). */
export interface TimelineBar {
  /** Timeline row index. */
  r: number;
  /** From and to. */
  a: number;
  b: number;
  /** Lock mode. */
  m: string;
  /** Fencing token. */
  tk: number | null;
  /** The event that began the bar, and the one that ended it. */
  s: number;
  es: number | null;
  /** Why it ended (derive-locks.ts `IntervalEnd`). */
  e: string;
}

/** A pause or crash of a client, drawn on each of its timeline rows. */
export interface ClientSpanBar {
  r: number;
  a: number;
  b: number;
  /** `pause` or `crash`. */
  k: string;
  label: string;
  s: number;
}

/** Two clients believing they held one resource at once. */
export interface OverlapBand {
  a: number;
  b: number;
  res: string;
  nodes: string[];
}

/** The lock timeline: rows are (resource, client) pairs, resource-major. */
export interface TimelinePayload {
  rows: string[];
  rowResource: string[];
  rowClient: string[];
  grants: TimelineBar[];
  beliefs: TimelineBar[];
  queued: TimelineBar[];
  overlaps: OverlapBand[];
  pauses: ClientSpanBar[];
  /** The least width a bar is drawn with, px, however short its interval. */
  minBarPx: number;
  /** Start with one row per resource (many clients), not one per (resource, client). */
  byResource: boolean;
  /** The end of the initial view: the last lock activity with a margin, or `endMs` when that is most of the run. */
  activityEndMs: number;
}

/** One write at the storage. */
export interface StoragePoint {
  x: number;
  /** The token, or 0 without one. */
  y: number;
  s: number;
  /** Client and resource. */
  c: string;
  r: string;
  ok: boolean;
  tk: number | null;
  /** For a rejection: the highest token already accepted. */
  hi: number | null;
  /** A stale-write or fencing violation was reported at this write. */
  bad: boolean;
}

/** One node's clock error: true time, offset and trace row of each kept sample. */
export interface ClockLine {
  node: string;
  t: number[];
  o: number[];
  s: number[];
}

/** A clock jump, at the offset the node shows right after it. */
export interface ClockJumpPoint {
  node: string;
  t: number;
  by: number;
  y: number;
  s: number;
}

/** A fault interval on the space-time diagram. */
export interface SpaceTimeSpan {
  /** `pause`, `crash`, `partition`, `delay` or `drop-window`. */
  k: string;
  /** Lane indexes. */
  n: number[];
  a: number;
  b: number;
  label: string;
  s: number;
}

/** A point event on a lane of the space-time diagram. */
export interface SpaceTimeMark {
  t: number;
  /** Lane index. */
  n: number;
  /** `grant`, `complete`, `write`, `reject`, `expire`, `lapse`, `deadlock`, `jump` or `violation`. */
  k: string;
  /** Lock mode (grants and completions). */
  m?: string;
  /** Label, dropped for the commonest marks on a crowded diagram. */
  l?: string;
  s: number;
}

/** The space-time diagram: one column entry per message, then spans and marks. */
export interface SpaceTimePayload {
  /** Sender and receiver lanes. */
  from: number[];
  to: number[];
  /** Index into `msgNames`. */
  msg: number[];
  /** Send time and send event. */
  sm: number[];
  ss: number[];
  /** Arrival or loss time, null while in flight. */
  em: (number | null)[];
  /** 0 delivered, 1 dropped, 2 in flight. */
  fate: number[];
  /** 1 for a duplicate delivery. */
  dup: number[];
  msgNames: string[];
  spans: SpaceTimeSpan[];
  marks: SpaceTimeMark[];
  /** The zoom at which a typical message spans about 24 px. */
  defaultPxPerMs: number;
  medianLatencyMs: number;
}

/** The narrated trace, one column entry per event. */
export interface TracePayload {
  /** Name tables the columns index into. */
  nodes: string[];
  types: string[];
  resources: string[];
  seq: number[];
  t: number[];
  n: number[];
  ty: number[];
  /** Resource index, -1 for none. */
  r: number[];
  /** Every node the event concerns, as node indexes. */
  inv: number[][];
  text: string[];
  /** 1 when significant (not a message or timer). */
  sig: number[];
}

/** The colours of marks other than lock modes (style.ts `MARK_COLORS`). */
export interface MarkColors {
  violation: string;
  overlap: string;
  accepted: string;
  rejected: string;
  pause: string;
  crash: string;
  partition: string;
  message: string;
  storageMessage: string;
  routineMessage: string;
}

/** The data block of a run page. */
export interface RunPayload {
  endMs: number;
  modeColors: Readonly<Record<string, string>>;
  markColors: MarkColors;
  nodes: string[];
  violations: ViolationMarker[];
  timeline: TimelinePayload;
  storage: { points: StoragePoint[]; hasTokens: boolean };
  clocks: { series: ClockLine[]; jumps: ClockJumpPoint[] };
  st: SpaceTimePayload;
  trace: TracePayload;
}

/** The data block of the suite page: finds per invariant, split by whether the scenario expected them. */
export interface SuitePayload {
  invariants: readonly string[];
  expected: number[];
  unexpected: number[];
}
