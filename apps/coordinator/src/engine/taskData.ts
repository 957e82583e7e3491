// A task's data at creation: the dataset it names resolved against the registry (its schema
// filled in, a natural partition's client count, the partition checked against the labels), the
// test set checked, and the evaluation defaults that follow from where the data lives.

import { Value } from '@sinclair/typebox/value';
import { PartitionError, partitionDataset } from '@flotilla/data';
import {
  BUILTIN_MNIST, BUILTIN_MNIST_TEST, ErrorCodes, FederatedEvaluationSpec, FlotillaError, MNIST_SCHEMA,
  type DataSchema, type TaskConfig,
} from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import { resolveTaskConfig } from './taskConfig.ts';

/** Share of a client's examples held out for federated evaluation where the coordinator holds no test set. */
export const DEFAULT_CLIENT_TEST_FRACTION = 0.2;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string) => new FlotillaError(ErrorCodes.INVALID_TASK, message);

/**
 * Resolves a partial configuration (resolveTaskConfig) and then its data against the registry:
 * - `mnist` keeps what tasks always did: MNIST's schema, test set `mnist-test`, nothing held out,
 *   federated evaluation as given (off by default);
 * - a registered dataset fills `data.schema` (one the operator gave must equal it), a natural
 *   partition's `numClients` (the dataset must name clients), and the partition must fit its
 *   labels; without a test set each client holds out 20% and federated evaluation is on, unless
 *   the operator said otherwise;
 * - no dataset (clients bring their own data) needs `data.schema` and `simulation: false`;
 * - a test set must exist and have the task's schema.
 * Throws FLT_INVALID_TASK naming what is wrong.
 * @example const config = await resolveTaskData({ data: { dataset: heart.id, partition: { kind: 'natural', seed: 1 } } }, datasets);
 */
export async function resolveTaskData(input: unknown, datasets: DatasetRegistry): Promise<TaskConfig> {
  const inputData = isObject(input) && isObject(input.data) ? input.data : {};
  const inputPartition = isObject(inputData.partition) ? inputData.partition : undefined;
  // A natural partition's client count comes from the dataset; the config's shape still needs one to validate.
  const countGiven = inputPartition?.kind !== 'natural' || inputPartition.numClients !== undefined;
  // A schema given without a dataset describes the clients' own data: no default dataset (MNIST) is taken then.
  const ownData = inputData.schema !== undefined && inputData.schema !== null && !('dataset' in inputData);
  const preparedData = {
    ...inputData,
    ...(countGiven ? {} : { partition: { ...inputPartition, numClients: 1 } }),
    ...(ownData ? { dataset: null } : {}),
  };
  const prepared = countGiven && !ownData ? input : { ...(input as object), data: preparedData };
  const config = resolveTaskConfig(prepared);
  const data = { ...config.data };
  const saidFraction = inputData.clientTestFraction !== undefined && inputData.clientTestFraction !== null;
  const inputEvaluation = isObject(input) && isObject(input.evaluation) && isObject(input.evaluation.federated) ? input.evaluation.federated : {};
  const saidFederated = inputEvaluation.enabled !== undefined && inputEvaluation.enabled !== null;

  if (data.dataset === undefined) {
    if (data.schema === undefined) throw invalid('a task without a dataset (clients bring their own data) needs data.schema: what one example is');
    // Nothing to serve: such a task is never a simulation, and saying it is one is refused.
    if (inputData.simulation === true) throw invalid('a task without a dataset has no partitions to serve; set data.simulation to false');
    data.simulation = false;
    if (data.partition.kind === 'natural') throw invalid("a 'natural' partition needs a dataset whose rows name their clients");
  } else {
    const record = datasets.find(data.dataset);
    if (record === null) throw invalid(`data.dataset: no dataset ${data.dataset} (GET /api/datasets lists them)`);
    if (record.id === BUILTIN_MNIST_TEST) throw invalid('data.dataset: mnist-test is the test set; train on mnist');
    if (data.schema !== undefined) {
      const difference = schemaDifference(data.schema, record.schema);
      if (difference !== null) throw invalid(`data.schema differs from dataset ${record.id}'s at ${difference}; leave it out to take the dataset's`);
    }
    data.schema = record.schema;
    if (data.partition.kind === 'natural') {
      if (record.numClients === null) throw invalid(`a 'natural' partition needs client ids; dataset ${record.id} has none (register it with a client column)`);
      if (countGiven && data.partition.numClients !== record.numClients) {
        throw invalid(`data.partition.numClients is ${data.partition.numClients}, dataset ${record.id} names ${record.numClients} clients`);
      }
      data.partition = { ...data.partition, numClients: record.numClients };
    }
    if (!record.builtin) await checkPartition(data, datasets);
  }

  if (data.dataset === BUILTIN_MNIST) {
    data.testDataset ??= BUILTIN_MNIST_TEST;
  }
  if (data.testDataset !== undefined) {
    const test = datasets.find(data.testDataset);
    if (test === null) throw invalid(`data.testDataset: no dataset ${data.testDataset}`);
    const difference = schemaDifference(test.schema, data.schema!);
    if (difference !== null) throw invalid(`data.testDataset ${test.id} has another schema than the task (at ${difference}); register it with the training set's schema (schemaFrom)`);
  }

  let evaluation = config.evaluation;
  const holdsNoTestSet = data.testDataset === undefined;
  if (data.dataset === BUILTIN_MNIST) {
    if (!saidFraction) data.clientTestFraction = 0;
  } else if (holdsNoTestSet) {
    if (!saidFraction) data.clientTestFraction = DEFAULT_CLIENT_TEST_FRACTION;
    if (!saidFederated) evaluation = { federated: { ...Value.Create(FederatedEvaluationSpec), ...evaluation?.federated, enabled: true } };
  }
  if (evaluation?.federated.enabled && !(data.clientTestFraction !== undefined && data.clientTestFraction > 0)) {
    throw invalid('federated evaluation needs data.clientTestFraction > 0: clients evaluate on what they hold out');
  }
  return { ...config, data, ...(evaluation === undefined ? {} : { evaluation }) };
}

