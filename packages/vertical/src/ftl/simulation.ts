// Simulated FTL split of MNIST: guest and host hold different pooled columns of mostly different people; only the host-only rows are scored.
import { binarizeDigits, loadMnist, mnistColumnBands, poolMnist, splitVertically } from '@flotilla/data';
import type { VerticalPartyTable } from '@flotilla/data';

/** How an FTL simulation draws its tables (the job's `simulation`). */
export interface FtlSimulation {
  /** MNIST training examples the split is drawn from. Default 2000. */
  rows?: number;
  /** Fraction of the examples both parties hold (the rest: one party each, at random). Default 0.1. */
  overlap?: number;
  seed?: number;
  /** MNIST test images for the guest-alone baseline. Default 500. */
  testRows?: number;
}

/** Default overlap of an FTL simulation: 10 % of the people. */
export const FTL_DEFAULT_OVERLAP = 0.1;

/** Width of a 7×7 pooled image, the simulation's full feature row. */
const POOLED_WIDTH = 49;

/** The simulation's tables and what only the coordinator's baselines may use. */
export interface FtlSimulationTables {
  /** The guest: left 4 of 7 pooled columns of its rows, digit ≥ 5 labels; its test rows are MNIST test images (guest-alone baseline). */
  guest: VerticalPartyTable & { labels: Uint8Array; testFeatures: Float32Array; testLabels: Uint8Array };
  /** The host: right 3 columns of its rows; its test rows are its host-only rows with their true labels, for scoring only. */
  host: VerticalPartyTable & { testFeatures: Float32Array; testLabels: Uint8Array };
  /** All 49 pooled pixels and labels of every training example, and of the host-only rows (the pooled upper bound). */
  pooled: { features: Float32Array; labels: Uint8Array; hostOnlyFeatures: Float32Array };
}

/**
 * Draws the FTL split: `overlap` of the people at both parties, the others at one of them.
 * The host's test rows are exactly its rows outside the overlap, the rows FTL labels.
 * @example const { guest, host } = await simulateFtlMnist({ rows: 1000, overlap: 0.1, seed: 2 });
 */
export async function simulateFtlMnist(options: FtlSimulation = {}): Promise<FtlSimulationTables> {
  const train = await loadMnist('train', { limit: options.rows ?? 2000 });
  const test = await loadMnist('test', { limit: options.testRows ?? 500 });
  const images = poolMnist(train.images, train.count, 4);
  const labels = binarizeDigits(train.labels);
  const bands = mnistColumnBands(2, 4);
  const [g, h] = splitVertically({ images, labels, count: train.count }, bands, { overlap: options.overlap ?? FTL_DEFAULT_OVERLAP, seed: options.seed ?? 1 });
  const guestIds = new Set(g!.ids);
  const sourceOf = (id: string): number => Number(id.slice(id.lastIndexOf('-') + 1));
  const hostOnly = h!.ids.map(sourceOf).filter((i) => !guestIds.has(`mnist-${i}`));
  const columns = (pixels: readonly number[], from: Float32Array, rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * pixels.length);
    rows.forEach((r, i) => pixels.forEach((px, k) => (out[i * pixels.length + k] = from[r * POOLED_WIDTH + px]!)));
    return out;
  };
  const testImages = poolMnist(test.images, test.count, 4);
  const testRows = Array.from({ length: test.count }, (_, i) => i);
  const all = Array.from({ length: train.count }, (_, i) => i);
  const every = Array.from({ length: POOLED_WIDTH }, (_, k) => k);
  return {
    guest: {
      ids: g!.ids, features: g!.features, featureCount: g!.featureCount, labels: g!.labels!, classes: 2,
      testFeatures: columns(bands[0]!, testImages, testRows), testLabels: binarizeDigits(test.labels),
    },
    host: {
      ids: h!.ids, features: h!.features, featureCount: h!.featureCount,
      testFeatures: columns(bands[1]!, images, hostOnly), testLabels: Uint8Array.from(hostOnly, (i) => labels[i]!),
    },
    pooled: { features: columns(every, images, all), labels, hostOnlyFeatures: columns(every, images, hostOnly) },
  };
}
