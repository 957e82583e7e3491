// Tests for the client's partial-work stop time and its examples-per-step count.
import { describe, expect, it } from 'vitest';
import { examplesTrained, partialStop, PARTIAL_MARGIN_MS } from './workTiming.ts';

describe('partialStop', () => {
  it('keeps a tenth of the time left for the upload, and at least the least margin', () => {
    expect(partialStop(60_000, 0)).toBe(54_000);
    expect(partialStop(2_000, 0)).toBe(2_000 - PARTIAL_MARGIN_MS);
  });
});

describe('examplesTrained', () => {
  it('counts a step as a batch, or the whole data when it is smaller than a batch', () => {
    expect(examplesTrained(12, 10, 100)).toBe(120);
    expect(examplesTrained(3, 10, 4)).toBe(12);
  });
});