/**
 * Checks, synchronously, that the datasets a resolved task names are still registered: called
 * right before the task is stored, after the awaits of creation (reading the dataset, building the
 * model), during which a DELETE of a dataset no stored task used yet could have succeeded.
 * Throws FLT_INVALID_TASK.
 * @example assertTaskDataRegistered(config, datasets); store.createTask(task, checkpoint);
 */
export function assertTaskDataRegistered(config: TaskConfig, datasets: DatasetRegistry): void {
  for (const [field, id] of [['data.dataset', config.data.dataset], ['data.testDataset', config.data.testDataset]] as const) {
    if (id !== undefined && datasets.find(id) === null) throw invalid(`${field}: dataset ${id} was deleted while the task was being created`);
  }
}

async function checkPartition(data: TaskConfig['data'], datasets: DatasetRegistry): Promise<void> {
  const id = data.dataset!;
  const dataset = await datasets.load(id).catch((err: unknown) => {
    // Deleted between the lookup and the read: its files are gone, which is the operator's doing, not a fault.
    if (datasets.find(id) === null) throw invalid(`data.dataset: dataset ${id} was deleted while the task was being created`);
    throw err;
  });
  try {
    partitionDataset(data.partition, dataset);
  } catch (err) {
    if (err instanceof PartitionError) throw invalid(`data.partition does not fit dataset ${data.dataset} (${dataset.count} examples): ${err.message}`);
    throw err;
  }
}

/**
 * The first path where two schemas differ (key order aside), or null when they are equal.
 * @example schemaDifference(MNIST_SCHEMA, { ...MNIST_SCHEMA, height: 32 }) // '/height: 32 instead of 28'
 */
export function schemaDifference(given: DataSchema, expected: DataSchema = MNIST_SCHEMA): string | null {
  return differ(given, expected, '');
}

function differ(a: unknown, b: unknown, at: string): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at || '/'}: ${a.length} entries instead of ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = differ(a[i], b[i], `${at}/${i}`);
      if (d !== null) return d;
    }
    return null;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = differ(a[key], b[key], `${at}/${key}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${at || '/'}: ${JSON.stringify(a) ?? 'nothing'} instead of ${JSON.stringify(b) ?? 'nothing'}`;
}
