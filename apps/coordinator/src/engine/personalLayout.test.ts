import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { personalLayout } from './personalLayout.ts';

// A two-layer model: hidden [3,2] [2], output [2,2] [2] — 6 + 2 + 4 + 2 = 14 weights.
const layout = {
  shapes: [[3, 2], [2], [2, 2], [2]],
  trainable: null,
  layers: [{ name: 'hidden', tensors: [0, 1] }, { name: 'output', tensors: [2, 3] }],
};

describe('personalLayout', () => {
  it('expects the body only and keeps the head as frozen weights', () => {
    const personal = personalLayout({ personalization: { mode: 'fedper', head: { lastLayers: 1 } } as never }, layout)!;
    expect(personal.head).toEqual({ layers: ['output'], tensors: [2, 3] });
    expect(personal.bodyShapes).toEqual([[3, 2], [2]]);
    expect([...personal.trainable]).toEqual([...Array(8).fill(1), ...Array(6).fill(0)]);
    const body = Float32Array.from({ length: 8 }, (_, i) => i + 1);
    expect([...personal.expand(body)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0]);
    expect(() => personal.expand(new Float32Array(9))).toThrow();
  });

  it('resolves a head by name, anywhere in the model', () => {
    const personal = personalLayout({ personalization: { mode: 'fedrep', head: { names: ['hidden'] } } as never }, layout)!;
    expect(personal.bodyShapes).toEqual([[2, 2], [2]]);
    expect([...personal.expand(Float32Array.of(1, 2, 3, 4, 5, 6))]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('is null for modes without a head', () => {
    for (const mode of ['none', 'finetune', 'ditto'] as const) expect(personalLayout({ personalization: { mode } as never }, layout)).toBeNull();
    expect(personalLayout({}, layout)).toBeNull();
  });

  it('refuses an unknown layer, a head that is the whole model, or no head, with FLT_INVALID_TASK', () => {
    for (const head of [{ names: ['nope'] }, { lastLayers: 2 }, { names: ['hidden', 'output'] }, undefined]) {
      expect(() => personalLayout({ personalization: { mode: 'fedper', ...(head ? { head } : {}) } as never }, layout))
        .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_TASK }));
    }
  });
});
