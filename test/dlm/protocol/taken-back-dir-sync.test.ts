/**
 * A directory node never counts a `dir-sync` sent before its own death verdict on the sender
 * (issue 12, `stale-write (superseded)`). A manager that declares a peer dead without a quorum and
 * takes it back at the same generation re-enters a view of the very same name; the peer, which
 * never held it dead, keeps its view, and sends no new `dir-sync`. Its old one, counted by view
 * name, let the directory answer look-ups at once from records the verdict had rewritten: the
 * peer's names were orphaned or handed away, so the directory made a second master of them.
 *
 * 3m-long-lease seed 47649: m2 pauses (18,680 ms) as m1 grants c1 EX on a (token 60). Resuming
 * (23,116 ms), m2 declares m1@0 dead without a quorum: its own `dir-sync` orphans a (m2 directs
 * it) and hands b's record to m3. m1, which never declared m2 dead, is taken back at 24,002.427 ms
 * into `m1@0,m2@0,m3@1000`, the view m1's `dir-sync` of 18,130.593 ms names: counted, it let m2
 * answer its own look-up of a with itself as recovering master and m3's of b with m3, beside m1.
 * m2's rebuild ended c1's lock (superseded, 24,238.979 ms), and c1's write with token 60 landed
 * after it (24,453.215 ms). Now the verdict voids m1's `dir-sync`, m2's `dir-sync` to m1 asks for a
 * fresh one, m1 answers it (24,009.232 ms), and the claims in it keep m1 the master of a and b.
 *
 * The unit half drives one DirectoryRole (m2 of m1, m2, m3) by hand.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { DirectoryRole } from '../../../src/dlm/protocol/directory.js';
import type { ManagerEnv } from '../../../src/dlm/protocol/env.js';
import type { DirectorySyncBody, PeerMsg } from '../../../src/dlm/protocol/wire.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeLong = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-long-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-long-lease: a directory node waits for the dir-sync of a peer it took back', () => {
  it('47649: m1 stays the only master of a, c1 writes with token 60 while it holds the lock, and no invariant is violated', () => {
    const { result, events } = runTwice(threeLong, 47649);
    const view = (e: { t: number; node: string; f: Record<string, unknown> }) => `${e.t} ${e.node} ${String(e.f.view)} dead=${String(e.f.dead)} joined=${String(e.f.joined)}`;
    expect(pick(events, 'dlm-view').filter((e) => e.t > 23_000).map(view)).toEqual([
      '23116 m2 m2@0,m3@1000 dead=m1@0 joined=',
      '24002.427 m2 m1@0,m2@0,m3@1000 dead= joined=m1@0',
    ]);
    // m1 never changed its view, yet answers the dir-sync that asks it for a fresh one.
    const syncs = pick(events, 'send', { msg: 'dir-sync' }).filter((e) => e.t > 24_000 && e.t < 24_100);
    expect(syncs.map((e) => `${e.t} ${String(e.f.from)}->${String(e.f.to)}`)).toEqual([
      '24002.427 m2->m1',
      '24002.427 m2->m3',
      '24009.232 m1->m2',
    ]);
    // Only m1 grants a and b from the grant of token 60 to the end of the run: no rebuild anywhere.
    expect(pick(events, 'grant').filter((e) => e.t > 18_680 && e.node !== 'm1')).toEqual([]);
    expect(pick(events, 'release', { reason: 'superseded' })).toEqual([]);
    expect(pick(events, 'send', { msg: 'gather-req' })).toEqual([]);
    expect(timelineBetween(events, 'a', 18_680, 24_480)).toEqual([
      '18680.813 m1 grant client=c1 mode=EX token=60',
      '24241.891 m1 enqueue client=c2 mode=EX queue=waiting',
      '24472.923 m1 release client=c1 reason=unlock',
      '24472.923 m1 grant client=c2 mode=EX token=61',
    ]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 60 }).map((e) => e.t)).toEqual([24453.59]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('4222bd48ecd0a97b');
  });
});

const V3 = 'm1@0,m2@0,m3@1000';
const V2 = 'm2@0,m3@1000';

/** m2's directory role over a hand-set view, recording the look-up answers it posts. */
function bench() {
  const gens = new Map([
    ['m1', 0],
    ['m2', 0],
    ['m3', 1000],
  ]);
  const members = {
    live: ['m1', 'm2', 'm3'],
    viewKey: V3,
    hasQuorum: true,
    isAlive(id: string) {
      return this.live.includes(id);
    },
    genOf: (id: string) => gens.get(id) ?? -1,
  };
  const answers: string[] = [];
  const env = {
    id: 'm2',
    members,
    post(to: string, msg: PeerMsg) {
      const body = msg.body as { root: string; master: string; recover: boolean };
      answers.push(`${to} ${body.root} master=${body.master} recover=${String(body.recover)}`);
    },
  } as unknown as ManagerEnv;
  const dir = new DirectoryRole(env, new Map());
  return { dir, members, gens, answers };
}

