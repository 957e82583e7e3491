// Vertical splits: image columns divided across parties, labels at one party, partly overlapping IDs.
import { createRng, shuffleInPlace } from '@flotilla/core';
import { PartitionError } from './errors.ts';

/** One party's view of a vertically split dataset: its own IDs, its own feature columns, maybe labels. */
export interface VerticalPartyData {
  /** Index of this party; party `labelParty` (0 by default) holds the labels. */
  readonly party: number;
  /** Row IDs in this party's own (shuffled) order; the same ID names the same person at every party. */
  readonly ids: string[];
  /** Row-major `ids.length × featureCount` features. */
  readonly features: Float32Array;
  readonly featureCount: number;
  /** Which pixels (indices into the 784 of an image) this party holds, in feature order. */
  readonly pixels: readonly number[];
  /** Labels of the rows, at the label holder only. */
  readonly labels?: Uint8Array;
}

/** Options of {@link splitVertically}. */
export interface VerticalSplitOptions {
  /** Fraction of examples that every party holds (the rest belongs to one random party only). Default 0.8. */
  readonly overlap?: number;
  /** Seed of the overlap draw and of each party's row order. Default 1. */
  readonly seed?: number;
  /** Which party holds the labels. Default 0. */
  readonly labelParty?: number;
  /** Prefix of the row IDs: example i of the source is `${idPrefix}-${i}`. Default 'mnist'. */
  readonly idPrefix?: string;
}

/**
 * Pixel indices of each party when the 28 image columns are cut into `parties` contiguous vertical
 * bands (left to right), e.g. 2 parties: columns 0–13 and 14–27; 3 parties: 0–9, 10–18, 19–27.
 * With `pool` 2 (or 4) the bands are over the 14 (or 7) columns of an average-pooled image.
 * @example mnistColumnBands(2)[1].length // 392 pixels of the right half
 */
export function mnistColumnBands(parties: number, pool = 1): number[][] {
  if (![1, 2, 4].includes(pool)) throw new PartitionError('PARTITION_INVALID', `pool must be 1, 2 or 4, got ${pool}`);
  const side = 28 / pool;
  if (!Number.isInteger(parties) || parties < 2 || parties > side) {
    throw new PartitionError('PARTITION_INVALID', `parties must be an integer in [2, ${side}], got ${parties}`);
  }
  const bands: number[][] = [];
  for (let p = 0; p < parties; p++) {
    const from = Math.round((p * side) / parties);
    const to = Math.round(((p + 1) * side) / parties);
    const pixels: number[] = [];
    for (let row = 0; row < side; row++) for (let col = from; col < to; col++) pixels.push(row * side + col);
    bands.push(pixels);
  }
  return bands;
}

/**
 * Average-pools 28×28 images by `factor` (2 → 14×14, 4 → 7×7): fewer features for protocols
 * whose cost grows with them (hetero LR encrypts one gradient entry per feature).
 * @example const small = poolMnist(train.images, train.count, 2); // count × 196
 */
export function poolMnist(images: Float32Array, count: number, factor: 2 | 4): Float32Array {
  if (factor !== 2 && factor !== 4) throw new PartitionError('PARTITION_INVALID', `pool factor must be 2 or 4, got ${String(factor)}`);
  if (images.length < count * 784) throw new PartitionError('PARTITION_INVALID', `need ${count} images of 784 pixels`);
  const side = 28 / factor;
  const out = new Float32Array(count * side * side);
  const norm = 1 / (factor * factor);
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        let sum = 0;
        for (let dr = 0; dr < factor; dr++) {
          for (let dc = 0; dc < factor; dc++) sum += images[n * 784 + (r * factor + dr) * 28 + c * factor + dc]!;
        }
        out[n * side * side + r * side + c] = sum * norm;
      }
    }
  }
  return out;
}

/**
 * The binary task for hetero logistic regression: 1 for digits ≥ `threshold` (default 5), else 0.
 * @example binarizeDigits(train.labels) // [5, 0, 4] → [1, 0, 0]
 */
