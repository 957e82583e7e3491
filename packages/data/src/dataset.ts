// The in-memory dataset of any schema: encoded features, labels and the client each row belongs to.

import { MNIST_SCHEMA, schemaInputShape, schemaOutputSize, type DataSchema } from '@flotilla/protocol';
import { DatasetImportError } from './errors.ts';
import type { MnistSplit } from './mnist.ts';

/**
 * `count` examples of `schema`, encoded as the model reads them. `features` is row-major,
 * `count × exampleSize(schema)`: images [h, w, c] pixels in [0, 1] (the schema's normalisation
 * is left to the loader), tables the encoded row (z-scored numbers, one-hot categories), text
 * symbol indices. `labels` is a class or next-symbol index (Int32Array), or the value of a
 * regression (Float32Array). `clientIds[i]` names the client row i came from, where known.
 */
export interface Dataset {
  readonly schema: DataSchema;
  readonly count: number;
  readonly features: Float32Array;
  readonly labels: Int32Array | Float32Array;
  readonly clientIds?: readonly string[];
}

/**
 * Floats in one encoded example: the product of `schemaInputShape`.
 * @example exampleSize(MNIST_SCHEMA) // 784
 */
export function exampleSize(schema: DataSchema): number {
  return schemaInputShape(schema).reduce((a, b) => a * b, 1);
}

/**
 * Whether labels are class indices (classification, next symbol) rather than regression values.
 * @example hasClassLabels(MNIST_SCHEMA) // true
 */
export function hasClassLabels(schema: DataSchema): boolean {
  return schema.kind !== 'tabular' || schema.target.type === 'classification';
}

/**
 * MNIST as a {@link Dataset} of {@link MNIST_SCHEMA}; the pixels are shared, not copied.
 * @example const train = mnistDataset(await loadMnist('train', { limit: 600 })); // train.count === 600
 */
export function mnistDataset(split: MnistSplit): Dataset {
  return { schema: MNIST_SCHEMA, count: split.count, features: split.images, labels: Int32Array.from(split.labels) };
}

/**
 * Checks that the arrays fit the schema: lengths, class indices below the output size,
 * finite features and regression labels, one client id per row. Throws
 * {@link DatasetImportError} ('DATA_SCHEMA_MISMATCH') naming the first bad row (0-based).
 * @example checkDataset(mnistDataset(split));
 */
export function checkDataset(dataset: Dataset): void {
  const { schema, count, features, labels, clientIds } = dataset;
  const size = exampleSize(schema);
  if (!(Number.isSafeInteger(count) && count >= 0)) throw mismatch(`count must be a non-negative integer, got ${count}`);
  if (features.length !== count * size) throw mismatch(`${count} examples of ${size} floats need ${count * size} features, got ${features.length}`);
  if (labels.length !== count) throw mismatch(`${count} examples need ${count} labels, got ${labels.length}`);
  if (clientIds !== undefined && clientIds.length !== count) throw mismatch(`${count} examples need ${count} client ids, got ${clientIds.length}`);
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i])) throw mismatch(`row ${Math.floor(i / size)} has a non-finite feature`);
  }
  const classes = hasClassLabels(schema);
  if (classes !== labels instanceof Int32Array) throw mismatch(`${classes ? 'class' : 'regression'} labels must be ${classes ? 'an Int32Array' : 'a Float32Array'}`);
  const outputs = schemaOutputSize(schema);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (classes ? !(label >= 0 && label < outputs) : !Number.isFinite(label)) throw mismatch(`row ${i} has label ${label}`);
  }
}

/**
 * The rows `indices` of a dataset, in that order: one client's share, or its train or test split.
 * @example const mine = selectExamples(dataset, partitionDataset(spec, dataset)[3]);
 */
export function selectExamples(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const size = exampleSize(dataset.schema);
  const n = indices.length;
  const features = new Float32Array(n * size);
  const labels = dataset.labels instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
  const clientIds = dataset.clientIds === undefined ? undefined : new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!(Number.isSafeInteger(i) && i >= 0 && i < dataset.count)) throw new RangeError(`index ${i} is outside ${dataset.count} examples`);
    features.set(dataset.features.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i]!;
    if (clientIds !== undefined) clientIds[k] = dataset.clientIds![i]!;
  }
  return clientIds === undefined ? { schema: dataset.schema, count: n, features, labels } : { schema: dataset.schema, count: n, features, labels, clientIds };
}

/**
 * One dataset from several of the same schema, rows in order: e.g. one text corpus per speaker,
 * each imported with its `clientId`, joined for a natural partition.
 * @example const all = concatDatasets([hamlet, ophelia]); // all.clientIds: ['hamlet', …, 'ophelia', …]
 */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  const first = parts[0];
  if (first === undefined) throw new RangeError('concatDatasets needs at least one dataset');
  const schemaText = JSON.stringify(first.schema);
  const count = parts.reduce((n, d) => n + d.count, 0);
  const features = new Float32Array(parts.reduce((n, d) => n + d.features.length, 0));
  const labels = first.labels instanceof Int32Array ? new Int32Array(count) : new Float32Array(count);
  const withIds = parts.every((d) => d.clientIds !== undefined);
  const clientIds: string[] = [];
  let row = 0;
  let offset = 0;
  for (const d of parts) {
    if (JSON.stringify(d.schema) !== schemaText) throw mismatch('concatDatasets needs datasets of one schema');
    features.set(d.features, offset);
    labels.set(d.labels, row);
    if (withIds) for (const id of d.clientIds!) clientIds.push(id);
    offset += d.features.length;
    row += d.count;
  }
  return withIds ? { schema: first.schema, count, features, labels, clientIds } : { schema: first.schema, count, features, labels };
}

function mismatch(message: string): DatasetImportError {
  return new DatasetImportError('DATA_SCHEMA_MISMATCH', message);
}
