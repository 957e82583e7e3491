// For tests: the coded error a call throws, as its code.

import { FlotillaError } from '@flotilla/protocol';

/**
 * The FlotillaError code `fn` throws, 'other' for any other exception, 'none' when it returns.
 * @example expect(codeOf(() => resolveTaskConfig({ fit: { epochs: 0 } }))).toBe(ErrorCodes.INVALID_TASK);
 */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof FlotillaError ? err.code : 'other';
  }
  return 'none';
}
