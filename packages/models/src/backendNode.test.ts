import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from './backendNode.ts';

describe('initNodeBackend', () => {
  it('picks wasm by default, loading its binaries from disk, and really computes on it', async () => {
    const info = await initNodeBackend();

    expect(info).toEqual({ backend: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 1])).dataSync())).toEqual(Float32Array.from([3, 3]));
  });

  it('is idempotent and safe to call concurrently', async () => {
    const results = await Promise.all([initNodeBackend('auto'), initNodeBackend('wasm'), initNodeBackend()]);

    expect(results.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm']);
  });

  it('registers the training kernels wasm lacks', async () => {
    await initNodeBackend('auto');

    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('switches to cpu on request and back', async () => {
    expect(await initNodeBackend('cpu')).toEqual({ backend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(await initNodeBackend('wasm')).toEqual({ backend: 'wasm' });
  });
});
