/**
 * The run report shows what each lesson is about, from real simulated runs: an unresolved
 * deadlock draws its cycle (with the events that built each edge) instead of "none", the trace
 * opens on the story with one labelled count of events, the timeline opens on the lock activity,
 * and a run with many clients gets one timeline row per resource.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { deriveRunView } from '../../src/report/derive.js';
import { renderRunReport } from '../../src/report/html.js';
import { buildRunPayload, TIMELINE_ROWS_PER_CLIENT_MAX } from '../../src/report/run-payload.js';
import type { RunReportInput } from '../../src/report/model.js';
import { loadScenarioFile, parseScenario, type Scenario } from '../../src/scenario/index.js';

function inputOf(scenario: Scenario, seed: number): RunReportInput {
  const { result, events } = simulate(scenario, seed, { record: true });
  return {
    scenario: { name: scenario.name, title: scenario.title ?? scenario.name, lesson: '', protocol: scenario.protocol },
    seed,
    result,
    events: events ?? [],
    replayCommand: `npx lockstep replay ${scenario.name} --seed ${seed}`,
  };
}

describe('an unresolved deadlock is drawn from the checker’s violation', () => {
  it('ab-ba-deadlock-undetected: the replay result lists the cycle, the view has each edge’s events, the page draws it', async () => {
    const { scenario } = await loadScenarioFile('scenarios/ab-ba-deadlock-undetected.json');
    const input = inputOf(scenario, 0);
    expect(input.result.deadlocks).toEqual([
      {
        atMs: 5050.75,
        cycle: [
          { node: 't1', resource: 'b', mode: 'EX', waitsFor: 't2' },
          { node: 't2', resource: 'a', mode: 'EX', waitsFor: 't1' },
        ],
        unresolved: true,
        formedAtMs: 50.75,
      },
    ]);
    const view = deriveRunView(input.events, input.result);
    expect(view.deadlocks).toHaveLength(1);
    const [deadlock] = view.deadlocks;
    expect(deadlock?.victim).toBeUndefined();
    expect(deadlock?.unresolved).toBe(true);
    expect(deadlock?.edges.map((e) => [e.node, e.waitsFor, e.resource, e.waitEvent?.type, e.waitEvent?.node, e.waitEvent?.seq, e.holdEvent?.type, e.holdEvent?.seq])).toEqual([
      ['t1', 't2', 'b', 'enqueue', 'm2', 124, 'grant', 65],
      ['t2', 't1', 'a', 'enqueue', 'm1', 101, 'grant', 77],
    ]);
    for (const edge of deadlock?.edges ?? []) {
      expect(edge.waitEvent?.text).toContain(`${edge.node}'s EX request on ${edge.resource}`);
      expect(edge.holdEvent?.text).toContain(`grants ${edge.waitsFor} EX on ${edge.resource}`);
      expect(edge.waitEvent!.tMs).toBeLessThanOrEqual(50.75);
    }
    const html = renderRunReport(input);
    expect(html).not.toContain('No deadlock was found in this run');
    expect(html).toContain('Unresolved deadlock 1, reported at 5.051 s');
    expect(html).toContain('No victim: the lock service never broke this cycle.');
    expect(html).toMatch(/<svg class="waitfor"[^>]*aria-label="wait-for cycle t1 → t2 → t1; unresolved: no victim"/);
  });

  it('a deadlock the service resolved keeps its victim and is not marked unresolved', async () => {
    const { scenario } = await loadScenarioFile('scenarios/ab-ba-deadlock-detected.json');
    const input = inputOf(scenario, 0);
    expect(input.result.deadlocks.length).toBeGreaterThan(0);
    for (const d of input.result.deadlocks) {
      expect(d.unresolved).toBeUndefined();
      expect(typeof d.victim).toBe('string');
    }
  });
});

describe('the trace and the timeline open on the story', () => {
  it('gc-pause-unfenced: the counts are labelled and agree with the trace, the story box is the default', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const input = inputOf(scenario, 0);
    const view = deriveRunView(input.events, input.result);
    const story = view.rows.filter((row) => row.significant).length;
    expect([input.result.stats.events, input.events.length, story]).toEqual([1208, 1891, 23]);
    const html = renderRunReport(input);
    expect(html).toContain('simulation steps</dt><dd>1208</dd>');
    expect(html).toContain('trace events</dt><dd>1891 (23 in the story)</dd>');
    expect(html).toContain('<input id="f-all" type="checkbox"> show the 1868 messages and timers too');
    expect(html).toContain('1208 simulation steps · 1891 trace events');
    const { payload } = buildRunPayload(input, view);
    // The last lock activity is c1's unlock at 15.2 s: the view opens on it, not on the 30 s run.
    expect(payload.timeline.activityEndMs).toBeGreaterThan(15_204);
    expect(payload.timeline.activityEndMs).toBeLessThan(16_000);
    expect(payload.timeline.byResource).toBe(false);
    expect(payload.timeline.minBarPx).toBe(4);
  });

  it('fifty clients on three resources: one row per resource, and a page a few hundred pixels tall', () => {
    const clients = Array.from({ length: 50 }, (_, i) => {
      const resource = ['a', 'b', 'c'][i % 3]!;
      return {
        id: `c${i + 1}`,
        startMs: i * 40,
        steps: [
          { op: 'lock', resource, mode: 'EX' },
          { op: 'work', ms: 30 },
          { op: 'write', resource, value: `c${i + 1}` },
          { op: 'unlock', resource },
        ],
      };
    });
    const scenario = parseScenario(
    { name: 'fifty-clients', protocol: 'dlm', managers: 3, clients, durationMs: 60_000, lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true }, expect: 'pass' },
    'fifty-clients.json',
  );
    const input = inputOf(scenario, 0);
    const view = deriveRunView(input.events, input.result);
    const parts = buildRunPayload(input, view);
    expect(parts.timelineRows).toBe(50);
    expect(parts.timelineRows).toBeGreaterThan(TIMELINE_ROWS_PER_CLIENT_MAX);
    expect(parts.payload.timeline.byResource).toBe(true);
    const html = renderRunReport(input);
    const height = Number(/<div class="chart" style="height:(\d+)px"><canvas id="chart-timeline"/.exec(html)?.[1]);
    // Three rows of two slots: 3 × 50 + 64.
    expect(height).toBe(214);
  });
});
