import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backendNode.ts';
import { BLOCKED_CONV_CASE, CONV_CASES, convGradients, convGradientsReference, maxAbs, maxAbsDiff } from '../testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('Conv2DBackpropInput on wasm', () => {
  it.each(CONV_CASES)('matches the cpu backend for x $x, filter $filter, stride $stride, $pad', async (c) => {
    const expected = await convGradients('cpu', c);

    const actual = await convGradients('wasm', c);

    expect(actual.dx).toHaveLength(expected.dx.length);
    expect(maxAbsDiff(actual.dx, expected.dx)).toBeLessThan(1e-4);
  });

  it('stays exact when the patches are processed in several blocks', async () => {
    const c = BLOCKED_CONV_CASE;

    const expected = convGradientsReference(c);
    const actual = await convGradients('wasm', c);

    const scale = maxAbs(expected.dx);
    expect(maxAbsDiff(actual.dx, expected.dx) / scale).toBeLessThan(1e-5);
  });
});
