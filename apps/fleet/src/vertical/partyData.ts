// A simulated hetero LR party's data: pooled MNIST (≥ 5 task) split by columns, own IDs, agreed test rows.
import { binarizeDigits, loadMnist, mnistColumnBands, poolMnist, splitVertically } from '@flotilla/data';
import type { HeteroLrPartyData } from '@flotilla/vertical';

/** How the simulation draws the parties' rows; guest and host must use the same values. */
export interface SimulatedPartyOptions {
  /** Training examples the split is drawn from. Default 1000. */
  rows?: number;
  /** Fraction held by both parties. Default 0.8. */
  overlap?: number;
  seed?: number;
  /** Test images, in the MNIST order both parties agree on. Default 500. */
  testRows?: number;
}

/**
 * The guest's (left columns, labels) or host's (right columns) share of 7×7-pooled MNIST with
 * the digit ≥ 5 labels, each with its own partly overlapping ID list, as a real party would load
 * its own table. @example const data = await simulatedPartyData('host', { rows: 2000, seed: 3 });
 */
export async function simulatedPartyData(role: 'guest' | 'host', options: SimulatedPartyOptions = {}): Promise<HeteroLrPartyData> {
  const rows = options.rows ?? 1000;
  const testRows = options.testRows ?? 500;
  const train = await loadMnist('train', { limit: rows });
  const pooled = { images: poolMnist(train.images, train.count, 4), labels: binarizeDigits(train.labels), count: train.count };
  const bands = mnistColumnBands(2, 4);
  const party = splitVertically(pooled, bands, { overlap: options.overlap ?? 0.8, seed: options.seed ?? 1 })[role === 'guest' ? 0 : 1]!;
  const test = await loadMnist('test', { limit: testRows });
  const testPooled = poolMnist(test.images, test.count, 4);
  const pixels = bands[role === 'guest' ? 0 : 1]!;
  const testFeatures = new Float32Array(test.count * pixels.length);
  for (let i = 0; i < test.count; i++) pixels.forEach((px, k) => (testFeatures[i * pixels.length + k] = testPooled[i * 49 + px]!));
  const base = { ids: party.ids, features: party.features, featureCount: party.featureCount, testFeatures };
  return role === 'guest' ? { ...base, labels: party.labels!, testLabels: binarizeDigits(test.labels) } : base;
}
