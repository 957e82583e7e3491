// Local training and evaluation of a personalised task on one tfjs model instance: FedPer, FedRep
// and Ditto's personal training beside the federated update, the local-only baseline, and the
// global / personal / local-only evaluation (Arivazhagan et al. 2019, arXiv:1912.00818; Collins et
// al. 2021, arXiv:2102.07078; Li et al. 2021, arXiv:2012.04221).

import type * as tf from '@tensorflow/tfjs';
import { evaluate, getFlatWeights, setFlatWeights, trainLocal, weightLayers, weightShapes, type LabelledData, type TrainingHooks, type TrainingPlan, type TrainingResult } from '@flotilla/models';
import { keepsHead, resolveHead, type DataSchema, type EvaluationMetrics, type PersonalizationSpec } from '@flotilla/protocol';
import type { PersonalState } from './personalState.ts';

/** What a personalised round produced: the weights the update is taken from, the new personal state, the head's tensors. */
export interface PersonalTraining {
  /** The weights after federated training; the update is these − the global weights. */
  trained: Float32Array;
  result: TrainingResult;
  state: PersonalState;
  /** FedPer / FedRep: indices of the head's tensors, which the update must not carry; null otherwise. */
  headTensors: number[] | null;
}

/**
 * The head's tensor indices for the model (FedPer / FedRep), or null for modes without a head.
 * @example headTensors(model, { mode: 'fedper', head: { lastLayers: 1 }, ... }) // [4, 5] for the 2NN
 */
export function headTensors(model: tf.LayersModel, spec: PersonalizationSpec): number[] | null {
  return keepsHead(spec.mode) ? resolveHead(weightLayers(model), spec.head).tensors : null;
}

/**
 * Copies the listed tensors of `from` over `onto` (both flat in the model's order), returning a new vector.
 * @example overlayTensors(global, personal, shapes, [4, 5]) // the global body with the personal head
 */
export function overlayTensors(onto: Float32Array, from: Float32Array, shapes: readonly number[][], tensors: readonly number[]): Float32Array {
  const out = onto.slice();
  const chosen = new Set(tensors);
  let offset = 0;
  shapes.forEach((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (chosen.has(i)) out.set(from.subarray(offset, offset + size), offset);
    offset += size;
  });
  return out;
}

/**
 * One round's local training under `spec`, in place on `model`. `none` / `finetune`: plain local
 * training. FedPer: the global body with this client's head, all of it trained. FedRep: the head
 * for `headEpochs` with the body fixed, then the body for the plan's epochs with the head fixed.
 * Ditto: the global model trained as FedAvg does (that is the update), then the personal model v
 * for as many epochs with the pull (λ/2)·‖v − w‖² towards the global w. With `localBaseline`,
 * the local-only model also trains the plan's epochs: its budget is the client's own local
 * epochs, round for round. `initial` gives the local-only model's starting weights (a fresh init).
 * @example const { trained, state } = await trainPersonalised(model, global, data, plan, spec, state, hooks, init);
 */
