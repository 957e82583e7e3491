// Registers the WASM kernels that CNN and text-model training need: two tfjs lacks, one it has but slowly.

import * as tf from '@tensorflow/tfjs';
// Evaluated first so tfjs's own wasm kernels are registered before we add or replace ours.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterWasmConfig } from './conv2dBackpropFilterWasm.ts';
import { conv2DBackpropInputWasmConfig } from './conv2dBackpropInputWasm.ts';
import { unsortedSegmentSumWasmConfig } from './unsortedSegmentSumWasm.ts';

/**
 * Makes CNNs trainable (and fast) on the 'wasm' backend: adds Conv2DBackpropFilter, which tfjs
 * 4.22 lacks, and UnsortedSegmentSum (the gradient of an embedding lookup, which it lacks too),
 * and replaces its scalar-loop Conv2DBackpropInput with a matmul-based one. Safe to
 * call many times, before or after `setBackend('wasm')`; a Conv2DBackpropFilter that tfjs itself
 * provides (a future version) is kept. Call it in the browser worker and in Node before training.
 * @example
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) tf.registerKernel(conv2DBackpropFilterWasmConfig);
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) tf.registerKernel(unsortedSegmentSumWasmConfig);
  const input = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (input?.kernelFunc !== conv2DBackpropInputWasmConfig.kernelFunc) {
    if (input !== undefined) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(conv2DBackpropInputWasmConfig);
  }
}
