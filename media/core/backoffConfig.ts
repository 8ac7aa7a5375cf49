import type { z } from 'zod';

/**
 * The check every config slice with a retry schedule (`backoffInitialMs`, `backoffMaxMs`) runs
 * in its `superRefine`: the cap may not be below the first delay ({@link Backoff} would throw
 * at start-up, without naming the setting).
 */
export function refineBackoff(value: { backoffInitialMs: number; backoffMaxMs: number }, ctx: z.RefinementCtx): void {
  if (value.backoffMaxMs < value.backoffInitialMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['backoffMaxMs'],
      message: `must be at least backoffInitialMs (${value.backoffInitialMs} ms)`,
    });
  }
}
