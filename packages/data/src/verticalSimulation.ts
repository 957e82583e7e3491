// Simulated vertical MNIST: guest left columns, then one band per host; pooled ≥ 5 task or full digits.
import { loadMnist } from './mnist.ts';
import { binarizeDigits, mnistColumnBands, poolMnist, splitVertically } from './vertical.ts';
import type { SimulatedPartyTable } from './partyTable.ts';

/** How the simulation draws the parties' rows; every party (and the coordinator's baselines) uses the same values. */
export interface VerticalSimulation {
  /** Training examples the split is drawn from. Default 1000. */
  rows?: number;
  /** Fraction held by both parties. Default 0.8. */
  overlap?: number;
  seed?: number;
  /** Test images, in MNIST order (the test order both parties agree on). Default 500. */
  testRows?: number;
  /**
   * 'pooled-binary' (default, for hetero LR): 7×7 pooled images, digit ≥ 5; 'digits' (for the
   * split NN): full 28×28 images, left and right halves, labels 0–9.
   */
  task?: 'pooled-binary' | 'digits';
  /** Hosts besides the guest: the columns are cut into hosts + 1 bands, left to right. Default 1. */
  hosts?: number;
}

/** The simulated tables: the guest's, the first host's, and every host's in order (`hosts[0]` is `host`). */
export interface VerticalSimulationTables {
  guest: SimulatedPartyTable;
  host: SimulatedPartyTable;
  hosts: SimulatedPartyTable[];
}

/**
 * Every party's table: with one host the guest gets the left 4 of 7 pooled columns and the ≥ 5
 * labels, the host the right 3 columns; with two hosts the bands are 2, 3 and 2 pooled columns
 * (full images: 9, 10 and 9 columns). Each party has its own partly overlapping, shuffled ID list.
 * @example const { guest, host } = await simulateVerticalMnist({ rows: 2000, seed: 3 });
 */
export async function simulateVerticalMnist(options: VerticalSimulation = {}): Promise<VerticalSimulationTables> {
  const rows = options.rows ?? 1000;
  const testRows = options.testRows ?? 500;
  const digits = options.task === 'digits';
  const train = await loadMnist('train', { limit: rows });
  const test = await loadMnist('test', { limit: testRows });
  const width = digits ? 784 : 49;
  const prepare = (images: Float32Array, count: number): Float32Array => (digits ? images : poolMnist(images, count, 4));
  const labelsOf = (labels: Uint8Array): Uint8Array => (digits ? Uint8Array.from(labels) : binarizeDigits(labels));
  const bands = mnistColumnBands((options.hosts ?? 1) + 1, digits ? 1 : 4);
  const [g, ...h] = splitVertically({ images: prepare(train.images, train.count), labels: labelsOf(train.labels), count: train.count }, bands, {
    overlap: options.overlap ?? 0.8,
    seed: options.seed ?? 1,
  });
  const testImages = prepare(test.images, test.count);
  const testColumns = (pixels: readonly number[]): Float32Array => {
    const out = new Float32Array(test.count * pixels.length);
    for (let i = 0; i < test.count; i++) pixels.forEach((px, k) => (out[i * pixels.length + k] = testImages[i * width + px]!));
    return out;
  };
  const hosts = h.map((t, p): SimulatedPartyTable => ({ ids: t.ids, features: t.features, featureCount: t.featureCount, testFeatures: testColumns(bands[p + 1]!) }));
  return {
    guest: { ids: g!.ids, features: g!.features, featureCount: g!.featureCount, labels: g!.labels!, classes: digits ? 10 : 2, testFeatures: testColumns(bands[0]!), testLabels: labelsOf(test.labels) },
    host: hosts[0]!,
    hosts,
  };
}
