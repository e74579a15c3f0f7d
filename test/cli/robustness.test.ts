// Input the loader once accepted and the run then crashed on, and output paths that cannot be
// written: each is now refused at load time (exit 2, the file and field named) or runs to a
// result. Also the small usability rules: non-UTF-8 files, every problem of a file listed, a
// negative --seed, `run NAME`.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, type CliRun } from './cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-robust-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A one-client dlm scenario, short enough that a run takes well under a second. */
function scenario(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'robust',
    clients: [{ id: 'c1', steps: [{ op: 'lock', resource: 'file' }, { op: 'write', resource: 'file', value: 'v' }, { op: 'unlock', resource: 'file' }] }],
    durationMs: 5000,
    seeds: 2,
    ...overrides,
  };
}

function file(name: string, content: string | Buffer): string {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
}

function scenarioFile(overrides: Record<string, unknown>): string {
  return file('robust.json', JSON.stringify(scenario(overrides)));
}

/** Exit 2, every stderr line an `error:` line, `mentions` in it, no stack frame, nothing on stdout. */
function expectRefused(run: CliRun, mentions: string[]): void {
  expect(run.code, `stderr: ${run.stderr}`).toBe(2);
  expect(run.stdout).toBe('');
  for (const line of run.stderr.trimEnd().split('\n')) expect(line.startsWith('error: ')).toBe(true);
  expect(run.stderr).not.toMatch(/^\s{4}at /m);
  for (const m of mentions) expect(run.stderr).toContain(m);
}

describe('scenarios that crashed the run are refused at load time', () => {
  it('a dlm lease with keepAliveMs 0', () => {
    expectRefused(cli('run', scenarioFile({ lockService: { leaseMs: 10000, keepAliveMs: 0 } })), [
      'lockService.keepAliveMs: must be above 0 when leaseMs is set (10000)',
    ]);
  });

  it('a dlm lease too short for its default keep-alive', () => {
    expectRefused(cli('run', scenarioFile({ lockService: { leaseMs: 2 } })), [
      'lockService.leaseMs: 2 leaves the default keepAliveMs (leaseMs/3, floored) at 0',
    ]);
  });

  it('a clock skew beyond what a node offset can be drawn from', () => {
    expectRefused(cli('run', scenarioFile({ clocks: { skewMs: 2_147_484 } })), ['clocks.skewMs: must be at most 2147483.647']);
  });

  it('steps × repeat over the step budget', () => {
    const steps = Array.from({ length: 11 }, () => ({ op: 'sleep', ms: 1 }));
    expectRefused(cli('run', scenarioFile({ clients: [{ id: 'c1', repeat: 10000, steps }] })), [
      'clients[0].repeat: 11 steps × repeat 10000 = 110000 is more than the 100000 steps one client may run',
    ]);
  });

  it('a sub-normal time, below the resolution of 1 µs', () => {
    expectRefused(cli('run', scenarioFile({ network: { latencyMs: [1e-320, 5] } })), [
      'network.latencyMs[0]: must be a whole number of microseconds (at most 3 decimals), got 1e-320',
    ]);
  });

  it('a heartbeat below 1 ms', () => {
    expectRefused(cli('run', scenarioFile({ lockService: { heartbeatMs: 0.5 } })), ['lockService.heartbeatMs: must be at least 1, got 0.5']);
  });
});

