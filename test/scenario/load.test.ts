// Loading scenario files: JSON and TypeScript, folders, names, and every way a file can be bad.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineScenario,
  displayPath,
  loadScenarioFile,
  loadScenarios,
  resolveScenario,
  ScenarioError,
  type Scenario,
} from '../../src/scenario/index.js';

const FIXTURES = 'test/scenario/fixtures';

/** The ScenarioError a promise must reject with. */
async function rejection(promise: Promise<unknown>): Promise<ScenarioError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError, but loading succeeded');
}

describe('the DESIGN §5.2 example', () => {
  it('loads with every default filled', async () => {
    const { scenario, file } = await loadScenarioFile(`${FIXTURES}/design-example.json`);
    expect(file).toBe(`${FIXTURES}/design-example.json`);
    const expected: Scenario = {
      name: 'gc-pause-unfenced',
      title: 'A GC pause outlives the lease',
      lesson: 'markdown: what goes wrong, why, and the fix',
      pitfalls: { broken: [], fixed: [] },
      protocol: 'dlm',
      managers: 3,
      lockService: {
        leaseMs: 10000,
        expiryClock: 'mono',
        clientClock: 'mono',
        clientMarginMs: 0,
        keepAliveMs: 3000,
        lockDelayMs: 0,
        fencing: true,
        deadlock: { detect: true, waitMs: 1000 },
        valueBlockBytes: 32,
        profile: 'linux',
        graceMs: 45000,
        heartbeatMs: 1000,
        failureTimeoutMs: 5000,
        persistence: 'fsync',
        driftFactor: 0.01,
        driftExtraMs: 2,
        validityCheck: true,
        requestTimeoutMs: 50,
        fanout: 'parallel',
        retryDelayMs: 200,
        watch: 'predecessor',
        guidNames: true,
        connectionStates: 'none',
        release: 'compare-and-delete',
      },
      storage: { checkTokens: true },
      network: { latencyMs: [1, 10], dropRate: 0, duplicateRate: 0, fifo: true },
      clocks: { skewMs: 0, driftPpm: 0 },
      clients: [
        {
          id: 'c1',
          startMs: 0,
          repeat: 1,
          deadlockPriority: 0,
          steps: [
            { op: 'lock', resource: 'file', mode: 'EX', flags: ['VALBLK'], wait: true, onFail: 'release' },
            { op: 'work', ms: 50 },
            { op: 'write', resource: 'file', value: 'c1', checkLease: false },
            { op: 'unlock', resource: 'file', flags: [] },
          ],
        },
        {
          id: 'c2',
          startMs: 10100,
          repeat: 1,
          deadlockPriority: 0,
          steps: [
            { op: 'lock', resource: 'file', mode: 'EX', flags: [], wait: true, onFail: 'release' },
            { op: 'write', resource: 'file', value: 'c2', checkLease: false },
            { op: 'unlock', resource: 'file', flags: [] },
          ],
        },
      ],
      faults: [
        { atMs: 200, kind: 'pause', node: 'c1', forMs: 15000 },
        { atMs: 1000, kind: 'clock-jump', node: 'm3', byMs: 10000, clock: 'wall' },
        { atMs: 2000, kind: 'partition', groups: [['m1', 'c1'], ['m2', 'm3', 'c2']], forMs: 5000 },
        { atMs: 3000, kind: 'crash', node: 'm1', restartAfterMs: 5000 },
        { atMs: 0, kind: 'delay', from: 'm1', to: 'c1', extraMs: 8000, forMs: 100 },
      ],
      randomFaults: { pause: { maxMs: 20000 }, 'clock-jump': { maxMs: 5000 } },
      durationMs: 60000,
      seeds: 200,
      livenessMs: 35000,
      invariants: ['mutual-exclusion', 'stale-write', 'fencing'],
      expect: { violation: 'stale-write' },
      bounds: { maxEvents: 5_000_000, maxTraceEvents: 2_000_000 },
    };
    expect(scenario).toStrictEqual(expected);
  });

  it('as printed (no client c2 declared) is rejected at the partition that names c2', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/design-example-verbatim.json`));
    expect(err.message).toBe(
      `${FIXTURES}/design-example-verbatim.json: faults[2].groups[1][2]: unknown node "c2" (nodes: m1..m3, c1, storage)`,
    );
  });
});

describe('TypeScript scenarios', () => {
  it('load through defineScenario, with defaults filled', async () => {
    const { scenario, file } = await loadScenarioFile(`${FIXTURES}/ts-scenario.ts`);
    expect(file).toBe(`${FIXTURES}/ts-scenario.ts`);
    expect(scenario.name).toBe('ts-conversion-deadlock');
    expect(scenario.managers).toBe(2);
    expect(scenario.lockService.deadlock).toEqual({ detect: true, waitMs: 500 });
    expect(scenario.lockService.keepAliveMs).toBe(3333);
    expect(scenario.clients.map((c) => [c.id, c.home])).toEqual([
      ['p1', 'm1'],
      ['p2', 'm2'],
    ]);
    expect(scenario.clients[1]?.steps[2]).toEqual({
      op: 'convert',
      resource: 'r',
      mode: 'EX',
      flags: ['CONVDEADLK'],
      wait: true,
      onFail: 'release',
    });
    expect(scenario.invariants).toEqual([
      'mutual-exclusion',
      'stale-write',
      'fencing',
      'value-block',
      'grant-order',
      'deadlock',
      'liveness',
    ]);
  });

  it('defineScenario is the identity and rejects unknown fields at compile time', () => {
    const input = { name: 'x', clients: [{ id: 'c1', steps: [{ op: 'sleep' as const, ms: 1 }] }] };
    expect(defineScenario(input)).toBe(input);
    // @ts-expect-error: an unknown field is a type error in a TypeScript scenario
    defineScenario({ name: 'x', leaseMs: 5, clients: [] });
    // @ts-expect-error: an unknown mode is a type error too
    defineScenario({ name: 'x', clients: [{ id: 'c1', steps: [{ op: 'lock', resource: 'r', mode: 'XX' }] }] });
  });

  it('a module that throws is reported as bad input', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/ts-throws.ts`));
    expect(err.message).toBe(`${FIXTURES}/ts-throws.ts: cannot load: scenario builder failed: no resource`);
  });

  it('a module without a default export', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/ts-no-default.ts`));
    expect(err.message).toBe(`${FIXTURES}/ts-no-default.ts: no default export (write \`export default defineScenario({ ... })\`)`);
  });
});