function sync(view: string, claims: string[] = [], orphans: string[] = [], ask = 0, answers = 0): DirectorySyncBody {
  return { view, claims, rebuilding: [], orphans, lost: [], ask, answers };
}

describe('DirectoryRole: a death verdict voids the dir-sync of the peer it judged', () => {
  /** m2 in V3 with every dir-sync in, m1 claiming a; then m1@0 declared dead and a orphaned by m2's own V2 sync. */
  function afterVerdict() {
    const b = bench();
    for (const from of ['m1', 'm2', 'm3']) b.dir.onDirSync(from, sync(V3, from === 'm1' ? ['a'] : []));
    b.members.live = ['m2', 'm3'];
    b.members.viewKey = V2;
    b.dir.onViewChange([{ id: 'm1', gen: 0 }]);
    b.dir.onDirSync('m2', sync(V2, [], ['a']));
    // Taken back at the same generation: the view of m1's old dir-sync, by name.
    b.members.live = ['m1', 'm2', 'm3'];
    b.members.viewKey = V3;
    b.dir.onViewChange([]);
    b.dir.onDirSync('m2', sync(V3));
    return b;
  }

  it('waits for the taken-back peer, counts only the dir-sync that answers its ask, and then names that peer the master', () => {
    const b = afterVerdict();
    expect(b.dir.askOf('m1')).toBe(1);
    expect(b.dir.askOf('m3')).toBe(0);
    b.dir.onLookup('m2', 'a', V3);
    expect(b.answers).toEqual([]);
    // A dir-sync from before the verdict, delivered late, answers nothing: it does not count.
    b.dir.onDirSync('m1', sync(V3, ['a']));
    expect(b.answers).toEqual([]);
    b.dir.onDirSync('m1', sync(V3, ['a'], [], 0, 1));
    expect(b.answers).toEqual(['m2 a master=m1 recover=false']);
    expect(b.dir.askOf('m1')).toBe(0);
  });

  it('does not count an answer to an earlier ask after a later verdict', () => {
    const b = afterVerdict();
    b.members.live = ['m2', 'm3'];
    b.members.viewKey = V2;
    b.dir.onViewChange([{ id: 'm1', gen: 0 }]);
    b.members.live = ['m1', 'm2', 'm3'];
    b.members.viewKey = V3;
    b.dir.onViewChange([]);
    expect(b.dir.askOf('m1')).toBe(2);
    b.dir.onLookup('m2', 'a', V3);
    b.dir.onDirSync('m1', sync(V3, ['a'], [], 0, 1));
    expect(b.answers).toEqual([]);
    b.dir.onDirSync('m1', sync(V3, ['a'], [], 0, 2));
    expect(b.answers).toEqual(['m2 a master=m1 recover=false']);
  });

  it('asks nothing of a newer generation, which announces its view itself', () => {
    const b = afterVerdict();
    b.gens.set('m1', 1000);
    b.members.viewKey = 'm1@1000,m2@0,m3@1000';
    b.dir.onViewChange([]);
    expect(b.dir.askOf('m1')).toBe(0);
    for (const from of ['m1', 'm2', 'm3']) b.dir.onDirSync(from, sync('m1@1000,m2@0,m3@1000'));
    b.dir.onLookup('m3', 'a', 'm1@1000,m2@0,m3@1000');
    expect(b.answers).toEqual(['m3 a master=m3 recover=true']);
  });

  it('remembers the latest ask of each peer generation, which its dir-syncs to it answer', () => {
    const b = bench();
    expect(b.dir.answersTo('m1')).toBe(0);
    b.dir.onDirSync('m1', sync(V3, [], [], 3));
    expect(b.dir.answersTo('m1')).toBe(3);
    b.gens.set('m1', 1000);
    expect(b.dir.answersTo('m1')).toBe(0);
  });
});
