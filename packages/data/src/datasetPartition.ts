// Partitions of any dataset: iid, shards and Dirichlet over its class labels, natural by client id, and per-client train/test splits.

import { createRng, shuffleInPlace } from '@flotilla/core';
import type { Dataset } from './dataset.ts';
import { PartitionError } from './errors.ts';
import { partitionIndices } from './partition.ts';
import type { PartitionSpec } from './partitionSpec.ts';

/** LEAF's and Flower's NaturalIdPartitioner split: one client per distinct client id, holding exactly its rows. */
export interface NaturalPartitionSpec {
  readonly kind: 'natural';
  /** Filled in from the dataset (the number of distinct client ids); checked when given. */
  readonly numClients?: number;
  readonly seed?: number;
}

/**
 * A partition of a {@link Dataset}: the label-driven specs, or the natural one by client id.
 * @example const spec: DatasetPartitionSpec = { kind: 'natural' };
 */
export type DatasetPartitionSpec = PartitionSpec | NaturalPartitionSpec;

/**
 * The spec as the label-driven partitioners take it; a natural partition has no labels to go by
 * and throws 'PARTITION_NEEDS_CLIENT_IDS' (partition the dataset with {@link partitionDataset}).
 * @example partitionIndices(labelPartition(task.data.partition), labels);
 */
export function labelPartition(spec: DatasetPartitionSpec): PartitionSpec {
  if (spec.kind === 'natural') throw new PartitionError('PARTITION_NEEDS_CLIENT_IDS', 'a natural partition needs a dataset with a client id per row');
  return spec;
}

/** What partitioning reads of a dataset: the labels and client ids, never the features. */
export type PartitionableDataset = Pick<Dataset, 'schema' | 'count' | 'labels' | 'clientIds'>;

/** The natural partition: `clientIds[k]` names client k, whose rows are `parts[k]` (ascending). */
export interface NaturalPartition {
  readonly clientIds: readonly string[];
  readonly parts: readonly Uint32Array[];
}

/**
 * Each client's example indices (ascending) under `spec`. iid works on every dataset; shards and
 * Dirichlet sort by class and so need class labels: a regression has none, and a text dataset's
 * labels are next symbols of overlapping windows, where skewing by the next symbol scatters one
 * passage over many clients; both throw 'PARTITION_NEEDS_CLASSES' (split text naturally, by
 * speaker). 'natural' needs client ids ('PARTITION_NEEDS_CLIENT_IDS'); its clients are the
 * sorted distinct ids (see {@link naturalPartition}). On MNIST this equals `partitionIndices`.
 * @example const parts = partitionDataset({ kind: 'dirichlet', numClients: 10, seed: 1, alpha: 0.5 }, heart);
 */
export function partitionDataset(spec: DatasetPartitionSpec, dataset: PartitionableDataset): Uint32Array[] {
  switch (spec.kind) {
    case 'natural':
      if (dataset.clientIds === undefined) {
        throw new PartitionError('PARTITION_NEEDS_CLIENT_IDS', 'a natural partition needs a client id per row (a client column, or a client id per corpus)');
      }
      if (dataset.clientIds.length !== dataset.count) throw new PartitionError('PARTITION_INVALID', `${dataset.count} rows but ${dataset.clientIds.length} client ids`);
      {
        const parts = naturalPartition(dataset.clientIds).parts;
        if (spec.numClients !== undefined && spec.numClients !== parts.length) {
          throw new PartitionError('PARTITION_INVALID', `the dataset names ${parts.length} clients, the spec ${spec.numClients}`);
        }
        return [...parts];
      }
    case 'iid':
      // iid reads only the number of examples, so regression values can stand in as zeros.
      return partitionIndices(spec, dataset.labels instanceof Int32Array ? dataset.labels : new Uint8Array(dataset.count));
    case 'shards':
    case 'dirichlet': {
      const { schema, labels } = dataset;
      if (schema.kind === 'text' || !(labels instanceof Int32Array)) {
        const what = schema.kind === 'text' ? 'next-symbol labels of a text dataset' : 'regression labels';
        throw new PartitionError('PARTITION_NEEDS_CLASSES', `'${spec.kind}' splits by class and the ${what} are not classes; use 'iid' or 'natural'`);
      }
      return partitionIndices(spec, labels);
    }
    default: {
      const unreachable: never = spec;
      throw new PartitionError('PARTITION_INVALID', `unknown partition ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * One client per distinct id, in code-unit order of the ids (as Flower sorts them), so the
 * numbering does not depend on row order; client k gets exactly the rows carrying the k-th id.
 * @example naturalPartition(['b', 'a', 'b']) // { clientIds: ['a', 'b'], parts: [[1], [0, 2]] }
 */
export function naturalPartition(clientIds: readonly string[]): NaturalPartition {
  const rows = new Map<string, number[]>();
  clientIds.forEach((id, i) => {
    const mine = rows.get(id);
    if (mine === undefined) rows.set(id, [i]);
    else mine.push(i);
  });
  const ids = [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { clientIds: ids, parts: ids.map((id) => Uint32Array.from(rows.get(id)!)) };
}

/** A client's examples split into what it trains on and what it evaluates the global model on. */
export interface ClientSplit {
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

/**
 * Splits one client's indices into train and test (both ascending), deterministic by seed: the
 * test part is round(n · fraction) examples, at least 1 and at most n − 1 when the client holds
 * two or more, so every such client can evaluate and still train; a client with one example only
 * trains. Use a different seed per client (e.g. taskSeed · 1_000_003 + clientIndex) so that
 * clients do not hold out the same positions.
 * @example const { train, test } = splitClientExamples(parts[3], 0.2, 42);
 */
export function splitClientExamples(indices: Uint32Array, fraction: number, seed: number): ClientSplit {
  if (!(Number.isFinite(fraction) && fraction > 0 && fraction < 1)) throw new PartitionError('PARTITION_INVALID', `test fraction must be in (0, 1), got ${fraction}`);
  if (!Number.isSafeInteger(seed)) throw new PartitionError('PARTITION_INVALID', `seed must be an integer, got ${seed}`);
  const n = indices.length;
  if (n < 2) return { train: Uint32Array.from(indices), test: new Uint32Array(0) };
  const testCount = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = shuffleInPlace(Uint32Array.from(indices), createRng(seed));
  return { train: order.slice(testCount).sort(), test: order.slice(0, testCount).sort() };
}

/**
 * The seed of client `clientIndex`'s held-out split in a task seeded `taskSeed`. A simulated
 * client and the coordinator's baseline derive it alike, so the baseline never trains on what a
 * client holds out for federated evaluation.
 * @example const { train, test } = splitClientExamples(allRows, 0.2, holdoutSeed(task.seed, partitionIndex));
 */
export function holdoutSeed(taskSeed: number, clientIndex: number): number {
  return ((taskSeed >>> 0) * 1_000_003 + (clientIndex >>> 0)) % 2 ** 32;
}