describe('file errors', () => {
  it('malformed JSON names line and column', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/malformed.json`));
    expect(err.message).toBe(`${FIXTURES}/malformed.json: malformed JSON at line 4, column 18: expected ',' or '}' after the field, got '"'`);
    expect(err.path).toBe('');
  });

  it('missing file', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/no-such-scenario.json`));
    expect(err.message).toBe(`${FIXTURES}/no-such-scenario.json: cannot read (no such file)`);
    const ts = await rejection(loadScenarioFile(`${FIXTURES}/no-such-scenario.ts`));
    expect(ts.message).toBe(`${FIXTURES}/no-such-scenario.ts: cannot read (no such file)`);
    const suite = await rejection(loadScenarios([`${FIXTURES}/no-such-folder`]));
    expect(suite.message).toBe(`${FIXTURES}/no-such-folder: cannot read (no such file)`);
  });

  it('a file that is not .json or .ts', async () => {
    const err = await rejection(loadScenarioFile(`${FIXTURES}/scenario.yaml`));
    expect(err.message).toBe(`${FIXTURES}/scenario.yaml: not a scenario file: expected a .json or .ts file, got ".yaml"`);
  });

  it('a file outside the working directory is shown by its absolute path', () => {
    const outside = path.resolve(process.cwd(), '..', 'elsewhere', 'x.json');
    expect(displayPath(outside)).toBe(outside.split(path.sep).join('/'));
    expect(displayPath(path.resolve('scenarios', 'a.json'))).toBe('scenarios/a.json');
  });
});

