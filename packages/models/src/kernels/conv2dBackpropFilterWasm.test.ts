import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../backendNode.ts';
import { createModel } from '../zoo.ts';
import { trainLocal } from '../train.ts';
import { BLOCKED_CONV_CASE, CONV_CASES, convGradients, convGradientsReference, maxAbs, maxAbsDiff } from '../testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(CONV_CASES)('matches the cpu backend for x $x, filter $filter, stride $stride, $pad', async (c) => {
    const expected = await convGradients('cpu', c);

    const actual = await convGradients('wasm', c);

    expect(actual.dw).toHaveLength(expected.dw.length);
    expect(maxAbsDiff(actual.dw, expected.dw)).toBeLessThan(1e-4);
  });

  it('stays exact when the patches are processed in several blocks', async () => {
    const c = BLOCKED_CONV_CASE;

    const expected = convGradientsReference(c);
    const actual = await convGradients('wasm', c);

    const scale = maxAbs(expected.dw);
    expect(maxAbsDiff(actual.dw, expected.dw) / scale).toBeLessThan(1e-5);
  });

  it('lets the MNIST CNN train on wasm: the loss goes down over a few steps', async () => {
    await tf.setBackend('wasm');
    const model = await createModel({ kind: 'mnist-cnn' }, 4);
    const count = 10;
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    // Each class lights up its own band of rows: easy to learn in a few steps.
    const images = new Float32Array(count * 784);
    labels.forEach((label, i) => images.fill(1, i * 784 + label * 56 + 84, i * 784 + label * 56 + 140));
    const losses: number[] = [];

    await trainLocal(model, { features: images, labels, count }, { epochs: 4, batchSize: 10, learningRate: 0.05, seed: 1 }, {
      onProgress: (p) => losses.push(p.loss),
    });

    expect(tf.getBackend()).toBe('wasm');
    expect(losses).toHaveLength(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3]!).toBeLessThan(losses[0]!);
    model.dispose();
  });
});
