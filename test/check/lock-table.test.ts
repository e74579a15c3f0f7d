import { describe, expect, it } from 'vitest';
import { LockTable } from '../../src/check/lock-table.js';

describe('lock table slots', () => {
  it('gives each slot holder its own state on every record, made when the record is made', () => {
    const table = new LockTable();
    const counts = table.resourceSlot(() => ({ count: 0 }));
    const names = table.resourceSlot((): string[] => []);
    const a = table.resource('a');
    const b = table.resource('b');
    counts.of(a).count = 3;
    names.of(a).push('x');
    expect(counts.of(a)).toEqual({ count: 3 });
    expect(counts.of(b)).toEqual({ count: 0 });
    expect(names.of(a)).toEqual(['x']);
    expect(names.of(b)).toEqual([]);
  });

  it('refuses a slot taken after the table recorded a resource (that record would lack it)', () => {
    const table = new LockTable();
    table.resource('a');
    expect(() => table.lockSlot(() => 0)).toThrow('check: a checker took a slot after the lock table recorded its first resource');
    expect(() => table.resourceSlot(() => 0)).toThrow('check: a checker took a slot after the lock table recorded its first resource');
  });
});
