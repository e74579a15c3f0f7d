// Ctrl-C and SIGTERM during `lockstep run`, sent to a real child process: the sweep stops at the
// next seed boundary, writes the JSON, JUnit and HTML for what was done with `"interrupted": true`,
// and exits 130 (SIGINT) or 143 (SIGTERM); a second signal ends the process at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

/** Seeds of the scenario the signal interrupts: far more than any test waits for. */
const ENDLESS_SEEDS = 1_000_000;

let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-interrupt-'));
});
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of a catalogue scenario under another name, seed count and expectation. */
function variant(from: string, name: string, seeds: number, expect?: string): string {
  const story = JSON.parse(readFileSync(path.join(ROOT, `scenarios/${from}.json`), 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...story, name, seeds, ...(expect ? { expect } : {}) }));
  return file;
}

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(...args: string[]): Child {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'lockstep.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  let err = '';
  proc.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  proc.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return { process: proc, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `ready()` holds (checked as output arrives); the test's own timeout bounds the wait. */
async function until(c: Child, ready: () => boolean): Promise<void> {
  while (!ready()) {
    if (c.process.exitCode !== null) throw new Error(`lockstep exited early (${c.process.exitCode}): ${c.stderr()}`);
    await new Promise((resolve) => c.process.stdout!.once('data', resolve).once('end', resolve));
  }
}

describe('run stops at a seed boundary on a signal and keeps what was done', () => {
  it('SIGINT: every output is written for the seeds that ran, marked interrupted, exit 130', async () => {
    const quick = variant('gc-pause-fenced', 'quick', 2);
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const junit = path.join(dir, 'junit.xml');
    const report = path.join(dir, 'report');
    const run = start('run', quick, endless, '--jobs', '1', '--junit', junit, '--report', report);
    await until(run, () => run.stdout().includes('PASS  quick'));
    run.process.kill('SIGINT');
    const { code } = await run.exited;

    expect(code, run.stderr()).toBe(130);
    expect(run.stderr()).toBe('SIGINT: stopping after the current seed and writing what was done (again to stop at once)\n');
    const stopped = /^STOP {2}endless +expect pass +(\d+) seeds/m.exec(run.stdout());
    expect(stopped, run.stdout()).not.toBeNull();
    const seedsRun = Number(stopped![1]);
    expect(seedsRun).toBeGreaterThan(0);
    expect(seedsRun).toBeLessThan(ENDLESS_SEEDS);
    expect(run.stdout()).toContain(`      interrupted after ${seedsRun} of ${ENDLESS_SEEDS} seeds\n`);
    expect(run.stdout()).toContain('interrupted: 2 of 2 scenarios started; the results above cover only the seeds that ran\n');
    const xml = readFileSync(junit, 'utf8');
    expect([...xml.matchAll(/<testcase classname="[^"]*" name="(\S+)/g)].map((m) => m[1])).toEqual(['quick', 'endless']);
    expect(existsSync(path.join(report, 'index.html'))).toBe(true);
  });

  it('SIGTERM: the same, exit 143', async () => {
    const quick = variant('gc-pause-fenced', 'quick', 2);
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const junit = path.join(dir, 'junit.xml');
    const run = start('run', quick, endless, '--jobs', '1', '--junit', junit);
    await until(run, () => run.stdout().includes('PASS  quick'));
    run.process.kill('SIGTERM');
    const { code } = await run.exited;

    expect(code, run.stderr()).toBe(143);
    expect(run.stderr()).toBe('SIGTERM: stopping after the current seed and writing what was done (again to stop at once)\n');
    expect(run.stdout()).toMatch(/^STOP {2}endless /m);
    expect([...readFileSync(junit, 'utf8').matchAll(/<testcase classname="[^"]*" name="(\S+)/g)].map((m) => m[1])).toEqual(['quick', 'endless']);
  });

  it('Ctrl-C on a terminal: the progress line is cleared and the JSON result says interrupted', async () => {
    // A pseudo-terminal (util-linux `script`), so the progress line is drawn and Ctrl-C is the
    // byte a user types, turned into SIGINT by the terminal.
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const env = { ...process.env };
    delete env.CI;
    const command = `exec ${process.execPath} bin/lockstep.js run ${endless} --jobs 1 --json`;
    const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child = proc;
    let screen = '';
    proc.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
    while (!/seed (?:[3-9]|[1-9]\d+)\/1000000/.test(screen)) await new Promise((resolve) => proc.stdout.once('data', resolve));
    proc.stdin.write('\u0003');
    expect(await exited).toBe(130);

    const progress = [...screen.matchAll(/\r(\[1\/1\] endless: seed \d+\/1000000)/g)].map((m) => m[1]!);
    const widest = Math.max(...progress.map((line) => line.length));
    expect(screen).toContain(`\r${' '.repeat(widest)}\rSIGINT: stopping after the current seed`);
    const json = JSON.parse(screen.slice(screen.indexOf('{')).replace(/\r/g, '')) as { interrupted: boolean; scenarios: { scenario: string; seedsRun: number }[] };
    expect(json.interrupted).toBe(true);
    expect(json.scenarios).toHaveLength(1);
    expect(json.scenarios[0]!.seedsRun).toBeGreaterThanOrEqual(3);
    expect(json.scenarios[0]!.seedsRun).toBeLessThan(ENDLESS_SEEDS);
  });

  it('a second SIGINT ends the process at once, writing nothing more', async () => {
    // Five failing seeds, each re-simulated for its report page: the process is still writing
    // when the second signal arrives.
    const failing = variant('gc-pause-unfenced', 'failing', 5, 'pass');
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const report = path.join(dir, 'report');
    const run = start('run', failing, endless, '--jobs', '1', '--report', report);
    await until(run, () => run.stdout().includes('FAIL  failing'));
    run.process.kill('SIGINT');
    await new Promise<void>((resolve) => {
      const check = (): void => (run.stderr().includes('SIGINT: stopping') ? resolve() : void run.process.stderr!.once('data', check));
      check();
    });
    run.process.kill('SIGINT');
    const { code, signal } = await run.exited;

    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(existsSync(path.join(report, 'index.html'))).toBe(false);
  });

  it('--jobs 2: no chunk starts after Ctrl-C, the chunks running finish, and the JSON says interrupted', async () => {
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const { code, screen } = await ctrlCOnTerminal(`run ${endless} --jobs 2 --json`);
    expect(code).toBe(130);
    const json = JSON.parse(screen.slice(screen.indexOf('{')).replace(/\r/g, '')) as { interrupted: boolean; ok: boolean; scenarios: { scenario: string; seedsRun: number; met: boolean }[] };
    expect(json.interrupted).toBe(true);
    expect(json.scenarios.map((s) => s.scenario)).toEqual(['endless']);
    expect(json.scenarios[0]!.seedsRun).toBeGreaterThan(0);
    expect(json.scenarios[0]!.seedsRun).toBeLessThan(ENDLESS_SEEDS);
    expect(json.scenarios[0]!.met).toBe(true);
  });

  it('--shard: the shard result says interrupted, exit 130, and merge refuses it', async () => {
    const endless = variant('gc-pause-fenced', 'endless', ENDLESS_SEEDS);
    const { code, screen } = await ctrlCOnTerminal(`run ${endless} --shard 1/2 --jobs 1 --json`);
    expect(code).toBe(130);
    const shard = JSON.parse(screen.slice(screen.indexOf('{')).replace(/\r/g, '')) as { interrupted: boolean; scenarios: { seedsRun: number }[] };
    expect(shard.interrupted).toBe(true);
    expect(shard.scenarios[0]!.seedsRun).toBeGreaterThan(0);
    const file = path.join(dir, 'shard-1.json');
    writeFileSync(file, JSON.stringify(shard));
    const merge = start('merge', file);
    expect((await merge.exited).code).toBe(2);
    expect(merge.stderr()).toBe(`error: ${file}: shard 1/2 was interrupted before its seeds all ran; run that shard again\n`);
  });
});

/**
 * Runs lockstep on a pseudo-terminal (so the pool's progress line is drawn), types Ctrl-C once the
 * line shows seeds done, and returns the exit code and everything the terminal showed.
 */
async function ctrlCOnTerminal(args: string): Promise<{ code: number | null; screen: string }> {
  const env = { ...process.env };
  delete env.CI;
  const proc = spawn('script', ['-qfec', `exec ${process.execPath} bin/lockstep.js ${args}`, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child = proc;
  let screen = '';
  proc.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  while (!/seeds [1-9]\d*\//.test(screen)) await new Promise((resolve) => proc.stdout.once('data', resolve));
  proc.stdin.write('\u0003');
  return { code: await exited, screen };
}
