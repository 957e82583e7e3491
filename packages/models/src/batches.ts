// Helpers of the training loop: the objective (cross-entropy or squared error), data checks, batch
// assembly, yielding to the event loop, aborting.

import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';

/**
 * Class ids, one per example. Uint8Array holds MNIST's ten digits; a text task's vocabulary (up to
 * 50,000 symbols) or a table's classes (up to 1,000) need the wider arrays.
 */
export type ClassLabelArray = Uint8Array | Uint16Array | Int32Array;

/**
 * One label per example: class ids for a classifier (any of these arrays, integers below the
 * model's outputs), the target value for a regression (a model with one output unit).
 */
export type LabelArray = ClassLabelArray | Float32Array;

/**
 * Examples as flat arrays: `features` holds `count` rows in the model's input layout (image
 * pixels, an encoded table row, symbol indices of a text window), `labels` one label each.
 */
export type LabelledData = { features: Float32Array; labels: LabelArray; count: number };

/**
 * What a model is trained against, read off its output: more than one unit is a classifier
 * (softmax, categorical cross-entropy, accuracy), one unit a regression (squared error, MAE).
 */
export interface Objective {
  readonly kind: 'classification' | 'regression';
  /** Per-example loss of a batch: cross-entropy against one-hot targets, or squared error. */
  perExample(y: tf.Tensor2D, pred: tf.Tensor2D): tf.Tensor1D;
  /** The batch's other sum: examples whose arg-max is right, or absolute errors. */
  statistic(y: tf.Tensor2D, pred: tf.Tensor2D): tf.Scalar;
}

/** Softmax outputs against one-hot targets. */
export const CLASSIFICATION: Objective = Object.freeze({
  kind: 'classification' as const,
  perExample: (y: tf.Tensor2D, pred: tf.Tensor2D) => tf.metrics.categoricalCrossentropy(y, pred) as tf.Tensor1D,
  statistic: (y: tf.Tensor2D, pred: tf.Tensor2D) => countCorrect(pred, y),
});

/** One linear output against the target value. */
export const REGRESSION: Objective = Object.freeze({
  kind: 'regression' as const,
  perExample: (y: tf.Tensor2D, pred: tf.Tensor2D) => tf.reshape(tf.squaredDifference(pred, y), [-1]) as tf.Tensor1D,
  statistic: (y: tf.Tensor2D, pred: tf.Tensor2D) => tf.sum(tf.abs(tf.sub(pred, y))) as tf.Scalar,
});

/** What a model takes and gives: the input shape without batch dimension, its size, output units and objective. */
export type ModelIo = { inputShape: number[]; inputSize: number; outputs: number; objective: Objective };

/** Reads the input shape, output units and objective off a built model (any zoo or user model). */
export function modelIo(model: tf.LayersModel): ModelIo {
  const input = model.inputs[0]?.shape.slice(1) ?? [];
  const outputs = model.outputs[0]?.shape.at(-1);
  if (input.some((d) => d === null) || typeof outputs !== 'number' || outputs < 1) {
    throw new ModelError('MODEL_SPEC_INVALID', 'the model needs a fully defined input shape and an output axis');
  }
  const inputShape = input as number[];
  return { inputShape, inputSize: inputShape.reduce((a, b) => a * b, 1), outputs, objective: outputs === 1 ? REGRESSION : CLASSIFICATION };
}

/**
 * Throws `ModelError('MODEL_DATA_INVALID')` when the arrays cannot hold `count` examples for this
 * model, or a label does not fit it: a class id that is not an integer below the outputs, a
 * regression target that is not finite.
 */
export function checkData(io: ModelIo, data: LabelledData): void {
  const { features, labels, count } = data;
  if (!Number.isInteger(count) || count < 1) {
    throw new ModelError('MODEL_DATA_INVALID', `need at least one example, got count ${count}`);
  }
  if (features.length < count * io.inputSize || labels.length < count) {
    throw new ModelError(
      'MODEL_DATA_INVALID',
      `${count} examples need ${count * io.inputSize} feature values and ${count} labels, got ${features.length} and ${labels.length}`,
    );
  }
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (io.objective.kind === 'regression') {
      if (!Number.isFinite(label)) throw new ModelError('MODEL_DATA_INVALID', `target ${label} at ${i} is not a finite number`);
    } else if (!(Number.isInteger(label) && label >= 0 && label < io.outputs)) {
      // An out-of-range label would one-hot to all zeros and train silently on nothing.
      throw new ModelError('MODEL_DATA_INVALID', `label ${label} at ${i} is not a class id below the model's ${io.outputs} outputs`);
    }
  }
}

/**
 * Copies the examples `order[from … from+n)` (or `from … from+n` without an order) into fresh
 * arrays: inputs, and targets (one-hot rows for a classifier, the values for a regression). Fresh
 * per batch because backends may keep a reference to the array a tensor was made from.
 */
export function gatherBatch(
  data: LabelledData, io: ModelIo, order: ArrayLike<number> | undefined, from: number, n: number,
): { x: Float32Array; y: Float32Array } {
  const regression = io.objective.kind === 'regression';
  const x = new Float32Array(n * io.inputSize);
  const y = new Float32Array(n * io.outputs);
  for (let i = 0; i < n; i++) {
    const index = order === undefined ? from + i : order[from + i]!;
    x.set(data.features.subarray(index * io.inputSize, (index + 1) * io.inputSize), i * io.inputSize);
    if (regression) y[i] = data.labels[index]!;
    else y[i * io.outputs + data.labels[index]!] = 1;
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
