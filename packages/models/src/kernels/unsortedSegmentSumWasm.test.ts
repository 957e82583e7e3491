import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../backendNode.ts';
import { maxAbsDiff, uniform } from '../testSupport.ts';

// The gradient of an embedding lookup (gather) with repeated and unused rows, on a backend.
async function gatherGradient(backend: 'wasm' | 'cpu'): Promise<Float32Array> {
  await initNodeBackend(backend);
  return tf.tidy(() => {
    const table = tf.tensor2d(uniform(7 * 4, 3), [7, 4]);
    const ids = tf.tensor2d([[1, 3, 3], [0, 1, 6]], [2, 3], 'int32');
    const dy = tf.tensor3d(uniform(2 * 3 * 4, 11), [2, 3, 4]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)))(table);
    return grad.dataSync() as Float32Array;
  });
}

describe('UnsortedSegmentSum on wasm', () => {
  it('gives embedding lookups the same gradient as the cpu backend', async () => {
    const cpu = await gatherGradient('cpu');
    const wasm = await gatherGradient('wasm');

    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-6);
    // Rows 2, 4 and 5 are never looked up, so their gradient is zero.
    expect([...wasm.slice(8, 12), ...wasm.slice(16, 24)].every((v) => v === 0)).toBe(true);
  });

  it('drops segment ids outside the range, as TensorFlow does', async () => {
    await initNodeBackend('wasm');

    const sums = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 4, 8]), tf.tensor1d([0, 2, -1, 5], 'int32'), 3).dataSync());

    expect([...sums]).toEqual([1, 0, 2]);
  });
});
