// A pretrained model a user uploads (model.json + weights.bin, in memory), loaded with its weights
// after checks that give each way an upload goes wrong its own code, within size limits.

import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';
import { concatBytes, expectedByteLength } from './tfjsFormat.ts';

/** model.json as an object, its text or its bytes; the weights as one buffer or its shards in manifest order. */
export type PretrainedUpload = { modelJson: unknown; weights?: ArrayBuffer | Uint8Array | readonly Uint8Array[] };

/** Upper bounds on an upload, checked before anything is decoded or built. */
export type UploadLimits = { maxModelJsonBytes: number; maxWeightBytes: number; maxParams: number };

/**
 * 4 MiB of model.json (a deep Keras topology is a few hundred kB), 64 MiB of weights and 16M
 * parameters: ten times McMahan's CNN (1.66M), still a model a browser tab trains and a
 * coordinator aggregates in memory.
 */
export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({ maxModelJsonBytes: 4 << 20, maxWeightBytes: 64 << 20, maxParams: 16_000_000 });

/**
 * Builds the uploaded layers model and gives it the uploaded weights. Refuses, with a
 * `ModelError`: an upload past a limit (`MODEL_TOO_LARGE`); JSON that is not a tfjs layers model,
 * such as a graph model (`MODEL_NOT_LAYERS`); weights listed but not sent (`MODEL_WEIGHTS_MISSING`);
 * a weights file shorter or longer than its manifest (`MODEL_WEIGHTS_SIZE`); a manifest whose
 * names or shapes differ from the topology's weights, or non-float32 weights
 * (`MODEL_MANIFEST_MISMATCH`); a topology tfjs cannot build (`MODEL_ARTIFACTS_INVALID`).
 * Layers saved with `trainable: false` stay frozen.
 * @example
 * const model = await loadPretrainedModel({ modelJson: await jsonFile.text(), weights: new Uint8Array(await binFile.arrayBuffer()) });
 * checkModelAgainstSchema(model, task.data.schema);
 */
export async function loadPretrainedModel(upload: PretrainedUpload, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): Promise<tf.LayersModel> {
  const json = parseModelJson(upload.modelJson, limits);
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const bytes = weightBytes(upload.weights);
  if (bytes.byteLength > limits.maxWeightBytes) {
    throw new ModelError('MODEL_TOO_LARGE', `the weights are ${bytes.byteLength} bytes, the limit is ${limits.maxWeightBytes}`);
  }
  if (specs.length > 0 && bytes.byteLength === 0) {
    throw new ModelError('MODEL_WEIGHTS_MISSING', `model.json lists ${specs.length} weights but no weights file came with it`);
  }
  const notFloat = specs.find((s) => s.dtype !== 'float32');
  if (notFloat) throw new ModelError('MODEL_MANIFEST_MISMATCH', `weight ${notFloat.name} is ${notFloat.dtype}; only float32 weights can be federated`);
  const expected = expectedByteLength(specs);
  if (expected !== bytes.byteLength) {
    throw new ModelError('MODEL_WEIGHTS_SIZE', `the manifest describes ${expected} bytes of weights, the weights file has ${bytes.byteLength}`);
  }
  const model = await build(json);
  try {
    const params = model.countParams();
    if (params > limits.maxParams) throw new ModelError('MODEL_TOO_LARGE', `the model has ${params} parameters, the limit is ${limits.maxParams}`);
    checkManifest(model, specs);
    const decoded = tf.io.decodeWeights(bytes, specs);
    try {
      model.setWeights(model.weights.map((w) => decoded[w.originalName]!));
    } finally {
      tf.dispose(Object.values(decoded));
    }
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function parseModelJson(value: unknown, limits: UploadLimits): tf.io.ModelJSON {
  const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : typeof value === 'string' ? value : undefined;
  const length = text !== undefined ? new TextEncoder().encode(text).byteLength : (JSON.stringify(value) ?? '').length;
  if (length > limits.maxModelJsonBytes) {
    throw new ModelError('MODEL_TOO_LARGE', `model.json is ${length} bytes, the limit is ${limits.maxModelJsonBytes}`);
  }
  let json: unknown = value;
  if (text !== undefined) {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ModelError('MODEL_NOT_LAYERS', `model.json is not JSON: ${(err as Error).message}`);
    }
  }
  const record = isRecord(json) ? json : {};
  const topology = record['modelTopology'];
  // A graph model (tf.saved_model converted) has format 'graph-model' and a GraphDef with `node`.
  if (record['format'] === 'graph-model' || (isRecord(topology) && 'node' in topology)) {
    throw new ModelError('MODEL_NOT_LAYERS', 'this is a tfjs graph model; only layers models (tf.LayersModel, Keras) can be trained');
  }
  const root = isRecord(topology) && isRecord(topology['model_config']) ? topology['model_config'] : topology;
  if (!isRecord(root) || typeof root['class_name'] !== 'string') {
    throw new ModelError('MODEL_NOT_LAYERS', 'not a tfjs layers model.json: needs a modelTopology with a class_name');
  }
  const manifest = record['weightsManifest'];
  if (!Array.isArray(manifest) || !manifest.every((g) => isRecord(g) && Array.isArray(g['paths']) && Array.isArray(g['weights']))) {
    throw new ModelError('MODEL_NOT_LAYERS', 'not a tfjs layers model.json: needs a weightsManifest of { paths, weights } groups');
  }
  return json as tf.io.ModelJSON;
}

async function build(json: tf.io.ModelJSON): Promise<tf.LayersModel> {
  try {
    return await tf.models.modelFromJSON({ modelTopology: json.modelTopology } as never);
  } catch (err) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', `cannot build the uploaded topology: ${(err as Error).message}`);
  }
}

// Weights load by name, as tfjs's own loader does; every weight of the topology needs exactly one entry.
function checkManifest(model: tf.LayersModel, specs: tf.io.WeightsManifestEntry[]): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  if (byName.size !== specs.length) throw new ModelError('MODEL_MANIFEST_MISMATCH', 'the weights manifest names a weight twice');
  for (const weight of model.weights) {
    const spec = byName.get(weight.originalName);
    if (spec === undefined) throw new ModelError('MODEL_MANIFEST_MISMATCH', `the weights manifest lacks ${weight.originalName} of the topology`);
    if (spec.shape.join(',') !== weight.shape.join(',')) {
      throw new ModelError('MODEL_MANIFEST_MISMATCH', `weight ${weight.originalName} is [${weight.shape.join(', ')}] in the topology, [${spec.shape.join(', ')}] in the manifest`);
    }
    byName.delete(weight.originalName);
  }
  const extra = [...byName.keys()];
  if (extra.length > 0) throw new ModelError('MODEL_MANIFEST_MISMATCH', `the weights manifest has weights the topology lacks: ${extra.join(', ')}`);
}

function weightBytes(weights: PretrainedUpload['weights']): ArrayBuffer {
  if (weights === undefined) return new ArrayBuffer(0);
  if (weights instanceof ArrayBuffer) return weights;
  // A Node Buffer is often a view into a shared pool: copy exactly its bytes.
  return concatBytes(weights instanceof Uint8Array ? [weights] : weights);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
