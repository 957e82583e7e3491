// TensorFlow.js layers-model format (model.json + weights.bin): bring a model in, take the global model out.

import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';
import { createModel, type ModelSpec } from './zoo.ts';
import { setFlatWeights } from './weights.ts';

/** The two files of a tfjs layers model: model.json's content and the bytes of weights.bin. */
export type TfjsArtifacts = { modelJson: tf.io.ModelJSON; weightData: ArrayBuffer };

/** Name of the single weights file we write; model.json's manifest points at it. */
export const WEIGHTS_FILE = 'weights.bin';

/**
 * Serialises a model in memory exactly as `model.save('file://…')` would write it, with one shard.
 * @example
 * const { modelJson, weightData } = await exportTfjsArtifacts(model);
 * reply.send(modelJson); // and serve weightData at ./weights.bin
 */
export async function exportTfjsArtifacts(model: tf.LayersModel): Promise<TfjsArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (captured?.modelTopology === undefined) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', 'tfjs produced no model topology');
  }
  const modelJson: tf.io.ModelJSON = {
    modelTopology: captured.modelTopology,
    format: captured.format ?? 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: captured.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: captured.weightSpecs ?? [] }],
  };
  if (captured.trainingConfig !== undefined) modelJson.trainingConfig = captured.trainingConfig;
  return { modelJson, weightData: tf.io.concatenateArrayBuffers(captured.weightData ?? []) };
}

/**
 * Builds a model from model.json's content and its weight bytes (all shards, in manifest order).
 * Throws `ModelError('MODEL_ARTIFACTS_INVALID')` when the JSON is not a layers model or the bytes
 * do not match the manifest.
 * @example const model = await loadTfjsArtifacts(JSON.parse(jsonText), await file.arrayBuffer());
 */
export async function loadTfjsArtifacts(modelJson: unknown, weightData: ArrayBuffer | Uint8Array): Promise<tf.LayersModel> {
  const json = checkModelJson(modelJson);
  const bytes = weightData instanceof Uint8Array ? copyToArrayBuffer(weightData) : weightData;
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const expected = expectedByteLength(specs);
  if (expected !== undefined && expected !== bytes.byteLength) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', `the manifest describes ${expected} bytes of weights, got ${bytes.byteLength}`);
  }
  try {
    const artifacts = tf.io.getModelArtifactsForJSONSync(json, specs, bytes);
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', `cannot load the tfjs model: ${(err as Error).message}`);
  }
}

/**
 * The artifacts of a spec'd model carrying given flat weights: how the coordinator serves the
 * global model of a round to anyone who wants it in TensorFlow.js format.
 * @example const { modelJson, weightData } = await tfjsArtifactsFromFlat({ kind: 'mnist-2nn' }, global);
 */
export async function tfjsArtifactsFromFlat(spec: ModelSpec, flat: Float32Array): Promise<TfjsArtifacts> {
  const model = await createModel(spec, 0);
  try {
    setFlatWeights(model, flat);
    return await exportTfjsArtifacts(model);
  } finally {
    model.dispose();
  }
}

/**
 * Node only: writes `model.json` and `weights.bin` into `dir` (created if missing), loadable by
 * `tf.loadLayersModel('file://…/model.json')` in tfjs-node or by {@link loadModelFromDir}.
 * @example await saveModelToDir(model, './exports/round-12');
 */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<void> {
  // Imported here, not at the top: this module also runs in a browser Web Worker.
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { modelJson, weightData } = await exportTfjsArtifacts(model);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
  // model.json last: a reader that sees it can trust the weights it points at are complete.
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
}

/**
 * Node only: loads `dir/model.json` and every weight shard it lists (e.g. a Python converter's
 * `group1-shard1of3.bin`…), so a user can start a task from their own model.
 * @example const model = await loadModelFromDir('./my-model');
 */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  const { readFile } = await import('node:fs/promises');
  const { join, normalize, isAbsolute } = await import('node:path');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  } catch (err) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', `cannot read ${join(dir, 'model.json')}: ${(err as Error).message}`);
  }
  const json = checkModelJson(parsed);
  const shards: Uint8Array[] = [];
  for (const path of json.weightsManifest.flatMap((group) => group.paths)) {
    // A model.json from elsewhere must not make us read outside its folder.
    const relative = normalize(safeDecode(path));
    if (isAbsolute(relative) || relative.startsWith('..')) {
      throw new ModelError('MODEL_ARTIFACTS_INVALID', `weights path ${path} leaves the model folder`);
    }
    try {
      shards.push(await readFile(join(dir, relative)));
    } catch (err) {
      throw new ModelError('MODEL_ARTIFACTS_INVALID', `cannot read weights ${path}: ${(err as Error).message}`);
    }
  }
  return loadTfjsArtifacts(json, concatBytes(shards));
}

// The converter URL-encodes shard names; a stray '%' must not turn into a URIError.
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function checkModelJson(value: unknown): tf.io.ModelJSON {
  const json = value as Partial<tf.io.ModelJSON> | null;
  const manifestOk =
    Array.isArray(json?.weightsManifest) &&
    json.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights));
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null || !manifestOk) {
    throw new ModelError('MODEL_ARTIFACTS_INVALID', 'not a tfjs layers model.json: needs modelTopology and weightsManifest');
  }
  return json as tf.io.ModelJSON;
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the manifest entries describe; undefined when some entry's size is not knowable up front (strings). */
export function expectedByteLength(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const bytes = BYTES_PER_DTYPE[stored];
    if (bytes === undefined) return undefined;
    total += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/** The parts' bytes, in order, in one new buffer (a Node Buffer's pool is never shared out). */
export function concatBytes(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

// A Node Buffer is often a view into a shared pool: copy exactly its bytes.
function copyToArrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.slice().buffer as ArrayBuffer;
}
