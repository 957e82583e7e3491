// Worker thread that owns TensorFlow.js for the coordinator: initial weights, server-side
// evaluation on the MNIST test set, tfjs export of the global model, and the centralized baseline.

import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { gatherExamples, labelPartition, loadMnist, partitionIndices, partitionUnion } from '@flotilla/data';
import {
  createModel, evaluateModel, getFlatWeights, initNodeBackend, setFlatWeights, tfjsArtifactsFromFlat,
  trainCentralized, weightShapes,
} from '@flotilla/models';
import { createRng, shuffleInPlace } from '@flotilla/core';
import type { BaselineJob, EvaluateJob, ExportJob, InitJob } from './jobs.ts';

if (!parentPort) throw new Error('modelWorker must run in a worker thread');
const port = parentPort;
const models = new Map<string, tf.LayersModel>();

async function modelFor(spec: InitJob['model']): Promise<tf.LayersModel> {
  await initNodeBackend('auto');
  const key = JSON.stringify(spec);
  let model = models.get(key);
  if (!model) {
    model = await createModel(spec, 0);
    models.set(key, model);
  }
  return model;
}

const handlers: Record<string, (args: never, id: number) => Promise<unknown>> = {
  async init(job: InitJob) {
    await initNodeBackend('auto');
    const model = await createModel(job.model, job.seed);
    const weights = getFlatWeights(model);
    const shapes = weightShapes(model);
    model.dispose();
    return { weights, shapes, backend: tf.getBackend() };
  },

  async evaluate(job: EvaluateJob) {
    const model = await modelFor(job.model);
    setFlatWeights(model, job.weights);
    const test = await loadMnist('test', { limit: job.testLimit });
    return await evaluateModel(model, test.images, test.labels, test.count);
  },

  async exportTfjs(job: ExportJob) {
    await initNodeBackend('auto');
    return tfjsArtifactsFromFlat(job.model, job.weights);
  },

  async baseline(job: BaselineJob, id: number) {
    await initNodeBackend('auto');
    const train = await loadMnist('train');
    const test = await loadMnist('test', { limit: job.testLimit });
    // The union of every client's partition: what the federation holds, pooled in one place.
    const union = partitionUnion(partitionIndices(labelPartition(job.partition), train.labels));
    const order = shuffleInPlace(Uint32Array.from(union), createRng(job.seed));
    const valCount = Math.max(1, Math.round(order.length * job.validationFraction));
    const validation = gatherExamples(train, order.subarray(0, valCount));
    const trainSet = gatherExamples(train, order.subarray(valCount));
    const model = await createModel(job.model, job.seed);
    const epochs = await trainCentralized(
      model, { features: trainSet.images, labels: trainSet.labels, count: trainSet.count },
      { features: validation.images, labels: validation.labels, count: validation.count },
      { batchSize: job.batchSize, learningRate: job.learningRate, seed: job.seed, maxEpochs: job.maxEpochs, patience: job.patience },
      (epoch: unknown) => port.postMessage({ id, progress: epoch }),
    );
    const result = await evaluateModel(model, test.images, test.labels, test.count);
    model.dispose();
    return { accuracy: result.accuracy, loss: result.loss, epochs, trainExamples: trainSet.count, validationExamples: validation.count };
  },
};

port.on('message', async (msg: { id: number; method: string; args: unknown }) => {
  const handler = handlers[msg.method];
  try {
    if (!handler) throw new Error(`unknown method ${msg.method}`);
    const result = await handler(msg.args as never, msg.id);
    port.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
