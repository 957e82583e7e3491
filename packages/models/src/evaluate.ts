// Evaluation of a model on held-out examples of any schema: cross-entropy and accuracy for classes
// and next symbols, squared and absolute error for a regression.

import * as tf from '@tensorflow/tfjs';
import type { DataSchema, EvaluationMetrics } from '@flotilla/protocol';
import { ModelError } from './errors.ts';
import { checkData, gatherBatch, modelIo, yieldToEventLoop, type ClassLabelArray, type LabelledData, type ModelIo } from './batches.ts';
import { schemaObjective } from './schemaModels.ts';

/**
 * The model's metrics on `data`, in inference mode, in batches (yielding between them, so a
 * client keeps answering its socket): `{ loss, accuracy }` (mean cross-entropy) for a classifier,
 * `{ loss, mse, mae }` (loss = mse) for a regression. The schema says which the task expects; a
 * model whose output does not fit it (one unit for classes, several for a regression) is refused
 * with `ModelError('MODEL_SCHEMA_MISMATCH')`. The result is what a client reports in `evaluation`.
 * @example const metrics = await evaluate(model, heldOut, task.schema); // { loss: 0.31, accuracy: 0.9 }
 */
export async function evaluate(model: tf.LayersModel, data: LabelledData, schema: DataSchema, batchSize = 1000): Promise<EvaluationMetrics> {
  const io = modelIo(model);
  const expected = schemaObjective(schema).loss === 'meanSquaredError' ? 'regression' : 'classification';
  if (io.objective.kind !== expected) {
    throw new ModelError('MODEL_SCHEMA_MISMATCH', `the task's ${schema.kind} schema is a ${expected}, the model's ${io.outputs} output unit(s) a ${io.objective.kind}`);
  }
  return measure(model, data, batchSize);
}

/**
 * {@link evaluate} by the model's own output (one unit: a regression), without a schema to check
 * against: for the centralized baseline, which trains the task's own model. Package-internal.
 * @example const { loss } = await measure(model, validation);
 */
export async function measure(model: tf.LayersModel, data: LabelledData, batchSize = 1000): Promise<EvaluationMetrics> {
  const io = modelIo(model);
  const { loss, statistic } = await sums(model, io, data, batchSize);
  const n = data.count;
  return io.objective.kind === 'regression' ? { loss: loss / n, mse: loss / n, mae: statistic / n } : { loss: loss / n, accuracy: statistic / n };
}

/**
 * Mean cross-entropy and accuracy of a classifier on `count` examples (the central test set).
 * @example const { accuracy } = await evaluateModel(model, test.images, test.labels, test.count);
 */
export async function evaluateModel(
  model: tf.LayersModel, features: Float32Array, labels: ClassLabelArray, count: number, batchSize = 1000,
): Promise<{ loss: number; accuracy: number }> {
  const io = modelIo(model);
  if (io.objective.kind !== 'classification') throw new ModelError('MODEL_SPEC_INVALID', 'evaluateModel takes a classifier; evaluate a regression with evaluate()');
  const { loss, statistic } = await sums(model, io, { features, labels, count }, batchSize);
  return { loss: loss / count, accuracy: statistic / count };
}

// Σ per-example loss and Σ statistic (correct, or absolute error) over the examples.
async function sums(model: tf.LayersModel, io: ModelIo, data: LabelledData, batchSize: number): Promise<{ loss: number; statistic: number }> {
  checkData(io, data);
  let loss = 0;
  let statistic = 0;
  for (let from = 0; from < data.count; from += batchSize) {
    const n = Math.min(batchSize, data.count - from);
    const { x, y } = gatherBatch(data, io, undefined, from, n);
    const stats = tf.tidy(() => {
      const yt = tf.tensor2d(y, [n, io.outputs]);
      const pred = model.predict(tf.tensor(x, [n, ...io.inputShape])) as tf.Tensor2D;
      return tf.stack([tf.sum(io.objective.perExample(yt, pred)), io.objective.statistic(yt, pred)]);
    });
    const [l = 0, s = 0] = await stats.data();
    stats.dispose();
    loss += l;
    statistic += s;
    if (from + n < data.count) await yieldToEventLoop();
  }
  return { loss, statistic };
}
