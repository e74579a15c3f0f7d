// What the product prints and ships cites sources a reader can follow: the lessons name primary
// sources with their addresses, the help text cites nothing outside the repository, and
// docs/pitfalls.md lists, for each pitfall, exactly the scenarios whose `pitfalls` field names it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageLine, loadScenarios, pitfallLessons, type Scenario } from '../../src/scenario/index.js';
import { catalogueFiles, cli, ROOT } from './cli.js';

/** Citations of files a user does not have: the developers' notes and the design document. */
const PRIVATE_CITATIONS = ['reference/', 'dlm-semantics', 'dst-anchors', 'pitfalls S', 'DESIGN §'];

function privateCitations(text: string): string[] {
  return PRIVATE_CITATIONS.filter((needle) => text.includes(needle));
}

async function catalogue(): Promise<Scenario[]> {
  const loaded = await loadScenarios(catalogueFiles());
  return loaded.map((entry) => entry.scenario);
}

describe('lessons cite sources a reader can follow', () => {
  it('no lesson or title cites the developers\' notes or the design document', async () => {
    for (const scenario of await catalogue()) {
      expect(privateCitations(scenario.lesson), scenario.name).toEqual([]);
      expect(privateCitations(scenario.title), scenario.name).toEqual([]);
    }
  });

  it('every lesson ends with a Source line that gives at least one address', async () => {
    for (const scenario of await catalogue()) {
      const line = scenario.lesson.trimEnd().split('\n').at(-1)!;
      expect(line, scenario.name).toMatch(/^Sources?: /);
      expect(line, scenario.name).toMatch(/https?:\/\/\S+/);
    }
  });

  it('the guard itself catches each private citation', () => {
    expect(privateCitations('Source: pitfalls S01; dlm-semantics §6; reference/dst-anchors.md; DESIGN §5.3')).toEqual(PRIVATE_CITATIONS);
    expect(privateCitations('Source: Kleppmann (2016), https://martin.kleppmann.com/')).toEqual([]);
  });
});

describe('the help text cites nothing outside the repository', () => {
  for (const args of [['--help'], ['run', '--help'], ['replay', '--help'], ['list', '--help']]) {
    it(`lockstep ${args.join(' ')}`, () => {
      const { code, stdout } = cli(...args);
      expect(code).toBe(0);
      expect(stdout.length).toBeGreaterThan(0);
      expect(privateCitations(stdout)).toEqual([]);
    });
  }
});

/** The `**Lessons:**` line of each numbered section of docs/pitfalls.md, parsed. */
function documentedLessons(): Map<number, { broken: string[]; fixed: string[] }> {
  const text = readFileSync(path.join(ROOT, 'docs', 'pitfalls.md'), 'utf8');
  const sections = text.split(/^## /m).slice(1);
  const result = new Map<number, { broken: string[]; fixed: string[] }>();
  for (const section of sections) {
    const number = Number(/^(\d+)\. /.exec(section)?.[1]);
    const line = /^\*\*Lessons:\*\* (.*)$/m.exec(section)?.[1] ?? '';
    const names = (part: string | undefined) => [...(part ?? '').matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!);
    const broken = /broken ([^;]*)/.exec(line)?.[1];
    const fixed = /fixed (.*)$/.exec(line)?.[1];
    result.set(number, { broken: names(broken), fixed: names(fixed) });
  }
  return result;
}

describe('docs/pitfalls.md', () => {
  it('explains the 25 pitfalls in order, each with its sources', () => {
    const text = readFileSync(path.join(ROOT, 'docs', 'pitfalls.md'), 'utf8');
    const headings = [...text.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    for (const section of text.split(/^## /m).slice(1)) {
      expect(section).toMatch(/^Sources?: /m);
      expect(section).toMatch(/^\*\*Lessons:\*\* /m);
    }
    expect(privateCitations(text)).toEqual([]);
  });

  it('names beside each pitfall exactly the scenarios that declare it, broken and fixed', async () => {
    const documented = documentedLessons();
    for (const lessons of pitfallLessons(await catalogue())) {
      expect(documented.get(lessons.pitfall), `pitfall ${lessons.pitfall}`).toEqual({
        broken: [...lessons.broken].sort(),
        fixed: [...lessons.fixed].sort(),
      });
    }
  });
});

describe('pitfall coverage', () => {
  const scenario = (name: string, broken: number[], fixed: number[]) => ({ name, pitfalls: { broken, fixed } });

  it('counts a pitfall only when it has both a broken lesson and a fixed twin', () => {
    const lessons = pitfallLessons([scenario('a', [1, 2], []), scenario('b', [], [1]), scenario('c', [], [3])]);
    expect(lessons).toHaveLength(25);
    expect(lessons[0]).toEqual({ pitfall: 1, broken: ['a'], fixed: ['b'] });
    expect(lessons[1]).toEqual({ pitfall: 2, broken: ['a'], fixed: [] });
    const line = coverageLine(lessons);
    expect(line).toContain('1 of 25');
    expect(line).toContain('not covered: 2, 3, 4,');
  });

  it('lockstep list prints each scenario\'s pitfalls and the coverage of the catalogue', async () => {
    const { code, stdout } = cli('list');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gc-pause-unfenced +dlm +stale-write +1,2✗ +A GC pause/m);
    expect(stdout).toMatch(/^gc-pause-fenced +dlm +pass +1,2✓ +/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(coverageLine(pitfallLessons(await catalogue())));
  });
});
