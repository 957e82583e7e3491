// Test fixture: the ≥5 MNIST task, 7×7-pooled, split in column bands (guest left, then each host).
import { binarizeDigits, loadMnist, mnistColumnBands, poolMnist } from '@flotilla/data';
import type { VerticalLrData } from './taylor.ts';

/** The first `count` images as aligned rows of guest and `hosts` hosts (no PSI: row i is example i everywhere). */
export async function pooledBinaryMnist(count: number, split: 'train' | 'test' = 'train', hosts = 1): Promise<VerticalLrData> {
  const mnist = await loadMnist(split, { limit: count });
  const pooled = poolMnist(mnist.images, count, 4);
  const [guestPixels, hostPixels, ...otherPixels] = mnistColumnBands(hosts + 1, 4) as [number[], number[], ...number[][]];
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
    ...(otherPixels.length === 0 ? {} : { otherHosts: otherPixels.map((pixels) => ({ features: pick(pixels), featureCount: pixels.length })) }),
    labels: binarizeDigits(mnist.labels),
  };
}
