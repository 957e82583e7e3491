// The model worker's contribution job: one round's reports valued by the task's estimator, each
// coalition's model rebuilt from the received updates (the previous global model plus the
// example-weighted mean of the coalition's updates, no retraining) and scored on the validation split.

import type * as tf from '@tensorflow/tfjs';
import { estimateContribution, type CoalitionUtility } from '@flotilla/core';
import { selectExamples, type Dataset } from '@flotilla/data';
import { coalitionUtilityOn } from '@flotilla/models';
import { MAX_EXACT_PLAYERS } from '@flotilla/protocol';
import type { DatasetCache } from '../datasets/datasetSource.ts';
import type { ContributionJob, ContributionJobResult, ContributionSetup } from './jobs.ts';

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
  const measure = coalitionUtilityOn(model, {
    previous: job.base, updates: job.updates.map((delta, i) => ({ delta, numExamples: job.numExamples[i]! })), validation,
  }, job.schema);
  let evaluations = 0;
  const utility: CoalitionUtility = async (members) => {
    const u = await measure(members);
    onEvaluation(++evaluations);
    return u;
  };
  // Exact Shapley above MAX_EXACT_PLAYERS reports is valued by gtg, and `method` says so.
  const { method, result } = await estimateContribution(job.method, job.updates.length, utility, job.gtg, MAX_EXACT_PLAYERS);
  return {
    method, values: result.values, evaluations: result.evaluations, truncated: result.truncated,
    baseUtility: result.baseUtility, fullUtility: result.fullUtility,
  };
}
