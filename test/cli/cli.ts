/**
 * Runs the built `lockstep` command as a child process, the way a user or a CI job does: the
 * end-to-end tests judge exit codes, stdout and stderr, and files written, not internal APIs.
 *
 * The tests need dist/ (the bin imports ../dist/cli/bin.js); `npm test` builds before vitest
 * runs. Running vitest alone without a build fails every test with one clear message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the CLI resolves `scenarios/` and file names against it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'lockstep.js');
const BUILT = path.join(ROOT, 'dist', 'cli', 'bin.js');

/** What one CLI invocation did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Upper bound for one CLI invocation; a hang fails the test instead of stalling the suite. */
const CLI_TIMEOUT_MS = 55_000;

/** Runs `node bin/lockstep.js ...args` in the repository root and waits for it. */
export function cli(...args: string[]): CliRun {
  if (!existsSync(BUILT)) {
    throw new Error(`dist/ is not built (${path.relative(ROOT, BUILT)} is missing): run \`npm run build\` first (\`npm test\` builds before vitest runs)`);
  }
  const child = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  if (child.status === null) throw new Error(`lockstep ${args.join(' ')} was killed by ${child.signal ?? 'a signal'}`);
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Runs the CLI and parses its stdout as JSON (for `--json`); the message shows stderr on failure. */
export function cliJson<T>(...args: string[]): { code: number; json: T; stderr: string } {
  const run = cli(...args);
  let json: T;
  try {
    json = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`lockstep ${args.join(' ')} (exit ${run.code}) did not print JSON.\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`);
  }
  return { code: run.code, json, stderr: run.stderr };
}

/** The shipped catalogue's scenario files, as the CLI shows them (`scenarios/x.json`), sorted. */
export function catalogueFiles(): string[] {
  return readdirSync(path.join(ROOT, 'scenarios'))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => `scenarios/${name}`);
}

/** The run result of DESIGN §5.4, as far as the tests read it. */
export interface RunJson {
  ok: boolean;
  scenarios: Array<{
    scenario: string;
    file: string;
    seedsRun: number;
    expect: 'pass' | { violation: string };
    met: boolean;
    failures: Array<{ seed: number; invariant: string; atMs: number; message: string; replay: string }>;
  }>;
}

/** The replay result of DESIGN §5.3, as far as the tests read it. */
export interface ReplayJson {
  scenario: string;
  seed: number;
  ok: boolean;
  expectMet: boolean;
  violations: Array<{ invariant: string; atMs: number; message: string; resource?: string; nodes: string[] }>;
  observations: Array<{ kind: string; fromMs: number; toMs: number; resource: string; nodes: string[] }>;
  deadlocks: unknown[];
  faults: unknown[];
  stats: { events: number; messages: number; simMs: number };
  traceHash: string;
}
