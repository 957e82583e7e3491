// Tests for pixel conversion and resizing, against values computed by hand.

import { describe, expect, it } from 'vitest';
import { resizePixels, toChannels } from './imagePixels.ts';

const close = (actual: Float32Array, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 5));
};

describe('toChannels', () => {
  it('turns RGB into gray by BT.601 luma and keeps RGB for 3 channels', () => {
    const image = { width: 2, height: 1, data: Uint8Array.of(255, 0, 0, 255, 0, 51, 255, 255) };
    close(toChannels(image, 1), [0.299, 0.587 * 0.2 + 0.114]);
    close(toChannels(image, 3), [1, 0, 0, 0, 0.2, 1]);
  });

  it('composites transparency over black by default, over white when asked', () => {
    // White at half alpha, then a fully transparent red pixel.
    const image = { width: 2, height: 1, data: Uint8Array.of(255, 255, 255, 51, 255, 0, 0, 0) };
    close(toChannels(image, 1), [0.2, 0]);
    close(toChannels(image, 3, 'white'), [1, 1, 1, 1, 1, 1]);
    close(toChannels({ width: 1, height: 1, data: Uint8Array.of(0, 0, 0, 51) }, 1, 'white'), [0.8]);
  });
});

describe('resizePixels', () => {
  it('shrinks by area: each output is the mean of the block it covers', () => {
    const pixels = Float32Array.from({ length: 16 }, (_, i) => i / 15);
    // 4×4 → 2×2: the top-left block holds 0, 1, 4, 5 (/15).
    close(resizePixels(pixels, 4, 4, 1, 2, 2), [2.5 / 15, 4.5 / 15, 10.5 / 15, 12.5 / 15]);
  });

  it('weighs partly covered pixels by their overlap (3 → 2)', () => {
    // Output 0 covers [0, 1.5): pixel 0 whole, half of pixel 1, over a width of 1.5.
    close(resizePixels(Float32Array.of(0, 0.6, 0.9), 1, 3, 1, 1, 2), [(0 + 0.5 * 0.6) / 1.5, (0.5 * 0.6 + 0.9) / 1.5]);
  });

  it('enlarges bilinearly with pixel centres aligned, clamped at the edges', () => {
    close(resizePixels(Float32Array.of(0, 1), 1, 2, 1, 1, 4), [0, 0.25, 0.75, 1]);
    close(resizePixels(Float32Array.of(0, 1), 2, 1, 1, 4, 1), [0, 0.25, 0.75, 1]);
  });

  it('resizes each channel on its own', () => {
    // Two RGB pixels side by side → one: the mean of each channel.
    close(resizePixels(Float32Array.of(1, 0, 0.2, 0, 1, 0.4), 1, 2, 3, 1, 1), [0.5, 0.5, 0.3]);
  });
});