describe('times binary floating point cannot hold exactly run', () => {
  it('a latency of 1.001 ms and a run of 4999.999 ms complete with a result', () => {
    const run = cli('run', scenarioFile({ network: { latencyMs: [1.001, 2.003] }, durationMs: 4999.999 }), '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, scenarios: [{ scenario: 'robust', seedsRun: 2, met: true }] });
  });
});

describe('output paths that cannot be written: exit 2, the flag and path named, nothing written', () => {
  const cases: [string, string[]][] = [
    ['--report', ['replay', 'gc-pause-unfenced', '--seed', '0', '--report', '/dev/null/x']],
    ['--trace', ['replay', 'gc-pause-unfenced', '--seed', '0', '--trace', '/dev/null/x']],
    ['--junit', ['run', 'scenarios/gc-pause-fenced.json', '--seed', '0', '--junit', '/dev/null/x']],
    ['--report', ['run', 'scenarios/gc-pause-fenced.json', '--seed', '0', '--report', '/dev/null/x']],
  ];
  for (const [flag, args] of cases) {
    it(`${args[0]} ${flag} /dev/null/x`, () => {
      expectRefused(cli(...args), [`error: ${flag} /dev/null/x: cannot write (a part of the path is a file, not a folder)`]);
    });
  }

  it('a --report that is a file and a --trace that is a folder', () => {
    const plain = file('plain.txt', 'x');
    expectRefused(cli('replay', 'gc-pause-unfenced', '--seed', '0', '--report', plain), [`--report ${plain}: cannot write (is a file, not a folder)`]);
    expectRefused(cli('replay', 'gc-pause-unfenced', '--seed', '0', '--trace', dir), [`--trace ${dir}: cannot write (is a folder, not a file)`]);
    expect(readdirSync(dir)).toEqual(['plain.txt']);
  });

  it('--report /proc/x and --trace /proc/x/t are refused at once (a recursive mkdir under /proc never returns)', () => {
    // Refused by the permission bits for a user, by a probe entry for root: either way exit 2, the path named.
    for (const [flag, target] of [['--report', '/proc/x'], ['--trace', '/proc/x/t.jsonl']] as const) {
      const run = cli('replay', 'gc-pause-unfenced', '--seed', '0', flag, target);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^error: ${flag} ${target}: cannot write \\((permission denied|/proc takes no new entries: no such folder)\\)\n$`));
    }
  });

  it('one bad output path refuses the run before any other output is written', () => {
    const junit = path.join(dir, 'junit.xml');
    expectRefused(cli('run', 'scenarios/gc-pause-fenced.json', '--seed', '0', '--junit', junit, '--report', '/dev/null/x'), ['--report /dev/null/x']);
    expect(existsSync(junit)).toBe(false);
  });
});

describe('small rules of the loader and the command line', () => {
  it('a file that is not UTF-8 is refused with the line of the first bad byte', () => {
    const text = JSON.stringify({ title: 'f\u00eele', ...scenario({}) }, null, 1);
    const bad = file('latin1.json', Buffer.from(text, 'latin1'));
    expectRefused(cli('run', bad), [`${bad}: is not UTF-8 text: byte 0xee at line 2 (byte offset ${text.indexOf('\u00ee')}); save the file as UTF-8`]);
  });

  it('"managers": 1e16 names the limit of 32, not the safe-integer range', () => {
    const run = cli('run', scenarioFile({ managers: 1e16 }));
    expectRefused(run, ['managers: must be at most 32, got 10000000000000000']);
    expect(run.stderr).not.toContain('9007199254740991');
  });

  it('every problem of a file is listed, one line each', () => {
    const bad = scenarioFile({ managers: 'x', seeds: -1, durationMs: 0 });
    const run = cli('run', bad);
    expectRefused(run, []);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `error: ${bad}: managers: expected a number, got "x"`,
      `error: ${bad}: durationMs: must be positive, got 0`,
      `error: ${bad}: seeds: must be at least 1, got -1`,
    ]);
  });

  it('--seed -1 says what a seed may be', () => {
    expectRefused(cli('replay', 'gc-pause-unfenced', '--seed', '-1'), ['--seed: expected an integer in [0, 2^32), got "-1"']);
    expectRefused(cli('run', '--seed', '-1'), ['--seed: expected an integer in [0, 2^32), got "-1"']);
  });

  it('run NAME runs the catalogue scenario of that name, as replay NAME does', () => {
    const run = cli('run', 'gc-pause-fenced', '--seed', '3', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, scenarios: [{ scenario: 'gc-pause-fenced', file: 'scenarios/gc-pause-fenced.json', seedsRun: 1 }] });
    expectRefused(cli('run', 'no-such-scenario'), ['no-such-scenario: no such file, and no scenario of that name in scenarios']);
  });
});
