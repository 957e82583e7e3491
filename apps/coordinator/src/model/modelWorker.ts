// Worker thread that owns TensorFlow.js for the coordinator: initial weights, central evaluation
// on a task's test set, tfjs export of the global model, the centralized baseline and contribution valuation.

import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { createModel, exportTfjsArtifacts, getFlatWeights, initNodeBackend, setFlatWeights, tfjsArtifactsFromFlat, weightShapes } from '@flotilla/models';
import { MNIST_SCHEMA, type DataSchema } from '@flotilla/protocol';
import { evaluateOn, runBaseline, testExamples, workerDatasets } from './datasetJobs.ts';
import { runContributionJob, validationOf } from './contributionJob.ts';
import type { BaselineJob, ContributionJob, ContributionSetup, EvaluateJob, ExportJob, InitJob, InitTaskJob, InspectUploadJob } from './jobs.ts';
import { initTask, inspectUpload } from './initialModel.ts';

if (!parentPort) throw new Error('modelWorker must run in a worker thread');
const port = parentPort;
const models = new Map<string, tf.LayersModel>();
/** Contribution jobs run one at a time on models of their own: each sets a model's weights hundreds of times. */
let contributionQueue: Promise<unknown> = Promise.resolve();

async function modelFor(spec: InitJob['model'], schema: DataSchema, use = 'evaluate'): Promise<tf.LayersModel> {
  await initNodeBackend('auto');
  const key = JSON.stringify([use, spec, schema]);
  let model = models.get(key);
  if (!model) {
    model = await createModel(spec, 0, schema);
    models.set(key, model);
  }
  return model;
}

const handlers: Record<string, (args: never, id: number) => Promise<unknown>> = {
  initTask: (job: InitTaskJob) => initTask(job),
  inspectUpload: (job: InspectUploadJob) => inspectUpload(job),

  async init(job: InitJob) {
    await initNodeBackend('auto');
    const model = await createModel(job.model, job.seed, job.schema);
    const weights = getFlatWeights(model);
    const shapes = weightShapes(model);
    model.dispose();
    return { weights, shapes, backend: tf.getBackend() };
  },

  async evaluate(job: EvaluateJob) {
    const model = await modelFor(job.model, job.schema ?? MNIST_SCHEMA);
    setFlatWeights(model, job.weights);
    return await evaluateOn(model, await testExamples(job.test, job.testLimit, job.skip));
  },

  async exportTfjs(job: ExportJob) {
    await initNodeBackend('auto');
    // A schema model is built from the task's schema; tfjsArtifactsFromFlat knows MNIST's only.
    if (job.schema === undefined) return tfjsArtifactsFromFlat(job.model, job.weights);
    const model = await createModel(job.model, 0, job.schema);
    try {
      setFlatWeights(model, job.weights);
      return await exportTfjsArtifacts(model);
    } finally {
      model.dispose();
    }
  },

  async prepareContributions(setup: ContributionSetup) {
    await modelFor(setup.model, setup.schema, 'contribution');
    await validationOf(setup, workerDatasets);
    return null;
  },

  valueContributions(job: ContributionJob, id: number) {
    const run = contributionQueue.then(async () => {
      const model = await modelFor(job.model, job.schema, 'contribution');
      return runContributionJob(job, model, workerDatasets, (evaluations) => port.postMessage({ id, progress: { evaluations } }));
    });
    contributionQueue = run.catch(() => undefined);
    return run;
  },

  async baseline(job: BaselineJob, id: number) {
    await initNodeBackend('auto');
    return runBaseline(job, (epoch) => port.postMessage({ id, progress: epoch }));
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
