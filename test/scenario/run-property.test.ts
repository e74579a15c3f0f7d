// Every scenario the schema accepts either runs to a result or is refused at load time with a
// ScenarioError naming a field: never a stack trace from inside the run. The generator draws each
// field from its whole range, edges first (schema-arbitraries.ts). A run may also stop at its
// event bound (SimBoundExceeded, a result of its own kind); any other exception fails the test.
//
// RUN_PROPERTY_RUNS sets the number of scenarios (default 150, to keep `npm test` short); the
// counts of each outcome are printed, so a long run (RUN_PROPERTY_RUNS=10000) reports them.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SCRIPT_STEPS as CLIENT_STEP_BUDGET } from '../../src/clients/index.js';
import { MAX_SCRIPT_STEPS as SCENARIO_STEP_BUDGET, parseScenario, ScenarioError, type Scenario } from '../../src/scenario/index.js';
import { simulate, SimBoundExceeded } from '../../src/explore/simulate.js';
import { schemaScenario } from './schema-arbitraries.js';

const RUNS = Number(process.env.RUN_PROPERTY_RUNS ?? 150);
/** Small enough that a generated storm ends fast, large enough that most runs finish. */
const MAX_EVENTS = 20_000;

const outcomes = new Map<string, number>();
const count = (kind: string) => outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);

/** The top-level field a refusal names (`lockService.keepAliveMs` → `lockService.keepAliveMs`, `clients[0].repeat` → `clients[].repeat`). */
function refusalKind(error: ScenarioError): string {
  return `refused ${error.path.replace(/\[\d+\]/g, '[]').replace(/^(clients\[\]\.steps\[\])\..*$/, '$1') || '(file)'}`;
}

function load(json: unknown): Scenario | undefined {
  try {
    return parseScenario(json, 'generated.json');
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    count(refusalKind(error));
    return undefined;
  }
}

describe('every scenario valid by the schema runs or is refused at load time', () => {
  afterAll(() => {
    const lines = [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => `  ${kind}: ${n}`);
    console.log(`run property: ${RUNS} scenarios\n${lines.join('\n')}`);
  });

  it('completes, stops at its event bound, or was refused with a ScenarioError', () => {
    fc.assert(
      fc.property(schemaScenario, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (json, seed) => {
        const scenario = load(json);
        if (scenario === undefined) return;
        try {
          const { result } = simulate(scenario, seed, { maxEvents: MAX_EVENTS });
          expect(result.stats.events).toBeLessThanOrEqual(MAX_EVENTS);
          count('completed');
        } catch (error) {
          if (!(error instanceof SimBoundExceeded)) throw error;
          count(`budget ${error.bound}`);
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: undefined },
    );
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  }, RUNS * 1000);
});

describe('the step budget the loader checks', () => {
  it('is the scripted client\'s own budget', () => {
    expect(SCENARIO_STEP_BUDGET).toBe(CLIENT_STEP_BUDGET);
  });
});
