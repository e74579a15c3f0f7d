// Bad input through the real command: one test per error class. Each asserts exit code 2, a
// one-line message on stderr naming the file (or the argument) and the field, no stack trace,
// nothing on stdout, and no output file written half-way (DESIGN §5.1, §6).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, type CliRun } from './cli.js';

const BAD = 'test/cli/fixtures/bad';

let out: string;
beforeEach(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-bad-'));
});
afterEach(() => {
  rmSync(out, { recursive: true, force: true });
});

/** The output targets a command was given; none may exist after a bad-input exit. */
function targets() {
  return { junit: path.join(out, 'junit.xml'), report: path.join(out, 'report'), trace: path.join(out, 'trace.jsonl') };
}

/**
 * Exit 2, stderr is `error: ...` naming every `mentions` (on one line unless `oneLine` is false),
 * no stack frames, no stdout, nothing written.
 */
function expectBadInput(run: CliRun, mentions: string[], oneLine = true): void {
  expect(run.code, `stderr: ${run.stderr}`).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.startsWith('error: ')).toBe(true);
  if (oneLine) expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s{4}at /m);
  for (const m of mentions) expect(run.stderr).toContain(m);
  const t = targets();
  expect(existsSync(t.junit), 'junit file written').toBe(false);
  expect(existsSync(t.report), 'report folder written').toBe(false);
  expect(existsSync(t.trace), 'trace file written').toBe(false);
}

/** `run FILE --junit --report` and `replay FILE --seed 0 --trace --report` must both refuse FILE. */
function expectBadFile(file: string, mentions: string[]): void {
  const t = targets();
  expectBadInput(cli('run', file, '--junit', t.junit, '--report', t.report), [file, ...mentions]);
  expectBadInput(cli('replay', file, '--seed', '0', '--trace', t.trace, '--report', t.report), [file, ...mentions]);
}

describe('bad scenario files: exit 2, the file and the field named, nothing written', () => {
  it('an unknown field', () => {
    expectBadFile(`${BAD}/unknown-field.json`, ['lockService.leaseMS', 'unknown field', 'did you mean "leaseMs"']);
  });

  it('a field of the wrong type', () => {
    expectBadFile(`${BAD}/wrong-type.json`, ['durationMs', 'expected a number, got "10000"']);
  });

  it('an unknown lock mode', () => {
    expectBadFile(`${BAD}/unknown-mode.json`, ['clients[1].steps[0].mode', 'got "XX"']);
  });

  it('an unknown request flag', () => {
    expectBadFile(`${BAD}/unknown-flag.json`, ['clients[0].steps[0].flags[0]', 'got "NOWAIT"']);
  });

  it('an unknown step op', () => {
    expectBadFile(`${BAD}/unknown-op.json`, ['clients[0].steps[1].op', 'got "grab"']);
  });

  it('a fault naming a node that does not exist', () => {
    expectBadFile(`${BAD}/unknown-node.json`, ['faults[0].node', 'unknown node "m9"']);
  });

  it('duplicate client ids', () => {
    expectBadFile(`${BAD}/duplicate-client.json`, ['clients[1].id', 'duplicate client id "c1"']);
  });

  it('a negative time', () => {
    expectBadFile(`${BAD}/negative-time.json`, ['clients[1].startMs', 'must not be negative, got -5']);
  });

  it('malformed JSON, with line and column', () => {
    expectBadFile(`${BAD}/malformed.json`, ['malformed JSON at line 7, column 1']);
  });

  it('a missing file', () => {
    expectBadFile('test/cli/fixtures/does-not-exist.json', ['cannot read (no such file)']);
  });

  it('a suite folder holding one bad file fails as a whole, before any scenario runs', () => {
    const t = targets();
    const run = cli('run', 'scenarios', BAD, '--junit', t.junit, '--report', t.report);
    expectBadInput(run, [`${BAD}/`]);
  });
});

describe('bad arguments: exit 2, the argument named, nothing written', () => {
  it('a --seed that is not an integer in [0, 2^32)', () => {
    const t = targets();
    for (const seed of ['abc', '-1', '4294967296', '1.5', '']) {
      expectBadInput(cli('replay', 'scenarios/gc-pause-unfenced.json', `--seed=${seed}`, '--trace', t.trace, '--report', t.report), ['--seed', `"${seed}"`]);
      expectBadInput(cli('run', 'scenarios/gc-pause-unfenced.json', `--seed=${seed}`, '--junit', t.junit, '--report', t.report), ['--seed', `"${seed}"`]);
    }
    // `--seed -1` reads like an option after --seed; it still reaches the seed's own check.
    expectBadInput(cli('replay', 'scenarios/gc-pause-unfenced.json', '--seed', '-1', '--trace', t.trace), ['--seed: expected an integer in [0, 2^32), got "-1"']);
  });

  it('a --seeds that is not a positive whole number', () => {
    const t = targets();
    expectBadInput(cli('run', 'scenarios/gc-pause-unfenced.json', '--seeds', '0', '--junit', t.junit), ['--seeds', '"0"']);
  });

  it('replay without --seed', () => {
    const t = targets();
    expectBadInput(cli('replay', 'scenarios/gc-pause-unfenced.json', '--trace', t.trace), ['replay', '--seed S is required']);
  });

  it('an unknown option', () => {
    const t = targets();
    expectBadInput(cli('run', '--frobnicate', '--junit', t.junit), ['run', '--frobnicate']);
  });

  it('an option that does not apply to the command', () => {
    const t = targets();
    expectBadInput(cli('list', '--trace', t.trace), ['list', '--trace', "does not apply to 'list'"]);
  });

  it('an unknown command', () => {
    expectBadInput(cli('frobnicate', 'scenarios'), ["unknown command 'frobnicate'"]);
  });

  it('a replay SCENARIO name that is not in the catalogue', () => {
    const t = targets();
    const run = cli('replay', 'no-such-scenario', '--seed', '0', '--trace', t.trace);
    expectBadInput(run, ['no-such-scenario']);
  });
});
