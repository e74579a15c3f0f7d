// The exit-code contract of DESIGN §5.1 for each kind of failure the CLI expects.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor, UsageError } from '../../src/cli/main.js';
import { NondeterminismError } from '../../src/explore/sweep.js';
import { ScenarioError } from '../../src/scenario/index.js';

describe('exitCodeFor', () => {
  afterEach(() => vi.restoreAllMocks());

  it('maps bad input to 2, nondeterminism to 3, and prints one error line', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    expect(exitCodeFor(new ScenarioError('scenarios/x.json', 'clients[0].id', 'duplicate client id "c1"'))).toBe(2);
    expect(exitCodeFor(new UsageError('replay: --seed S is required'))).toBe(2);
    expect(exitCodeFor(new NondeterminismError('x', 3, 'aaaa', 'bbbb'))).toBe(3);
    expect(lines).toEqual([
      'error: scenarios/x.json: clients[0].id: duplicate client id "c1"',
      'error: replay: --seed S is required',
      'error: lockstep: nondeterminism in x seed 3: trace hash aaaa on the first run, bbbb on the re-run',
    ]);
  });

  it('rethrows what it does not expect (a bug keeps its stack)', () => {
    const bug = new TypeError('boom');
    expect(() => exitCodeFor(bug)).toThrow(bug);
  });
});
