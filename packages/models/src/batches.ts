// Helpers of the training loop: data checks, batch assembly, yielding to the event loop, aborting.

import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';

/**
 * Class ids, one per example. Uint8Array holds MNIST's ten digits; a text task's vocabulary (up to
 * 50,000 symbols) or a table's classes (up to 1,000) need the wider arrays.
 */
export type LabelArray = Uint8Array | Uint16Array | Int32Array;

/** Examples as flat arrays: `images` holds `count` rows in the model's input layout, `labels` class ids. */
export type LabelledData = { images: Float32Array; labels: LabelArray; count: number };

/** What a model takes and gives: the input shape without batch dimension, its size, the class count. */
export type ModelIo = { inputShape: number[]; inputSize: number; classes: number };

/** Reads the input shape and class count off a built model (any zoo or user model). */
export function modelIo(model: tf.LayersModel): ModelIo {
  const input = model.inputs[0]?.shape.slice(1) ?? [];
  const classes = model.outputs[0]?.shape.at(-1);
  if (input.some((d) => d === null) || typeof classes !== 'number') {
    throw new ModelError('MODEL_SPEC_INVALID', 'the model needs a fully defined input shape and a class axis');
  }
  const inputShape = input as number[];
  return { inputShape, inputSize: inputShape.reduce((a, b) => a * b, 1), classes };
}

/** Throws `ModelError('MODEL_DATA_INVALID')` when the arrays cannot hold `count` examples for this model, `MODEL_SPEC_INVALID` for a one-unit output. */
export function checkData(io: ModelIo, images: Float32Array, labels: LabelArray, count: number): void {
  // One output unit is a regression (trainRegression): cross-entropy over one "class" learns nothing.
  if (io.classes < 2) {
    throw new ModelError('MODEL_SPEC_INVALID', `a classifier needs at least two output units, this model has ${io.classes}; train a regression with trainRegression`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new ModelError('MODEL_DATA_INVALID', `need at least one example, got count ${count}`);
  }
  if (images.length < count * io.inputSize || labels.length < count) {
    throw new ModelError(
      'MODEL_DATA_INVALID',
      `${count} examples need ${count * io.inputSize} image values and ${count} labels, got ${images.length} and ${labels.length}`,
    );
  }
  // An out-of-range label would one-hot to all zeros and train silently on nothing.
  for (let i = 0; i < count; i++) {
    if (!(labels[i]! >= 0 && labels[i]! < io.classes)) {
      throw new ModelError('MODEL_DATA_INVALID', `label ${labels[i]} at ${i} is not below the model's ${io.classes} classes`);
    }
  }
}

/**
 * Copies the examples `order[from … from+n)` (or `from … from+n` without an order) into fresh
 * arrays: inputs, and one-hot targets. Fresh per batch because backends may keep a reference to
 * the array a tensor was made from.
 */
export function gatherBatch(
  data: LabelledData, io: ModelIo, order: ArrayLike<number> | undefined, from: number, n: number,
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * io.inputSize);
  const y = new Float32Array(n * io.classes);
  for (let i = 0; i < n; i++) {
    const index = order === undefined ? from + i : order[from + i]!;
    x.set(data.images.subarray(index * io.inputSize, (index + 1) * io.inputSize), i * io.inputSize);
    y[i * io.classes + data.labels[index]!] = 1;
  }
  return { x, y };
}

let channel: MessageChannel | undefined;
const waiting: Array<() => void> = [];

/**
 * Lets pending I/O (a WebSocket message, a heartbeat) run before the next batch. setImmediate in
 * Node runs after the poll phase; in a Worker a MessageChannel message does the same without the
 * 4 ms clamp browsers put on nested setTimeout(0), which would cost ~60% on a 6.5 ms 2NN step.
 * @example for (const batch of batches) { step(batch); await yieldToEventLoop(); }
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    if (channel === undefined) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    const port = channel.port2;
    return new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Throws the standard `AbortError` DOMException when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('training aborted', 'AbortError');
}

/** Number of rows whose arg-max prediction is the one-hot target's class. */
export function countCorrect(pred: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(pred, -1), tf.argMax(oneHot, -1)), 'float32'));
}
