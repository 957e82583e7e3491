// Round 0 of a task, in the model worker: its model built for its schema (frozen layers applied),
// checked against the schema, and given its starting weights (seeded, a pretrained upload's, or
// another task's committed ones, matched by weight name); and the inspection of an upload.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  ModelError, checkModelAgainstSchema, createModel, getFlatWeights, initNodeBackend, loadPretrainedModel, setFlatWeights,
  trainableMask, weightLayers, weightShapes, WEIGHTS_FILE,
} from '@flotilla/models';
import type { InitTaskJob, InitTaskResult, InspectUploadJob, InspectUploadResult } from './jobs.ts';

/** The file names an upload is stored under in its directory. */
export const UPLOAD_MODEL_JSON = 'model.json';
export const UPLOAD_WEIGHTS = WEIGHTS_FILE;

const refused = (err: unknown): { ok: false; code: string; reason: string } => {
  if (err instanceof ModelError) return { ok: false, code: err.code, reason: err.message };
  throw err;
};

/**
 * @example const result = await initTask({ model, seed: 1, schema, checkSchema: true });
 */
export async function initTask(job: InitTaskJob): Promise<InitTaskResult> {
  await initNodeBackend('auto');
  let model: tf.LayersModel;
  try {
    model = await createModel(job.model, job.seed, job.schema);
  } catch (err) {
    return refused(err);
  }
  let source: tf.LayersModel | null = null;
  try {
    if (job.checkSchema) checkModelAgainstSchema(model, job.schema);
    if (job.source?.kind === 'upload') source = await loadUpload(job.source.dir);
    else if (job.source?.kind === 'weights') {
      source = await createModel(job.source.model, 0, job.source.schema);
      setFlatWeights(source, job.source.weights);
    }
    if (source) copyByName(source, model);
    return { ok: true, weights: getFlatWeights(model), shapes: weightShapes(model), trainable: trainableMask(model), layers: weightLayers(model) };
  } catch (err) {
    return refused(err);
  } finally {
    model.dispose();
    source?.dispose();
  }
}

/**
 * Loads an upload with its weights (every check of loadPretrainedModel) and describes it: its
 * topology, shapes and layers, so the operator can pick what to freeze.
 * @example await inspectUpload({ modelJson: text, weights: bytes });
 */
export async function inspectUpload(job: InspectUploadJob): Promise<InspectUploadResult> {
  await initNodeBackend('auto');
  let model: tf.LayersModel;
  try {
    model = await loadPretrainedModel({ modelJson: job.modelJson, weights: job.weights });
  } catch (err) {
    return refused(err);
  }
  try {
    const trainable = new Set(model.trainableWeights);
    return {
      ok: true,
      modelTopology: (JSON.parse(job.modelJson) as { modelTopology: unknown }).modelTopology,
      params: model.countParams(),
      inputShape: model.inputs[0]!.shape.slice(1).map((d) => d ?? -1),
      outputShape: model.outputs[0]!.shape.slice(1).map((d) => d ?? -1),
      layers: model.layers.map((l) => ({
        name: l.name, params: l.countParams(), trainable: l.weights.length > 0 && l.weights.every((w) => trainable.has(w)),
      })),
    };
  } finally {
    model.dispose();
  }
}

async function loadUpload(dir: string): Promise<tf.LayersModel> {
  const [modelJson, weights] = await Promise.all([
    readFile(path.join(dir, UPLOAD_MODEL_JSON), 'utf8'), readFile(path.join(dir, UPLOAD_WEIGHTS)),
  ]);
  return loadPretrainedModel({ modelJson, weights: new Uint8Array(weights) });
}

// By weight name, not flat position: freezing reorders a model's weights (trainable ones first),
// so the same topology frozen differently lays its flat vector out differently.
function copyByName(from: tf.LayersModel, to: tf.LayersModel): void {
  const byName = new Map(from.weights.map((w) => [w.originalName, w]));
  const values = to.weights.map((w) => {
    const source = byName.get(w.originalName);
    if (!source) throw new ModelError('MODEL_WEIGHTS_MISMATCH', `the initial model has no weight ${w.originalName}`);
    if (source.shape.join(',') !== w.shape.join(',')) {
      throw new ModelError('MODEL_WEIGHTS_MISMATCH', `weight ${w.originalName} is [${w.shape.join(', ')}] in the task's model, [${source.shape.join(', ')}] in the initial model`);
    }
    return source.read();
  });
  if (byName.size !== to.weights.length) {
    throw new ModelError('MODEL_WEIGHTS_MISMATCH', `the initial model has ${byName.size} weights, the task's model ${to.weights.length}`);
  }
  to.setWeights(values);
}
