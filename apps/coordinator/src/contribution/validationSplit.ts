// The validation split contribution is measured on: examples the coordinator holds and no client
// trains on, from a registered dataset the operator names, from the task's training pool outside
// every client's partition, or else from the test set (whose reported accuracy is then measured on
// the rest). Deterministic: a restarted coordinator rebuilds the same split.

import { createRng, shuffleInPlace } from '@flotilla/core';
import { partitionDataset, partitionUnion } from '@flotilla/data';
import { ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { DatasetSource } from '../datasets/datasetSource.ts';
import { schemaDifference } from '../engine/taskData.ts';

/** Where a task's contribution utility is measured. */
export interface ValidationSplit {
  readonly source: DatasetSource;
  /** Example indices of `source`, ascending. */
  readonly indices: Uint32Array;
  /** Test examples the central evaluation skips (the first ones, taken for validation); 0 elsewhere. */
  readonly testSkip: number;
  /** In words, for ContributionView.validation. */
  readonly description: string;
}

const incompatible = (message: string): FlotillaError => new FlotillaError(ErrorCodes.CONTRIBUTION_INCOMPATIBLE, message);
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The split of a task with contribution assessment, or FLT_CONTRIBUTION_INCOMPATIBLE (a named
 * validation dataset that is missing or has another schema; no room in the training pool and no
 * test set large enough to share). Called at creation (as the check) and when a runner loads.
 * @example const split = await validationSplit(config, datasets); // 1,000 MNIST training examples no client holds
 */
export async function validationSplit(config: TaskConfig, datasets: DatasetRegistry): Promise<ValidationSplit> {
  const spec = config.contribution!.validation;
  const wanted = spec.examples;
  if (spec.dataset !== undefined) {
    const record = datasets.find(spec.dataset);
    if (record === null) throw incompatible(`contribution.validation.dataset: no dataset ${spec.dataset} (GET /api/datasets lists them)`);
    const difference = config.data.schema === undefined ? null : schemaDifference(record.schema, config.data.schema);
    if (difference !== null) throw incompatible(`contribution.validation.dataset ${record.id} has another schema than the task (at ${difference})`);
    if (spec.dataset === config.data.dataset) throw incompatible('contribution.validation.dataset is the task\'s training set; leave it out to take examples no client holds');
    const n = Math.min(wanted, record.count);
    return { source: datasets.source(record.id), indices: Uint32Array.from({ length: n }, (_, i) => i), testSkip: 0, description: `the first ${count(n)} examples of dataset ${record.name}` };
  }
  const trainId = config.data.dataset!;
  const train = await datasets.load(trainId);
  const held = partitionUnion(partitionDataset(config.data.partition, train));
  const free = complement(held, train.count);
  const name = datasets.get(trainId).name;
  if (free.length >= wanted) {
    // A seeded draw, not the first free rows: a partition that leaves a tail free would otherwise validate on one class.
    shuffleInPlace(free, createRng((config.seed * 2654435761) >>> 0));
    const indices = free.slice(0, wanted).sort();
    return { source: datasets.source(trainId), indices, testSkip: 0, description: `${count(wanted)} held-out examples of ${name} that no client holds` };
  }
  const testId = config.data.testDataset;
  const test = testId === undefined ? null : datasets.find(testId);
  // The test set keeps at least as many examples as it lends, so its accuracy still means something.
  if (test === null || test.count < 2 * wanted) {
    throw incompatible(`contribution needs ${count(wanted)} validation examples no client holds: the partition leaves ${count(free.length)} of ${name}'s ${count(train.count)} free and ${test === null ? 'the task has no test set' : `test set ${test.name} has only ${count(test.count)}`}; lower contribution.validation.examples or name contribution.validation.dataset`);
  }
  return {
    source: datasets.source(test.id), indices: Uint32Array.from({ length: wanted }, (_, i) => i), testSkip: wanted,
    description: `the first ${count(wanted)} examples of test set ${test.name} (every training example belongs to a client); the reported test accuracy is measured on the rest`,
  };
}

/** The indices in 0..n−1 that `sorted` (ascending, distinct) lacks. */
function complement(sorted: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(n - sorted.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (j < sorted.length && sorted[j] === i) j++;
    else out[k++] = i;
  }
  return out.subarray(0, k);
}

/**
 * At creation: a task with contribution assessment must have its validation split (throws
 * FLT_CONTRIBUTION_INCOMPATIBLE saying why not); other tasks pass.
 * @example await checkValidationData(config, datasets);
 */
export async function checkValidationData(config: TaskConfig, datasets: DatasetRegistry): Promise<void> {
  if (config.contribution?.enabled) await validationSplit(config, datasets);
}
