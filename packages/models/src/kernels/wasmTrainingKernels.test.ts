import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTrainingKernels.ts';
import { conv2DBackpropFilterWasmConfig } from './conv2dBackpropFilterWasm.ts';
import { conv2DBackpropInputWasmConfig } from './conv2dBackpropInputWasm.ts';

describe('registerWasmTrainingKernels', () => {
  it('adds the missing filter gradient and the faster input gradient, idempotently', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();

    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasmConfig.kernelFunc);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasmConfig.kernelFunc);
    expect(tf.getKernelsForBackend('wasm').filter((k) => k.kernelName.startsWith('Conv2DBackprop'))).toHaveLength(2);
  });

  it('leaves other backends alone', () => {
    registerWasmTrainingKernels();

    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(conv2DBackpropFilterWasmConfig.kernelFunc);
  });
});
