// The unmasked weight sum of a secure round against what its survivors declared.

import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { checkSecureWeight } from './secAggBounds.ts';

describe('checkSecureWeight', () => {
  it('accepts a total up to the declared counts (a client may encode less than it declared)', () => {
    expect(() => checkSecureWeight(1200, [600, 600])).not.toThrow();
    expect(() => checkSecureWeight(900, [600, 600])).not.toThrow();
  });

  it('refuses a total above the declared counts with FLT_BAD_EXAMPLE_COUNT', () => {
    let caught: unknown;
    try {
      checkSecureWeight(1201, [600, 600]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FlotillaError);
    expect((caught as FlotillaError).code).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect((caught as FlotillaError).message).toMatch(/sum to 1201, more than the 1200 examples they declared/);
  });
});