describe('suites and names', () => {
  let dir: string;
  const scenarioSrc = pathToFileURL(path.resolve('src/scenario/index.ts')).href;

  const json = (name: string) => JSON.stringify({ name, clients: [{ id: 'c1', steps: [{ op: 'sleep', ms: 1 }] }] });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lockstep-scenario-'));
    await mkdir(path.join(dir, 'suite', 'nested'), { recursive: true });
    await writeFile(path.join(dir, 'suite', 'b-first.json'), json('bravo'));
    await writeFile(path.join(dir, 'suite', 'a-second.json'), json('alpha'));
    await writeFile(
      path.join(dir, 'suite', 'c.ts'),
      `import { defineScenario } from ${JSON.stringify(scenarioSrc)};\n` +
        `export default defineScenario({ name: 'charlie', clients: [{ id: 'c1', steps: [{ op: 'sleep', ms: 2 }] }] });\n`,
    );
    await writeFile(path.join(dir, 'suite', 'skip.test.ts'), 'throw new Error("a test file must not be loaded");\n');
    await writeFile(path.join(dir, 'suite', 'types.d.ts'), 'export {};\n');
    await writeFile(path.join(dir, 'suite', 'notes.md'), '# not a scenario\n');
    await writeFile(path.join(dir, 'suite', 'nested', 'deep.json'), json('deep'));
    await mkdir(path.join(dir, 'dup'));
    await writeFile(path.join(dir, 'dup', 'one.json'), json('same'));
    await writeFile(path.join(dir, 'dup', 'two.json'), json('same'));
    await mkdir(path.join(dir, 'empty'));
    await mkdir(path.join(dir, 'broken'));
    await writeFile(path.join(dir, 'broken', 'bad.json'), '{ "name": ');
    await writeFile(path.join(dir, 'broken', 'good.json'), json('good'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a folder stands for its .json and .ts files, sorted by file name, not tests, not recursively', async () => {
    const loaded = await loadScenarios([path.join(dir, 'suite')]);
    expect(loaded.map((l) => [path.basename(l.file), l.scenario.name])).toEqual([
      ['a-second.json', 'alpha'],
      ['b-first.json', 'bravo'],
      ['c.ts', 'charlie'],
    ]);
  });

  it('a file named twice is loaded once', async () => {
    const loaded = await loadScenarios([path.join(dir, 'suite'), path.join(dir, 'suite', 'c.ts')]);
    expect(loaded.map((l) => l.scenario.name)).toEqual(['alpha', 'bravo', 'charlie']);
  });

  it('duplicate names in a suite', async () => {
    const err = await rejection(loadScenarios([path.join(dir, 'dup')]));
    const one = displayPath(path.join(dir, 'dup', 'one.json'));
    const two = displayPath(path.join(dir, 'dup', 'two.json'));
    expect(err.message).toBe(`${two}: name: "same" is already the name of ${one}; names must be unique in a suite`);
    expect(err.path).toBe('name');
  });

  it('an empty folder', async () => {
    const err = await rejection(loadScenarios([path.join(dir, 'empty')]));
    expect(err.message).toBe(`${displayPath(path.join(dir, 'empty'))}: no scenario files (*.json, *.ts) in this folder`);
  });

  it('resolveScenario takes a path', async () => {
    const one = await resolveScenario(path.join(dir, 'suite', 'c.ts'));
    expect(one.scenario.name).toBe('charlie');
  });

  it('resolveScenario takes a name, by file name or by scanning the folder', async () => {
    expect((await resolveScenario('alpha', path.join(dir, 'suite'))).file).toBe(displayPath(path.join(dir, 'suite', 'a-second.json')));
    expect((await resolveScenario('charlie', path.join(dir, 'suite'))).scenario.durationMs).toBe(60000);
    expect((await resolveScenario('good', path.join(dir, 'broken'))).scenario.name).toBe('good');
  });

  it('resolveScenario of an unknown name', async () => {
    const err = await rejection(resolveScenario('zulu', path.join(dir, 'suite')));
    expect(err.message).toBe(`zulu: no such file, and no scenario of that name in ${displayPath(path.join(dir, 'suite'))}`);
    const broken = await rejection(resolveScenario('zulu', path.join(dir, 'broken')));
    const bad = displayPath(path.join(dir, 'broken', 'bad.json'));
    expect(broken.message).toBe(
      `zulu: no such file, and no scenario of that name in ${displayPath(path.join(dir, 'broken'))} ` +
        `(1 file(s) there could not be loaded, first: ${bad}: malformed JSON at line 1, column 11: unexpected end of file where a value should be)`,
    );
    const noDir = await rejection(resolveScenario('zulu', path.join(dir, 'absent')));
    expect(noDir.message).toBe(`zulu: no such file, and no folder ${displayPath(path.join(dir, 'absent'))} to look for a scenario of that name`);
  });
});
