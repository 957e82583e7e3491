// The model worker's contribution job: one round's reports valued by the task's estimator, each
// coalition's model rebuilt from the received updates (the previous global model plus the
// example-weighted mean of the coalition's updates, no retraining) and scored on the validation split.

import type * as tf from '@tensorflow/tfjs';
import { exactShapley, gtgShapley, leaveOneOut, type CoalitionUtility, type ContributionResult } from '@flotilla/core';
import { selectExamples, type Dataset } from '@flotilla/data';
import { setFlatWeights } from '@flotilla/models';
import { MAX_EXACT_PLAYERS, type ContributionMethod } from '@flotilla/protocol';
import type { DatasetCache } from '../datasets/datasetSource.ts';
import { evaluateOn } from './datasetJobs.ts';
import type { ContributionJob, ContributionJobResult, ContributionSetup } from './jobs.ts';

/**
 * The coalition's model: base + Σᵢ nᵢΔᵢ / Σᵢ nᵢ over its members (the base itself when empty).
 * @example coalitionWeights(global, [d0, d1], [100, 300], [1]); // global + d1
 */
export function coalitionWeights(base: Float32Array, updates: readonly Float32Array[], numExamples: readonly number[], members: readonly number[]): Float32Array {
  const out = base.slice();
  const total = members.reduce((sum, i) => sum + numExamples[i]!, 0);
  if (total <= 0) return out;
  for (const i of members) {
    const w = numExamples[i]! / total;
    const update = updates[i]!;
    for (let j = 0; j < out.length; j++) out[j]! += w * update[j]!;
  }
  return out;
}

/** The method a round with `players` reports is valued by: exact above MAX_EXACT_PLAYERS falls back to gtg. */
export function methodFor(method: ContributionMethod, players: number): ContributionMethod {
  return method === 'exact' && players > MAX_EXACT_PLAYERS ? 'gtg' : method;
}

/** Validation splits this worker has gathered, by task and split. */
const splits = new Map<string, Dataset>();

/**
 * Reads and keeps a task's validation split, so that its first valuation does not wait for it.
 * @example await validationOf(setup, workerDatasets);
 */
export async function validationOf(job: ContributionSetup, cache: DatasetCache): Promise<Dataset> {
  const key = `${job.validation.key}:${job.validation.source.id}:${job.validation.indices.length}`;
  let data = splits.get(key);
  if (!data) {
    data = selectExamples(await cache.get(job.validation.source), job.validation.indices);
    splits.set(key, data);
    // A few tasks at most value contributions at once; the oldest split goes first.
    if (splits.size > 4) splits.delete(splits.keys().next().value!);
  }
  return data;
}

/**
 * Values one round; `onEvaluation` is told after each sub-model evaluated (the caller's progress).
 * @example const result = await runContributionJob(job, model, cache, (n) => post({ evaluations: n }));
 */
export async function runContributionJob(
  job: ContributionJob, model: tf.LayersModel, cache: DatasetCache, onEvaluation: (evaluations: number) => void,
): Promise<ContributionJobResult> {
  const validation = await validationOf(job, cache);
  let evaluations = 0;
  const utility: CoalitionUtility = async (members) => {
    setFlatWeights(model, coalitionWeights(job.base, job.updates, job.numExamples, members));
    const metrics = await evaluateOn(model, validation);
    onEvaluation(++evaluations);
    return metrics.accuracy ?? -(metrics.mse ?? metrics.loss);
  };
  const n = job.updates.length;
  const method = methodFor(job.method, n);
  let result: ContributionResult;
  switch (method) {
    case 'exact':
      result = await exactShapley(n, utility);
      break;
    case 'leave-one-out':
      result = await leaveOneOut(n, utility);
      break;
    case 'gtg':
      result = await gtgShapley(n, utility, job.gtg);
      break;
    default: {
      const never: never = method;
      throw new Error(`unknown contribution method ${String(never)}`);
    }
  }
  return {
    method, values: result.values, evaluations: result.evaluations, truncated: result.truncated,
    baseUtility: result.baseUtility, fullUtility: result.fullUtility,
  };
}
