/**
 * The acceptance test of issue #16: the package as a user gets it. `npm pack`, install the
 * tarball into a fresh project that has only vitest and typescript, and there: import from
 * `lockstep` and `lockstep/vitest`, type-check a TypeScript scenario with an async client (and
 * see a wrong one refused), run it under vitest, see its failing seed reported with the replay
 * command, and run that command. Everything (the npm cache included) lives in one temp folder,
 * removed at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const work = mkdtempSync(join(tmpdir(), 'lockstep-package-'));
const project = join(work, 'project');
const cache = join(work, 'npm-cache');

afterAll(() => rmSync(work, { recursive: true, force: true }));

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--cache', cache, '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command of the project; returns its exit code and everything it printed. */
function inProject(command: string, args: string[]): { code: number; output: string } {
  const done = spawnSync(command, args, { cwd: project, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { code: done.status ?? -1, output: `${done.stdout}${done.stderr}` };
}

const SCENARIO = `import { defineScenario, type ClientContext } from 'lockstep';

/** A worker that takes the job's lock, works on it, and writes its result (without its token). */
async function worker(ctx: ClientContext): Promise<void> {
  const lock = await ctx.lock('job-1', 'EX');
  if (!lock.granted) return;
  await ctx.work(1000);
  const written = await ctx.write('job-1', \`done by \${ctx.id}\`);
  if (!written.accepted) throw new Error('unexpected rejection');
  await ctx.unlock('job-1');
}

export default defineScenario({
  name: 'unfenced-worker',
  protocol: 'dlm',
  lockService: { leaseMs: 10_000, keepAliveMs: 3000 },
  clients: [
    { id: 'w1', run: worker },
    { id: 'w2', startMs: 5000, run: worker },
  ],
  faults: [{ atMs: 200, kind: 'pause', node: 'w1', forMs: 15_000 }],
  durationMs: 30_000,
  seeds: 3,
  expect: 'pass',
});
`;

const TEST = `import { expect, it } from 'vitest';
import { defineScenario, loadScenario, run, type RunResult } from 'lockstep';
import { verifyScenario } from 'lockstep/vitest';

it('an idle client meets its expectation (the matcher)', async () => {
  const idle = defineScenario({ name: 'idle', clients: [{ id: 'c1', run: async (ctx) => { await ctx.sleep(10); } }], durationMs: 1000, seeds: 2 });
  const result: RunResult = await run(idle);
  expect(result).toMeetExpectation();
});

it('the unfenced worker passes', { timeout: 120_000 }, async () => {
  await verifyScenario(await loadScenario('scenarios/unfenced-worker.ts'));
});
`;

const WRONG = `import { defineScenario } from 'lockstep';
export default defineScenario({ name: 'wrong', clients: [{ id: 'c1', run: async (ctx) => { await ctx.lock('r', 'XX'); } }] });
`;

describe('the packed package in a fresh project with only vitest and typescript', () => {
  it('installs, type-checks, runs, and reports the failing seed with a replay command that works', { timeout: 900_000 }, () => {
    expect(existsSync(join(root, 'dist', 'index.js')), 'dist/ is built (npm test builds before it runs)').toBe(true);
    mkdirSync(project);
    const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/vitest.js', 'dist/vitest.d.ts', 'bin/lockstep.js', 'docs/api.md']));
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }, null, 2));
    const versions = (name: string): string => `${name}@${ours.devDependencies[name]!}`;
    npm(['install', '--save-dev', join(work, packed[0]!.filename), versions('vitest'), versions('typescript')], project);
    const installed = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(installed.devDependencies).sort()).toEqual(['lockstep', 'typescript', 'vitest']);

    mkdirSync(join(project, 'scenarios'));
    writeFileSync(join(project, 'scenarios', 'unfenced-worker.ts'), SCENARIO);
    writeFileSync(join(project, 'worker.test.ts'), TEST);
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['scenarios', '*.test.ts'] }));
    writeFileSync(join(project, 'tsconfig.wrong.json'), JSON.stringify({ compilerOptions, include: ['wrong.ts'] }));
    writeFileSync(join(project, 'wrong.ts'), WRONG);

    const typed = inProject('npx', ['tsc', '-p', 'tsconfig.json']);
    expect(typed.output).toBe('');
    expect(typed.code).toBe(0);
    const wrong = inProject('npx', ['tsc', '-p', 'tsconfig.wrong.json']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain('wrong.ts(2,112): error TS2345: Argument of type \'"XX"\' is not assignable to parameter of type \'ModeName | undefined\'');

    const tested = inProject('npx', ['vitest', 'run']);
    console.log(`--- vitest in the fresh project (exit ${tested.code}) ---\n${tested.output}`);
    expect(tested.code).toBe(1);
    expect(tested.output).toContain('Tests  1 failed | 1 passed (2)');
    expect(tested.output).toContain('unfenced-worker: expected to pass, but 3 of 3 seeds violated an invariant');
    expect(tested.output).toContain("seed 0: stale-write at 15203.2 ms: storage accepted w1's write (no token) at 15203.166 ms, but w1's lock on job-1 ended at 10010.441 ms (expired)");
    expect(tested.output).toContain('3 of 3 seeds violated an invariant');
    expect(tested.output).toContain('story of seed 0 (up to its first violation):');
    expect(tested.output).toContain('VIOLATION stale-write');
    const command = /replay: (npx lockstep replay scenarios\/unfenced-worker\.ts --seed 0)/.exec(tested.output)?.[1];
    expect(command).toBe('npx lockstep replay scenarios/unfenced-worker.ts --seed 0');

    const replayed = inProject('npx', command!.split(' ').slice(1));
    console.log(`--- ${command} (exit ${replayed.code}) ---\n${replayed.output}`);
    expect(replayed.code).toBe(1);
    expect(replayed.output).toContain('unfenced-worker');
    expect(replayed.output).toContain('storage accepts w1\'s write to job-1: "done by w1"');
    expect(replayed.output).toContain('verdict: violated: stale-write (expected pass: NOT met)');
  });
});
