import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../backendNode.ts';
import { createModel } from '../zoo.ts';
import { trainLocal } from '../train.ts';
import { convGradients, convGradientsReference, maxAbs, maxAbsDiff, type ConvCase } from '../testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('Conv2DBackpropFilter on wasm', () => {
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

    expect(actual.dw).toHaveLength(expected.dw.length);
    expect(maxAbsDiff(actual.dw, expected.dw)).toBeLessThan(1e-4);
  });

  it('stays exact when the patches are processed in several blocks', async () => {
    // 12·32·32 output pixels × 400 patch entries = 4.9M floats: more than one 4M-float block.
    const c: ConvCase = { x: [12, 32, 32, 16], filter: [5, 5, 16, 2], stride: 1, pad: 'same' };

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

    await trainLocal(model, { images, labels, count }, { epochs: 4, batchSize: 10, learningRate: 0.05, seed: 1 }, {
      onProgress: (p) => losses.push(p.loss),
    });

    expect(tf.getBackend()).toBe('wasm');
    expect(losses).toHaveLength(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3]!).toBeLessThan(losses[0]!);
    model.dispose();
  });
});
