import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backendNode.ts';
import { convGradients, convGradientsReference, maxAbs, maxAbsDiff, type ConvCase } from '../testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('Conv2DBackpropInput on wasm', () => {
  const cases: ConvCase[] = [
    { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
    { x: [1, 9, 7, 2], filter: [4, 2, 2, 3], stride: [2, 1], pad: 'valid' },
    { x: [3, 6, 6, 1], filter: [5, 5, 1, 2], stride: 3, pad: 'same' },
    { x: [2, 14, 14, 8], filter: [5, 5, 8, 16], stride: 1, pad: 'same' },
  ];

  it.each(cases)('matches the cpu backend for x $x, filter $filter, stride $stride, $pad', async (c) => {
    const expected = await convGradients('cpu', c);

    const actual = await convGradients('wasm', c);

    expect(actual.dx).toHaveLength(expected.dx.length);
    expect(maxAbsDiff(actual.dx, expected.dx)).toBeLessThan(1e-4);
  });

  it('stays exact when the patches are processed in several blocks', async () => {
    const c: ConvCase = { x: [12, 32, 32, 16], filter: [5, 5, 16, 2], stride: 1, pad: 'same' };

    const expected = convGradientsReference(c);
    const actual = await convGradients('wasm', c);

    const scale = maxAbs(expected.dx);
    expect(maxAbsDiff(actual.dx, expected.dx) / scale).toBeLessThan(1e-5);
  });
});