export function binarizeDigits(labels: Uint8Array, threshold = 5): Uint8Array {
  return labels.map((d) => (d >= threshold ? 1 : 0));
}

/**
 * Splits examples vertically: party p gets the feature columns `pixelBands[p]` of the rows it
 * holds. A fraction `overlap` of the examples is held by every party; each other example by one
 * party drawn at random, so every party has IDs the others lack and alignment (PSI) matters.
 * Each party's rows come in its own seeded random order. Only `labelParty` gets labels.
 * @example
 * const [bank, shop] = splitVertically(train, mnistColumnBands(2), { overlap: 0.7, seed: 3 });
 * bank.labels !== undefined; shop.labels === undefined;
 */
export function splitVertically(
  examples: { readonly images: Float32Array; readonly labels: Uint8Array; readonly count: number },
  pixelBands: readonly (readonly number[])[],
  options: VerticalSplitOptions = {},
): VerticalPartyData[] {
  const overlap = options.overlap ?? 0.8;
  const seed = options.seed ?? 1;
  const labelParty = options.labelParty ?? 0;
  const prefix = options.idPrefix ?? 'mnist';
  const parties = pixelBands.length;
  const width = examples.count > 0 ? examples.images.length / examples.count : 0;
  if (parties < 2) throw new PartitionError('PARTITION_INVALID', 'a vertical split needs at least 2 parties');
  if (!(overlap >= 0 && overlap <= 1)) throw new PartitionError('PARTITION_INVALID', `overlap must be in [0, 1], got ${overlap}`);
  if (!Number.isInteger(labelParty) || labelParty < 0 || labelParty >= parties) {
    throw new PartitionError('PARTITION_INVALID', `labelParty must name one of the ${parties} parties`);
  }
  for (const band of pixelBands) {
    if (band.length === 0 || band.some((px) => !Number.isInteger(px) || px < 0 || px >= width)) {
      throw new PartitionError('PARTITION_INVALID', `every band needs pixel indices in [0, ${width})`);
    }
  }
  const rng = createRng(seed);
  const rows: number[][] = pixelBands.map(() => []);
  for (let i = 0; i < examples.count; i++) {
    if (rng() < overlap) for (const r of rows) r.push(i);
    else rows[Math.min(parties - 1, Math.floor(rng() * parties))]!.push(i);
  }
  return pixelBands.map((pixels, party) => {
    const mine = shuffleInPlace(rows[party]!, createRng(seed * 31 + party + 1));
    const features = new Float32Array(mine.length * pixels.length);
    mine.forEach((source, row) => {
      for (let k = 0; k < pixels.length; k++) features[row * pixels.length + k] = examples.images[source * width + pixels[k]!]!;
    });
    const base = { party, ids: mine.map((i) => `${prefix}-${i}`), features, featureCount: pixels.length, pixels };
    return party === labelParty ? { ...base, labels: Uint8Array.from(mine, (i) => examples.labels[i]!) } : base;
  });
}

/**
 * A party's rows in a given ID order (the aligned order PSI produced): features and, at the label
 * holder, labels. PARTITION_INVALID if an ID is not one of the party's.
 * @example const aligned = selectRows(bank, psiResult.ids);
 */
export function selectRows(data: VerticalPartyData, ids: readonly string[]): { features: Float32Array; labels?: Uint8Array } {
  const rowOf = new Map(data.ids.map((id, row) => [id, row]));
  const d = data.featureCount;
  const features = new Float32Array(ids.length * d);
  const labels = data.labels ? new Uint8Array(ids.length) : undefined;
  ids.forEach((id, k) => {
    const row = rowOf.get(id);
    if (row === undefined) throw new PartitionError('PARTITION_INVALID', `ID ${id} is not held by party ${data.party}`);
    features.set(data.features.subarray(row * d, (row + 1) * d), k * d);
    if (labels) labels[k] = data.labels![row]!;
  });
  return labels ? { features, labels } : { features };
}
