// A client's examples against a task: the check that they fit the task's data schema, the held-out
// split for federated evaluation, and the selection of rows a job trains or evaluates on.

import { holdoutSeed, splitClientExamples } from '@flotilla/data';
import { ErrorCodes, FlotillaError, schemaInputShape, schemaOutputSize, type DataSchema } from '@flotilla/protocol';
import type { LocalData } from './types.ts';

/** Which of a client's examples it trains on and which it holds out for federated evaluation (ascending indices). */
export interface LocalSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/** What a client needs of a task to split its data: the welcome's held-out share and seed. */
export interface SplitRule {
  clientTestFraction: number;
  seed: number;
}

/**
 * Floats in one encoded example of the schema.
 * @example exampleWidth(MNIST_SCHEMA) // 784
 */
export function exampleWidth(schema: DataSchema): number {
  return schemaInputShape(schema).reduce((a, b) => a * b, 1);
}

/**
 * Throws `FlotillaError(FLT_DATA_SCHEMA_MISMATCH)` naming the first thing in `data` that does
 * not fit the schema: the feature width, a non-finite feature, a symbol index outside a text
 * vocabulary, a class id outside the classes, a regression value that is not a number. Only
 * the first `data.count` examples are read. A count-only stand-in (no features, a count: the
 * page's `workerLocalData`, a test's synthetic trainer) passes: whoever holds those examples checks them.
 * @example checkLocalData(myRows, welcome.task.schema);
 */
export function checkLocalData(data: LocalData, schema: DataSchema): void {
  const width = exampleWidth(schema);
  const { count, features, labels } = data;
  if (features.length === 0) return;
  if (features.length !== count * width) {
    const per = count > 0 ? `${features.length / count} values per example` : `${features.length} values`;
    throw mismatch(`the task's ${schema.kind} examples have ${width} values each (${schemaInputShape(schema).join(' × ')}); this client's have ${per}`);
  }
  if (labels.length < count) throw mismatch(`${count} examples but ${labels.length} labels`);
  for (let i = 0; i < features.length; i++) {
    const value = features[i]!;
    if (!Number.isFinite(value)) throw mismatch(`example ${Math.floor(i / width)} has a non-finite value at position ${i % width}`);
    if (schema.kind === 'text' && !(Number.isInteger(value) && value >= 0 && value < schema.vocabulary.length)) {
      throw mismatch(`example ${Math.floor(i / width)} holds symbol ${value}, outside the task's vocabulary of ${schema.vocabulary.length}`);
    }
  }
  const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
  const outputs = schemaOutputSize(schema);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (regression ? !Number.isFinite(label) : !(Number.isInteger(label) && label >= 0 && label < outputs)) {
      throw mismatch(regression
        ? `example ${i} has label ${label}, not a number`
        : `example ${i} has label ${label}, not one of the task's ${outputs} ${schema.kind === 'text' ? 'symbols' : 'classes'}`);
    }
  }
}

/**
 * The client's train/held-out split: the one rule the coordinator's baseline uses too
 * (`splitClientExamples(0..n-1, fraction, holdoutSeed(seed, k))`, k the partition index, 0 for a
 * client with its own data). No held-out share (or fewer than two examples): everything trains.
 * @example const { train, test } = splitLocal(600, { clientTestFraction: 0.2, seed: 1 }, 3);
 */
export function splitLocal(count: number, rule: SplitRule, partitionIndex = 0): LocalSplit {
  const all = Uint32Array.from({ length: count }, (_, i) => i);
  if (!(rule.clientTestFraction > 0)) return { train: all, test: new Uint32Array(0) };
  return splitClientExamples(all, rule.clientTestFraction, holdoutSeed(rule.seed, partitionIndex));
}

/**
 * The examples at `indices`, in that order (copies); all of `data` when `indices` is absent or
 * selects every example in order.
 * @example const heldOut = selectLocal(data, split.test);
 */
export function selectLocal(data: LocalData, indices?: Uint32Array): LocalData {
  if (indices === undefined || (indices.length === data.count && indices.every((v, i) => v === i))) return data;
  const width = data.count > 0 ? data.features.length / data.count : 0;
  const features = new Float32Array(indices.length * width);
  const labels = new (data.labels.constructor as new (n: number) => LocalData['labels'])(indices.length);
  indices.forEach((index, k) => {
    if (index >= data.count) throw new RangeError(`example ${index} is outside the ${data.count} held`);
    features.set(data.features.subarray(index * width, (index + 1) * width), k * width);
    labels[k] = data.labels[index]!;
  });
  return { features, labels, count: indices.length };
}

function mismatch(message: string): FlotillaError {
  return new FlotillaError(ErrorCodes.DATA_SCHEMA_MISMATCH, message);
}

/**
 * Examples in the `images` layout of MNIST splits and `gatherExamples` as LocalData (shared, not copied).
 * @example const data = examplesAsLocalData(gatherExamples(train, partition));
 */
export function examplesAsLocalData(examples: { images: Float32Array; labels: LocalData['labels']; count: number }): LocalData {
  return { features: examples.images, labels: examples.labels, count: examples.count };
}
