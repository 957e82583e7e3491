// A task's model at creation: its round-0 weights (seeded, a pretrained upload's, or another
// task's committed model) and their layout, every check done now so that a model that does not
// fit its schema, a bad freeze or a missing source is a coded FLT_INVALID_TASK at creation,
// never a failure in round 1.

import { ErrorCodes, FlotillaError, taskSchema, type TaskConfig } from '@flotilla/protocol';
import type { InitTaskJob } from '../model/jobs.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { ModelUploads } from '../model/ModelUploads.ts';
import type { Store } from '../store/Store.ts';
import type { ModelLayout } from './modelLayout.ts';

export interface TaskModelDeps {
  store: Store;
  models: ModelService;
  uploads: ModelUploads;
  /** Largest frame a client may send; unset, updates are not bounded here. */
  maxFrameBytes?: number;
}

/** JSON with sorted keys: two specs or schemas are the same whatever order their fields came in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/** Room for an update frame's JSON header beside its weights. */
const UPDATE_HEADER_BYTES = 64 * 1024;

const invalid = (message: string) => new FlotillaError(ErrorCodes.INVALID_TASK, message);

/**
 * The round-0 weights of a new task and their layout.
 * @example const { weights, layout } = await initialTaskModel(deps, config);
 */
export async function initialTaskModel(deps: TaskModelDeps, config: TaskConfig): Promise<{ weights: Float32Array; layout: ModelLayout }> {
  const result = await deps.models.initTask({
    model: config.model, seed: config.seed, schema: taskSchema(config.data),
    // Tasks that declare a schema are checked against it; MNIST tasks keep accepting what they always did.
    checkSchema: config.data.schema !== undefined,
    ...initialSource(deps, config),
  });
  if (!result.ok) throw invalid(`the model cannot start this task: ${result.code}: ${result.reason}`);
  // An update is the model's float32 weights in one frame: past the frame limit no client could ever report one.
  const updateBytes = result.weights.length * 4 + UPDATE_HEADER_BYTES;
  if (deps.maxFrameBytes !== undefined && updateBytes > deps.maxFrameBytes) {
    throw invalid(`the model has ${result.weights.length} weights: an update of ${updateBytes} bytes would not fit a client's frame of at most ${deps.maxFrameBytes} (--max-frame-mb); choose a smaller model`);
  }
  return { weights: result.weights, layout: { shapes: result.shapes, trainable: result.trainable, layers: result.layers } };
}

/**
 * The layout of a stored task's model (shapes and trainable mask), rebuilt from its spec.
 * @example const layout = await taskModelLayout(models, task.config);
 */
export async function taskModelLayout(models: ModelService, config: TaskConfig): Promise<ModelLayout> {
  const result = await models.initTask({ model: config.model, seed: config.seed, schema: taskSchema(config.data), checkSchema: false });
  if (!result.ok) throw invalid(`the task's model cannot be built: ${result.code}: ${result.reason}`);
  return { shapes: result.shapes, trainable: result.trainable, layers: result.layers };
}

function initialSource(deps: TaskModelDeps, config: TaskConfig): Pick<InitTaskJob, 'source'> {
  const initial = config.initialModel;
  if (!initial) return {};
  switch (initial.from) {
    case 'upload': {
      if (config.model.kind !== 'tfjs') throw invalid(`initialModel.from 'upload' needs a model of kind 'tfjs' (the upload's modelTopology), not '${config.model.kind}'`);
      if (!deps.uploads.get(initial.uploadId)) throw invalid(`no uploaded model ${initial.uploadId} (POST /api/models, then GET /api/models/uploads)`);
      return { source: { kind: 'upload', dir: deps.uploads.dirOf(initial.uploadId) } };
    }
    case 'task': {
      const source = deps.store.getTask(initial.taskId);
      if (!source) throw invalid(`initialModel: no task ${initial.taskId}`);
      const version = initial.version ?? source.modelVersion;
      const checkpoint = version <= source.modelVersion ? deps.store.getCheckpoint(source.id, version) : null;
      if (!checkpoint) throw invalid(`initialModel: task ${source.id} has no model version ${version} (its latest is ${source.modelVersion})`);
      // Freezing is this task's choice; the architecture and the examples must be the other task's.
      const { freeze: _a, ...model } = config.model;
      const { freeze: _b, ...sourceModel } = source.config.model;
      if (canonicalJson(model) !== canonicalJson(sourceModel)) throw invalid(`initialModel: task ${source.id} trains another model (${source.config.model.kind})`);
      const schema = taskSchema(source.config.data);
      if (canonicalJson(schema) !== canonicalJson(taskSchema(config.data))) throw invalid(`initialModel: task ${source.id} has another data schema`);
      return { source: { kind: 'weights', model: source.config.model, schema, weights: checkpoint.weights } };
    }
    default: {
      const never: never = initial;
      throw invalid(`unknown initialModel ${JSON.stringify(never)}`);
    }
  }
}
