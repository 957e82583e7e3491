import { describe, expect, it } from 'vitest';
import { centreDigit } from './centreDigit.ts';
import { rgbaToDigit } from './localFiles.ts';

/** A `size × size` dark canvas with a light filled rectangle [x0, x0 + w) × [y0, y0 + h), as RGBA. */
function canvasWithBar(size: number, x0: number, y0: number, w: number, h: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h ? 255 : 0;
      rgba.set([v, v, v, 255], (y * size + x) * 4);
    }
  }
  return rgba;
}

function layout(digit: Float32Array): { cx: number; cy: number; width: number; height: number } {
  let mass = 0, cx = 0, cy = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = digit[y * 28 + x]!;
      mass += v; cx += v * x; cy += v * y;
      if (v > 0.1) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  return { cx: cx / mass, cy: cy / mass, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('centreDigit (MNIST normalisation of a person\'s digits)', () => {
  it('scales a small stroke drawn in a corner of the canvas into 20 px, keeps its aspect and centres its mass', () => {
    // A "1": a bar 8 px wide and 40 px tall near the top-left of a 196 px drawing pad.
    const digit = rgbaToDigit(canvasWithBar(196, 10, 6, 8, 40), 196, 196);
    const { cx, cy, width, height } = layout(digit);
    expect(height).toBe(20);
    expect(width).toBe(4);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('gives the same digit wherever and however large it was drawn', () => {
    const small = rgbaToDigit(canvasWithBar(196, 150, 140, 20, 30), 196, 196);
    const large = rgbaToDigit(canvasWithBar(196, 40, 20, 100, 150), 196, 196);
    let diff = 0;
    for (let i = 0; i < 784; i++) diff = Math.max(diff, Math.abs(small[i]! - large[i]!));
    expect(diff).toBeLessThan(0.05);
  });

  it('inverts a dark digit on a light photo before centring', () => {
    const rgba = canvasWithBar(100, 5, 5, 10, 10);
    for (let i = 0; i < rgba.length; i += 4) rgba.fill(255 - rgba[i]!, i, i + 3);
    const { cx, cy, width } = layout(rgbaToDigit(rgba, 100, 100));
    expect(width).toBe(20);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('leaves an empty drawing empty', () => {
    expect(centreDigit(new Float32Array(196 * 196), 196, 196).every((v) => v === 0)).toBe(true);
  });
});