export async function trainPersonalised(
  model: tf.LayersModel, global: Float32Array, data: LabelledData, plan: TrainingPlan, spec: PersonalizationSpec,
  previous: PersonalState | null, hooks: TrainingHooks, initial: () => Promise<Float32Array>,
): Promise<PersonalTraining> {
  const shapes = weightShapes(model);
  const head = headTensors(model, spec);
  const state: PersonalState = { ...previous, localEpochs: previous?.localEpochs ?? 0, fit: { batchSize: plan.batchSize, learningRate: plan.learningRate } };
  const quiet = hooks.signal ? { signal: hooks.signal } : {};
  let trained: Float32Array;
  let result: TrainingResult;
  switch (spec.mode) {
    case 'none':
    case 'finetune':
      setFlatWeights(model, global);
      result = await trainLocal(model, data, plan, hooks);
      trained = getFlatWeights(model);
      break;
    case 'fedper':
      setFlatWeights(model, previous?.model ? overlayTensors(global, previous.model, shapes, head!) : global);
      result = await trainLocal(model, data, plan, hooks);
      trained = getFlatWeights(model);
      state.model = trained;
      break;
    case 'fedrep': {
      setFlatWeights(model, previous?.model ? overlayTensors(global, previous.model, shapes, head!) : global);
      const body = shapes.map((_, i) => i).filter((i) => !head!.includes(i));
      await trainLocal(model, data, { ...plan, epochs: spec.headEpochs, trainWeights: head!, proximalMu: 0 }, quiet);
      result = await trainLocal(model, data, { ...plan, trainWeights: body }, hooks);
      trained = getFlatWeights(model);
      state.model = trained;
      break;
    }
    case 'ditto':
      setFlatWeights(model, global);
      result = await trainLocal(model, data, plan, hooks);
      trained = getFlatWeights(model);
      setFlatWeights(model, previous?.model ?? global);
      await trainLocal(model, data, { ...plan, proximalMu: spec.lambda, proximalAnchor: global }, quiet);
      state.model = getFlatWeights(model);
      break;
    default: {
      const never: never = spec.mode;
      throw new Error(`unknown personalization mode ${String(never)}`);
    }
  }
  if (spec.mode !== 'none' && spec.localBaseline) {
    setFlatWeights(model, previous?.localOnly ?? await initial());
    await trainLocal(model, data, { ...plan, proximalMu: 0 }, quiet);
    state.localOnly = getFlatWeights(model);
    state.localEpochs += plan.epochs;
  }
  return { trained, result, state, headTensors: head };
}

/** The metrics of a personalised evaluation: the personal model's and the local-only one's (each only where the client has one). */
export interface PersonalMetrics {
  personal?: EvaluationMetrics;
  localOnly?: EvaluationMetrics;
}

/**
 * Evaluates this client's personal model (and local-only model) on the held-out rows: under
 * `finetune` a copy of the global model fine-tuned for `fineTuneEpochs` on the train rows, under
 * FedPer / FedRep the global body with the client's head, under Ditto the personal model. A
 * client with no personal state yet (it never trained) reports no personal metrics, except
 * under `finetune`, which needs none.
 * @example const { personal, localOnly } = await evaluatePersonalised(model, global, spec, state, heldOut, train, schema);
 */
export async function evaluatePersonalised(
  model: tf.LayersModel, global: Float32Array, spec: PersonalizationSpec, state: PersonalState | null,
  heldOut: LabelledData, train: LabelledData, schema: DataSchema, signal?: AbortSignal,
): Promise<PersonalMetrics> {
  const out: PersonalMetrics = {};
  const personal = await personalWeights(model, global, spec, state, train, signal);
  if (personal) {
    setFlatWeights(model, personal);
    out.personal = await evaluate(model, heldOut, schema);
  }
  if (spec.localBaseline && state?.localOnly) {
    setFlatWeights(model, state.localOnly);
    out.localOnly = await evaluate(model, heldOut, schema);
  }
  return out;
}

async function personalWeights(
  model: tf.LayersModel, global: Float32Array, spec: PersonalizationSpec, state: PersonalState | null, train: LabelledData, signal?: AbortSignal,
): Promise<Float32Array | null> {
  switch (spec.mode) {
    case 'none':
      return null;
    case 'finetune': {
      if (train.count === 0) return null;
      setFlatWeights(model, global);
      const fit = state?.fit ?? { batchSize: 10, learningRate: 0.05 };
      await trainLocal(model, train, { epochs: spec.fineTuneEpochs, batchSize: fit.batchSize, learningRate: fit.learningRate, seed: 1 }, signal ? { signal } : {});
      return getFlatWeights(model);
    }
    case 'fedper':
    case 'fedrep':
      return state?.model ? overlayTensors(global, state.model, weightShapes(model), headTensors(model, spec)!) : null;
    case 'ditto':
      return state?.model ?? null;
    default: {
      const never: never = spec.mode;
      throw new Error(`unknown personalization mode ${String(never)}`);
    }
  }
}
