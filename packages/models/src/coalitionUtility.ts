// The utility of a coalition of a round's reports, for contribution assessment: the model the
// round would have committed had only those clients reported (the previous global model plus the
// example-weighted mean of their deltas, rebuilt without retraining), scored on a validation split.

import type * as tf from '@tensorflow/tfjs';
import type { CoalitionUtility } from '@flotilla/core';
import type { DataSchema } from '@flotilla/protocol';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { ModelError } from './errors.ts';
import { checkData, modelIo, type LabelledData } from './batches.ts';
import { evaluate } from './evaluate.ts';
import { countParams, setFlatWeights } from './weights.ts';
import { createModel, type ModelSpec } from './zoo.ts';

/** One client's report: its weights after local training, or its delta from the previous model. */
export type CoalitionUpdate = { numExamples: number } & ({ weights: Float32Array } | { delta: Float32Array });

/** What a round's valuation needs: where it started, what came in (player i = updates[i]), what to score on. */
export interface CoalitionRound {
  /** The global weights the round started from: the empty coalition's model. */
  previous: Float32Array;
  updates: readonly CoalitionUpdate[];
  validation: LabelledData;
}

/** The utility's measure: accuracy for a classifier, −MSE for a regression (higher is better for both). */
export type UtilityMetric = 'accuracy' | 'neg_mse';

/** A round's coalition utility on a model it owns, with the metric it measures. */
export interface CoalitionValuation {
  utility: CoalitionUtility;
  metric: UtilityMetric;
  /** Frees the model built for the valuation. */
  dispose(): void;
}

/**
 * The {@link CoalitionUtility} of a round on an already built `model` (its weights are overwritten
 * at each call; the model is reused, never rebuilt per coalition): u(S) = metric of
 * previous + Σ_{i∈S} nᵢδᵢ / Σ_{i∈S} nᵢ, u(∅) = metric of `previous`. Calls are serialised, as they
 * share the model. Updates whose length differs from the model's, or a non-positive example
 * count, are refused with `ModelError('MODEL_WEIGHTS_MISMATCH' | 'MODEL_DATA_INVALID')` up front.
 * @example
 * const u = coalitionUtilityOn(model, { previous, updates, validation }, task.schema);
 * const { values } = await gtgShapley(updates.length, u, gtgOptions);
 */
export function coalitionUtilityOn(model: tf.LayersModel, round: CoalitionRound, schema: DataSchema = MNIST_SCHEMA): CoalitionUtility {
  const size = countParams(model);
  if (round.previous.length !== size) throw new ModelError('MODEL_WEIGHTS_MISMATCH', `previous weights have ${round.previous.length} values, the model ${size}`);
  checkData(modelIo(model), round.validation);
  const deltas = round.updates.map((update, i) => deltaOf(update, round.previous, i));
  const counts = round.updates.map((update, i) => {
    if (!(Number.isFinite(update.numExamples) && update.numExamples > 0)) throw new ModelError('MODEL_DATA_INVALID', `update ${i} reports ${update.numExamples} examples`);
    return update.numExamples;
  });
  const regression = metricOf(model) === 'neg_mse';
  const sum = new Float64Array(size);
  const weights = new Float32Array(size);
  let queue: Promise<unknown> = Promise.resolve();

  const score = async (members: readonly number[]): Promise<number> => {
    for (const i of members) if (!(Number.isInteger(i) && i >= 0 && i < deltas.length)) throw new ModelError('MODEL_DATA_INVALID', `no update ${i} among ${deltas.length}`);
    combine(members, deltas, counts, round.previous, sum, weights);
    setFlatWeights(model, weights);
    const metrics = await evaluate(model, round.validation, schema);
    return regression ? -(metrics.mse ?? metrics.loss) : (metrics.accuracy ?? Number.NaN);
  };
  return (members) => {
    const next = queue.then(() => score(members));
    queue = next.catch(() => undefined);
    return next;
  };
}

/**
 * {@link coalitionUtilityOn} on a model built once from the task's spec and schema; `dispose()`
 * frees it. A pure function of its inputs, for the coordinator's model worker.
 * @example
 * const valuation = await coalitionUtility({ kind: 'mnist-2nn' }, MNIST_SCHEMA, { previous, updates, validation });
 * try { return await gtgShapley(updates.length, valuation.utility, options); } finally { valuation.dispose(); }
 */
export async function coalitionUtility(spec: ModelSpec, schema: DataSchema, round: CoalitionRound): Promise<CoalitionValuation> {
  const model = await createModel(spec, 0, schema);
  try {
    return { utility: coalitionUtilityOn(model, round, schema), metric: metricOf(model), dispose: () => model.dispose() };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** What a model's coalition utility measures: accuracy, or −MSE for a one-output regression. */
export function metricOf(model: tf.LayersModel): UtilityMetric {
  return modelIo(model).objective.kind === 'regression' ? 'neg_mse' : 'accuracy';
}

function deltaOf(update: CoalitionUpdate, previous: Float32Array, i: number): Float32Array {
  const given = 'delta' in update ? update.delta : update.weights;
  if (given.length !== previous.length) throw new ModelError('MODEL_WEIGHTS_MISMATCH', `update ${i} has ${given.length} values, the model ${previous.length}`);
  if ('delta' in update) return update.delta;
  const delta = new Float32Array(previous.length);
  for (let k = 0; k < delta.length; k++) delta[k] = update.weights[k]! - previous[k]!;
  return delta;
}

// previous + example-weighted mean of the members' deltas, accumulated in Float64 as fedAvg does.
function combine(
  members: readonly number[], deltas: readonly Float32Array[], counts: readonly number[], previous: Float32Array, sum: Float64Array, out: Float32Array,
): void {
  sum.fill(0);
  let total = 0;
  for (const i of members) {
    const delta = deltas[i]!;
    const n = counts[i]!;
    total += n;
    for (let k = 0; k < delta.length; k++) sum[k]! += n * delta[k]!;
  }
  for (let k = 0; k < out.length; k++) out[k] = previous[k]! + (total > 0 ? sum[k]! / total : 0);
}
