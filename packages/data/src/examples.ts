// Helpers over partitions: label histograms, the union a centralized baseline trains on, gathering examples.

/**
 * Counts examples per class among `indices`.
 * @example labelHistogram(train.labels, parts[0], 10); // e.g. [0, 300, 0, 0, 0, 0, 0, 300, 0, 0]
 */
export function labelHistogram(labels: Uint8Array | Int32Array, indices: Uint32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const label = labels[indices[i]!];
    if (label === undefined) throw new RangeError(`index ${indices[i]} is outside ${labels.length} labels`);
    if (label < 0 || label >= numClasses) throw new RangeError(`label ${label} at index ${indices[i]} is not below numClasses ${numClasses}`);
    counts[label]!++;
  }
  return counts;
}

/**
 * Sorted, deduplicated union of all clients' indices: the data a centralized baseline trains on.
 * @example const central = partitionUnion(partitionIndices(spec, train.labels));
 */
export function partitionUnion(parts: readonly Uint32Array[]): Uint32Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const all = new Uint32Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  all.sort();
  let unique = 0;
  for (let i = 0; i < all.length; i++) {
    if (i === 0 || all[i] !== all[i - 1]) all[unique++] = all[i]!;
  }
  return all.slice(0, unique);
}

/** Examples copied out of a split: `count` rows of `featureSize` floats and their labels. */
export interface GatheredExamples {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * Copies the examples at `indices` into fresh contiguous arrays, in the order given: what a
 * client trains on once it knows its partition.
 * @example const local = gatherExamples(train, clientPartition(spec, train.labels, 3));
 */
export function gatherExamples(
  split: { readonly images: Float32Array; readonly labels: Uint8Array },
  indices: Uint32Array,
  featureSize = 784,
): GatheredExamples {
  if (!(Number.isSafeInteger(featureSize) && featureSize >= 1)) throw new RangeError(`featureSize must be an integer ≥ 1, got ${featureSize}`);
  const available = Math.min(split.labels.length, Math.floor(split.images.length / featureSize));
  const images = new Float32Array(indices.length * featureSize);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]!;
    if (source >= available) throw new RangeError(`index ${source} is outside the split's ${available} examples`);
    images.set(split.images.subarray(source * featureSize, (source + 1) * featureSize), i * featureSize);
    labels[i] = split.labels[source]!;
  }
  return { images, labels, count: indices.length };
}
