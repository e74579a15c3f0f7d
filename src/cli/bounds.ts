/**
 * The bound flags of `run` and `replay` (`--max-events`, `--max-sim-ms`, `--max-trace-events`):
 * they override each scenario's `bounds`, and a budget result's replay command carries them, so
 * the replay stops where the run did.
 */
import { MAX_TIME_MS, type Bounds, type LoadedScenario } from '../scenario/index.js';
import { isWholeMicroseconds, TraceOverflowError } from '../sim/index.js';
import { parseWhole, UsageError } from './usage.js';

/** The bound flags as parsed: only those given. */
export type BoundFlags = Partial<Bounds>;

/** Reads the bound flags; each is optional. */
export function parseBoundFlags(flags: { 'max-events'?: string; 'max-sim-ms'?: string; 'max-trace-events'?: string }): BoundFlags {
  const maxEvents = parseWhole(flags['max-events'], '--max-events', 1, 1_000_000_000);
  const maxTraceEvents = parseWhole(flags['max-trace-events'], '--max-trace-events', 1, 100_000_000);
  const maxSimMs = parseSimMs(flags['max-sim-ms']);
  return {
    ...(maxEvents !== undefined ? { maxEvents } : {}),
    ...(maxSimMs !== undefined ? { maxSimMs } : {}),
    ...(maxTraceEvents !== undefined ? { maxTraceEvents } : {}),
  };
}

function parseSimMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!/^\d+(\.\d{1,3})?$/.test(text) || ms <= 0 || ms > MAX_TIME_MS || !isWholeMicroseconds(ms)) {
    throw new UsageError(`--max-sim-ms: expected milliseconds above 0 and at most ${MAX_TIME_MS} (at most 3 decimals), got "${text}"`);
  }
  return ms;
}

/**
 * The trace recorder's overflow, whether thrown directly or wrapped by the kernel as the cause of
 * the node handler's failure it happened in (the recorder listens inside node steps).
 */
export function traceOverflow(error: unknown): TraceOverflowError | undefined {
  if (error instanceof TraceOverflowError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof TraceOverflowError ? cause : undefined;
}

/** The scenario with the flags' bounds in place of its own. */
export function withBounds(loaded: LoadedScenario, bounds: BoundFlags): LoadedScenario {
  if (Object.keys(bounds).length === 0) return loaded;
  return { ...loaded, scenario: { ...loaded.scenario, bounds: { ...loaded.scenario.bounds, ...bounds } } };
}

/** The flags as a replay command repeats them ('' when none was given). */
export function boundFlagsText(bounds: BoundFlags): string {
  const parts: string[] = [];
  if (bounds.maxEvents !== undefined) parts.push(`--max-events ${bounds.maxEvents}`);
  if (bounds.maxSimMs !== undefined) parts.push(`--max-sim-ms ${bounds.maxSimMs}`);
  if (bounds.maxTraceEvents !== undefined) parts.push(`--max-trace-events ${bounds.maxTraceEvents}`);
  return parts.join(' ');
}
