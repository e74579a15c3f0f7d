// The fixed twins under search (scenarios/search/fixed/): each is its broken lesson's search twin
// with the fix applied and nothing else changed, and every seed a catalogue lesson quotes from one
// of them, to show a fault the fix does not cover, still violates what the broken lesson violates.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile } from '../../src/scenario/index.js';
import { catalogueFiles } from '../cli/cli.js';

const FIXED_DIR = 'scenarios/search/fixed';

/** Each broken lesson with a search twin, and the catalogue scenario that fixes it. */
const FIXES: Record<string, string> = {
  'gc-pause-unfenced': 'gc-pause-fenced',
  'gc-pause-check-then-write': 'gc-pause-fenced',
  'delayed-write-unfenced': 'delayed-write-fenced',
  'chubby-lock-delay-outrun': 'chubby-lock-delay-sequencer',
  'dlm-failover-no-grace': 'dlm-failover-within-grace',
  'ntp-step-lease': 'ntp-slew-lease',
  'redlock-clock-jump-wall': 'redlock-clock-jump-mono',
  'redlock-restart-no-persistence': 'redlock-restart-delayed',
  'redlock-pause-unchecked': 'redlock-pause-checked',
  'redlock-pause-checked-wall-clock': 'redlock-pause-checked',
  'redlock-drift-default-allowance': 'redlock-drift-wide-allowance',
  'zk-ghost-node': 'zk-ghost-node-guid',
  'zk-session-expiry-unfenced': 'zk-session-expiry-fenced',
  'etcd-waiter-lease-expired-unchecked': 'etcd-waiter-lease-expired-checked',
  'etcd-lock-pause-unfenced': 'etcd-lock-pause-fenced',
  'heartbeat-failover-unconfirmed': 'heartbeat-failover-self-fenced',
  'redis-failover-async-replica': 'redis-failover-consensus-fenced',
  'hbase-regionserver-gc-unfenced': 'hbase-regionserver-gc-fenced',
};

/** Where a fix is a fault discipline, not a setting: the search draws its faults under it. */
const FAULT_FIXES: Record<string, unknown> = {
  'ntp-step-lease': { 'clock-drift': { maxPpm: 500, count: 2 } },
  'redlock-restart-no-persistence': { crash: { nodes: ['m1', 'm2', 'm3', 'm4', 'm5'], minMs: 10000, maxMs: 12000, count: 2 } },
};

/** The fields a fix may change; check-then-write keeps its own clients (its fix is fencing alone). */
const FIX_FIELDS = ['protocol', 'storage', 'lockService', 'clients'];

type Json = Record<string, unknown>;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;

describe('fixed twins under search', () => {
  it('there is one per search twin, named after it', () => {
    const files = readdirSync(FIXED_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(FIXES).map((broken) => `${broken}-search-fixed.json`).sort());
  });

  for (const [broken, fixed] of Object.entries(FIXES)) {
    it(`${broken}-search-fixed is ${broken}-search with the fix of ${fixed}`, () => {
      const search = readJson(`scenarios/search/${broken}-search.json`);
      const brokenLesson = readJson(`scenarios/${broken}.json`);
      const fix = readJson(`scenarios/${fixed}.json`);
      const twin = readJson(`${FIXED_DIR}/${broken}-search-fixed.json`);
      expect(twin['name']).toBe(`${broken}-search-fixed`);
      expect(twin['expect']).toBe('pass');
      expect(twin['faults']).toEqual(search['faults']);
      expect(twin['randomFaults']).toEqual(broken in FAULT_FIXES ? FAULT_FIXES[broken] : search['randomFaults']);
      const keys = new Set([...Object.keys(search), ...Object.keys(twin)]);
      for (const key of ['name', 'title', 'lesson', 'pitfalls', 'expect', 'seeds', 'faults', 'randomFaults']) keys.delete(key);
      for (const key of keys) {
        const fixes = FIX_FIELDS.includes(key) && !(broken === 'gc-pause-check-then-write' && key === 'clients');
        const changedByFix = fixes && JSON.stringify(brokenLesson[key]) !== JSON.stringify(fix[key]);
        expect(twin[key], `${broken}: ${key}`).toEqual(changedByFix ? fix[key] : search[key]);
      }
    });
  }

  const quoted = catalogueFiles().flatMap((file) => {
    const lesson = String(readJson(file)['lesson']);
    return [...lesson.matchAll(/lockstep replay (scenarios\/search\/fixed\/[a-z0-9-]+\.json) --seed (\d+)/g)].map((m) => ({ file, twin: m[1]!, seed: Number(m[2]) }));
  });

  it('the catalogue quotes seeds of them', () => {
    expect(quoted.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, twin, seed } of quoted) {
    it(`${file} quotes ${twin} seed ${seed}: the broken lesson's violation, which the fix lets through`, async () => {
      const { scenario } = await loadScenarioFile(twin);
      const search = await loadScenarioFile(twin.replace('/fixed/', '/').replace(/-fixed\.json$/, '.json'));
      const expected = search.scenario.expect;
      if (expected === 'pass') throw new Error(`${twin}: its search twin expects pass`);
      const { result } = simulate(scenario, seed);
      expect(result.violations.map((v) => v.invariant)).toContain(expected.violation);
    });
  }
});
