import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairMap } from '../../src/check/pair-map.js';

type Op = { set: boolean; client: string; resource: string; value: number };

/** The plain model: resources listed in the order they last went from no entry to one. */
class Model {
  readonly order: string[] = [];
  readonly on = new Map<string, [string, number][]>();

  set(client: string, resource: string, value: number): void {
    const list = this.on.get(resource) ?? [];
    if (list.length === 0) {
      this.on.set(resource, list);
      this.order.push(resource);
    }
    const at = list.findIndex(([c]) => c === client);
    if (at >= 0) list[at] = [client, value];
    else list.push([client, value]);
  }

  delete(client: string, resource: string): boolean {
    const list = this.on.get(resource) ?? [];
    const at = list.findIndex(([c]) => c === client);
    if (at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.order.splice(this.order.indexOf(resource), 1);
    return true;
  }

  all(): [string, string, number][] {
    return this.order.flatMap((r) => (this.on.get(r) ?? []).map(([c, v]): [string, string, number] => [c, r, v]));
  }
}

describe('PairMap', () => {
  it('agrees with a plain model on every read after every change, including the iteration order', () => {
    const op = fc.record(
      { set: fc.boolean(), client: fc.constantFrom('c1', 'c2', 'c3'), resource: fc.constantFrom('a', 'b', 'c'), value: fc.nat(9) },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80, size: 'max' }), (ops: Op[]) => {
        const map = new PairMap<number>();
        const model = new Model();
        for (const { set, client, resource, value } of ops) {
          if (set) {
            map.set(client, resource, value);
            model.set(client, resource, value);
          } else {
            expect(map.delete(client, resource)).toBe(model.delete(client, resource));
          }
          expect([...map.all()]).toEqual(model.all());
          expect(map.size).toBe(model.all().length);
          for (const r of ['a', 'b', 'c']) {
            const mine = model.on.get(r) ?? [];
            expect([...map.onResource(r)]).toEqual(mine);
            expect([...map.valuesOn(r)]).toEqual(mine.map(([, v]) => v));
            expect(map.countOn(r)).toBe(mine.length);
            for (const c of ['c1', 'c2', 'c3']) expect(map.get(c, r)).toBe(mine.find(([x]) => x === c)?.[1]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
