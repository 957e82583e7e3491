import { describe, expect, it } from 'vitest';
import { loadMnist, loadMnistLabels, MNIST_TEST_SIZE, MNIST_TRAIN_SIZE } from './mnist.ts';

// Class counts of the canonical MNIST files (LeCun et al.).
const TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('loadMnistLabels', () => {
  it('reads the same labels as loadMnist without the pixels', async () => {
    const labels = await loadMnistLabels('train');
    expect(labels.length).toBe(MNIST_TRAIN_SIZE);
    expect(classCounts(labels)).toEqual(TRAIN_CLASS_COUNTS);
    expect(Array.from((await loadMnist('test')).labels)).toEqual(Array.from(await loadMnistLabels('test')));
  });
});

describe('loadMnist', () => {
  it('loads the 60k training split with the known class distribution', async () => {
    const train = await loadMnist('train');

    expect(train.count).toBe(MNIST_TRAIN_SIZE);
    expect(train.images.length).toBe(MNIST_TRAIN_SIZE * 784);
    expect(train.labels.length).toBe(MNIST_TRAIN_SIZE);
    expect([train.rows, train.cols, train.numClasses]).toEqual([28, 28, 10]);
    expect(classCounts(train.labels)).toEqual(TRAIN_CLASS_COUNTS);
  });

  it('loads the 10k test split with the known class distribution', async () => {
    const test = await loadMnist('test');

    expect(test.count).toBe(MNIST_TEST_SIZE);
    expect(test.images.length).toBe(MNIST_TEST_SIZE * 784);
    expect(classCounts(test.labels)).toEqual(TEST_CLASS_COUNTS);
  });

  it('scales pixels to [0, 1] with both ends reached', async () => {
    const test = await loadMnist('test');

    let min = Infinity;
    let max = -Infinity;
    for (const pixel of test.images) {
      if (pixel < min) min = pixel;
      if (pixel > max) max = pixel;
    }

    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('keeps the first `limit` examples, identical to the full split', async () => {
    const full = await loadMnist('test');

    const first = await loadMnist('test', { limit: 100 });

    expect(first.count).toBe(100);
    expect(first.images.length).toBe(100 * 784);
    expect(first.labels.every((label, i) => label === full.labels[i])).toBe(true);
    expect(first.images.every((pixel, i) => pixel === full.images[i])).toBe(true);
    expect((await loadMnist('test', { limit: 1e6 })).count).toBe(MNIST_TEST_SIZE);
  });

  it('parses each split once per process', async () => {
    const a = await loadMnist('test');

    const b = await loadMnist('test');

    expect(b.images).toBe(a.images);
  });

  it('rejects an invalid limit', async () => {
    await expect(loadMnist('test', { limit: -1 })).rejects.toThrow(RangeError);
    await expect(loadMnist('test', { limit: 2.5 })).rejects.toThrow(RangeError);
  });
});
