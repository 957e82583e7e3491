// The model worker's jobs on data: central evaluation on a test set of any schema, and the
// centralized baseline pooled from every client's training part (the holdoutSeed rule), for
// classification (cross-entropy, accuracy) and regression (MSE, the schema's metric).

import type * as tf from '@tensorflow/tfjs';
import { createRng, shuffleInPlace } from '@flotilla/core';
import {
  hasClassLabels, holdoutSeed, partitionDataset, partitionUnion, selectExamples, splitClientExamples, type Dataset,
} from '@flotilla/data';
import { createModel, evaluate, trainCentralized } from '@flotilla/models';
import { BUILTIN_MNIST, BUILTIN_MNIST_TEST, MNIST_SCHEMA, type DataSchema } from '@flotilla/protocol';
import { DatasetCache, type DatasetSource } from '../datasets/datasetSource.ts';
import type { BaselineEpoch, BaselineJob, BaselineResult, EvaluateResult } from './jobs.ts';

/** Datasets this worker has read, by id: a round's evaluation reads its test set once. */
const cache = new DatasetCache(3);
/** The same cache, for the worker's other jobs on datasets (contribution's validation split). */
export { cache as workerDatasets };
const MNIST_TRAIN: DatasetSource = { kind: 'builtin', id: BUILTIN_MNIST };
const MNIST_TEST: DatasetSource = { kind: 'builtin', id: BUILTIN_MNIST_TEST };

/** The first `limit` examples of a test set after the first `skip`. */
export async function testExamples(source: DatasetSource = MNIST_TEST, limit: number, skip = 0): Promise<Dataset> {
  const test = await cache.get(source);
  if (skip === 0 && limit >= test.count) return test;
  const count = Math.max(0, Math.min(limit, test.count - skip));
  return selectExamples(test, Uint32Array.from({ length: count }, (_, i) => skip + i));
}

/**
 * Loss and accuracy (classes) or MSE and MAE (a regression) of a model on examples.
 * @example const { accuracy } = await evaluateOn(model, await testExamples(source, 1000));
 */
export async function evaluateOn(model: tf.LayersModel, data: Dataset): Promise<EvaluateResult> {
  const metrics = await evaluate(model, data, data.schema);
  if (!hasClassLabels(data.schema)) return { loss: metrics.loss, accuracy: null, mse: metrics.mse!, mae: metrics.mae! };
  return { loss: metrics.loss, accuracy: metrics.accuracy! };
}

/**
 * The baseline: pool the training parts of every client's partition (a client's held-out part
 * never, by the holdoutSeed rule), train the task's model with early stopping on a validation
 * share, then evaluate on the test set or, without one, on the pooled held-out parts.
 */
export async function runBaseline(job: BaselineJob, onEpoch: (epoch: BaselineEpoch) => void): Promise<BaselineResult> {
  const schema: DataSchema = job.data?.schema ?? MNIST_SCHEMA;
  const train = await cache.get(job.data?.dataset ?? MNIST_TRAIN);
  const parts = partitionDataset(job.partition, train);
  const fraction = job.data?.clientTestFraction ?? 0;
  let pooled: Uint32Array;
  let heldOut: Uint32Array;
  if (fraction > 0) {
    const splits = parts.map((part, k) => splitClientExamples(part, fraction, holdoutSeed(job.seed, k)));
    pooled = partitionUnion(splits.map((s) => s.train));
    heldOut = partitionUnion(splits.map((s) => s.test));
  } else {
    pooled = partitionUnion(parts);
    heldOut = new Uint32Array(0);
  }
  const testSource = job.data === undefined ? MNIST_TEST : job.data.test;
  const test = testSource === null ? selectExamples(train, heldOut) : await testExamples(testSource, job.testLimit);
  if (test.count === 0) throw new Error('the baseline has no examples to evaluate on: no test set and no client holds any out');
  const order = shuffleInPlace(Uint32Array.from(pooled), createRng(job.seed));
  const valCount = Math.max(1, Math.round(order.length * job.validationFraction));
  const validation = selectExamples(train, order.subarray(0, valCount));
  const trainSet = selectExamples(train, order.subarray(valCount));
  const model = await createModel(job.model, job.seed, schema);
  try {
    const plan = { batchSize: job.batchSize, learningRate: job.learningRate, seed: job.seed, maxEpochs: job.maxEpochs, patience: job.patience };
    // One loop for classes and regressions: a one-unit model is a regression (early stopping on its MSE).
    const epochs = await trainCentralized(model, trainSet, validation, plan, onEpoch);
    const result = await evaluateOn(model, test);
    return {
      ...result, epochs, trainExamples: trainSet.count, validationExamples: validation.count,
      evaluatedOn: testSource === null ? 'client-holdout' : 'test-set',
    };
  } finally {
    model.dispose();
  }
}
