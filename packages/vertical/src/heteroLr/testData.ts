// Test fixture: the ≥5 MNIST task, 7×7-pooled, split in two column bands (guest left, host right).
import { binarizeDigits, loadMnist, mnistColumnBands, poolMnist } from '@flotilla/data';
import type { VerticalLrData } from './taylor.ts';

/** The first `count` training images as aligned two-party rows (no PSI: row i is example i at both). */
export async function pooledBinaryMnist(count: number, split: 'train' | 'test' = 'train'): Promise<VerticalLrData> {
  const mnist = await loadMnist(split, { limit: count });
  const pooled = poolMnist(mnist.images, count, 4);
  const [guestPixels, hostPixels] = mnistColumnBands(2, 4) as [number[], number[]];
  const pick = (pixels: number[]): Float32Array => {
    const out = new Float32Array(count * pixels.length);
    for (let i = 0; i < count; i++) pixels.forEach((px, k) => (out[i * pixels.length + k] = pooled[i * 49 + px]!));
    return out;
  };
  return {
    guestFeatures: pick(guestPixels),
    guestFeatureCount: guestPixels.length,
    hostFeatures: pick(hostPixels),
    hostFeatureCount: hostPixels.length,
    labels: binarizeDigits(mnist.labels),
  };
}
