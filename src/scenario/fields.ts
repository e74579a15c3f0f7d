/**
 * The field types the scenario schema is built from: times as whole microseconds in ms, clock
 * rates, node and resource names, modes. One definition each, so a time means the same in a
 * step, a fault and the lock service.
 */
import { z } from 'zod';
import { withGot } from './issues.js';
import { isWholeMicroseconds } from '../sim/index.js';
import { MAX_DRIFT_PPM, MAX_NAME_CHARS, MAX_RESOURCE_BYTES, MAX_TIME_MS, MODES } from './vocabulary.js';

const encoder = new TextEncoder();

const wholeUs = { error: withGot('must be a whole number of microseconds (at most 3 decimals)') };

/** A point in time or a duration that may be zero. */
export const msAtLeast0 = () =>
  z.number().min(0).max(MAX_TIME_MS).refine(isWholeMicroseconds, wholeUs);
/** A duration that must be positive. */
export const msAbove0 = () =>
  z.number().gt(0).max(MAX_TIME_MS).refine(isWholeMicroseconds, wholeUs);
/** A signed offset (a clock jump may go backwards). */
export const msSigned = () =>
  z
    .number()
    .min(-MAX_TIME_MS)
    .max(MAX_TIME_MS)
    .refine(isWholeMicroseconds, wholeUs)
    .refine((v) => v !== 0, { error: 'must not be 0 (a jump of 0 does nothing)' });
export const ppm = () => z.number().min(-MAX_DRIFT_PPM).max(MAX_DRIFT_PPM);
export const rate = () => z.number().min(0).max(1);

/** A node name as written in a fault; whether it exists is checked by validate.ts. */
export const nodeName = () => z.string().min(1).max(MAX_NAME_CHARS);

export const resourceName = () =>
  z
    .string()
    .min(1)
    .refine((s) => encoder.encode(s).length <= MAX_RESOURCE_BYTES, {
      error: withGot(`must be at most ${MAX_RESOURCE_BYTES} bytes (UTF-8)`),
    });

export const mode = () => z.enum(MODES);
