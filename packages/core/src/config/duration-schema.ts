import { z } from 'zod';
import { parseDuration } from '../duration.ts';

/** A duration written as "30s", "15m", "6h" or seconds; kept as written, parsed with parseDuration. */
export const duration = z.union([z.string(), z.number().nonnegative()]).refine(
  (value) => {
    try {
      parseDuration(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a duration such as "30s", "15m", "6h" or a number of seconds' },
);
