/**
 * Model-based test of the lock space (dlm-semantics §2–§4, §6.2, §9): random command sequences
 * over 3 resources and 4 owners against the naive reference model, with every check of
 * model/harness.ts after every command. The second block is the checker's self-test: the same
 * property must fail against a space with a planted bug (one wrong matrix entry; a wait pass that
 * skips FIFO), or it could not catch those bugs in the real one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPATIBILITY, LockSpace } from '../../../src/dlm/core/index.js';
import { modelProperty } from './model/harness.js';

describe('§2–§4, §6.2, §9 lock space vs reference model (fc.commands)', () => {
  it('agrees with the model and keeps every invariant after every command', () => {
    fc.assert(modelProperty(() => new LockSpace()), { numRuns: 300 });
  });

  it('agrees with the model in the VMS profile (16-byte value block, conversion deadlocks left queued)', () => {
    fc.assert(modelProperty(() => new LockSpace({ profile: 'vms' })), { numRuns: 50 });
  });
});

describe('§2, §3.2 the model-based test catches planted bugs', () => {
  it('one wrong compatibility entry (PR held, PW requested, treated as compatible)', () => {
    const wrong = COMPATIBILITY.map((row) => [...row]);
    wrong[3]![4] = true;
    const details = fc.check(modelProperty(() => new LockSpace({ compatibility: wrong })), { numRuns: 300 });
    expect(details.failed).toBe(true);
    expect(String(details.errorInstance)).toMatch(/ModelMismatch/);
  });

  it('a wait pass that grants a compatible request ahead of its turn (skips FIFO)', () => {
    const details = fc.check(modelProperty(() => new LockSpace({ unsafeGrantSkipsFifo: true })), { numRuns: 300 });
    expect(details.failed).toBe(true);
    expect(String(details.errorInstance)).toMatch(/ModelMismatch/);
  });
});
