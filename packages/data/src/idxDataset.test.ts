import { MNIST_SCHEMA, type ImageSchema } from '@flotilla/protocol';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { importIdxDataset } from './idxDataset.ts';

/** An IDX file of uint8 `values` with `shape`, as LeCun's files are laid out. */
function idx(shape: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  out.set([0, 0, 0x08, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), 4 + 4 * shape.length);
  return out;
}

const RGB: ImageSchema = { kind: 'image', height: 2, width: 3, channels: 3, classes: ['cat', 'dog', 'fox'] };

async function refusal(run: () => Promise<unknown>): Promise<DatasetImportError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('importIdxDataset', () => {
  const pixels = Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => (i * 7) % 256);
  const images = idx([2, 2, 3, 3], pixels);
  const labels = idx([2], [2, 0]);

  it('reads a raw RGB pair into [0, 1] pixels and class indices', async () => {
    const data = await importIdxDataset(images, labels, RGB);
    checkDataset(data);
    expect(data.count).toBe(2);
    expect([...data.features]).toEqual(pixels.map((p) => Math.fround(p / 255)));
    expect([...data.labels]).toEqual([2, 0]);
  });

  it('reads gzip-compressed files to the same dataset as raw ones', async () => {
    const raw = await importIdxDataset(images, labels, RGB);
    const gz = await importIdxDataset(gzipSync(images), gzipSync(labels), RGB);
    expect(gz).toEqual(raw);
  });

  it('reads MNIST-shaped [n, 28, 28] grayscale images', async () => {
    const data = await importIdxDataset(idx([1, 28, 28], new Uint8Array(784).fill(255)), idx([1], [9]), MNIST_SCHEMA);
    expect(data.features.every((p) => p === 1)).toBe(true);
  });

  it('refuses mismatched counts, a shape that is not the schema\'s and labels outside the classes, naming the file', async () => {
    const counts = await refusal(() => importIdxDataset(images, idx([3], [0, 1, 2]), RGB, { imagesFile: 'img.idx', labelsFile: 'lab.idx' }));
    expect(counts.code).toBe('DATA_IDX_COUNT_MISMATCH');
    expect(counts.message).toContain('img.idx holds 2 images but lab.idx 3 labels');
    const shape = await refusal(() => importIdxDataset(images, labels, { ...RGB, channels: 1 }, { imagesFile: 'img.idx' }));
    expect(shape).toMatchObject({ code: 'DATA_IDX_SHAPE', location: { file: 'img.idx' } });
    const label = await refusal(() => importIdxDataset(images, idx([2], [0, 3]), RGB, { labelsFile: 'lab.idx' }));
    expect(label).toMatchObject({ code: 'DATA_IDX_LABEL', location: { file: 'lab.idx', line: 2 } });
  });

  it('refuses a truncated file, a corrupt gzip stream and one that inflates past the limit', async () => {
    expect((await refusal(() => importIdxDataset(images.subarray(0, 20), labels, RGB))).code).toBe('DATA_IDX_MALFORMED');
    const corrupt = gzipSync(images);
    corrupt.fill(0xff, 10, 30);
    expect((await refusal(() => importIdxDataset(corrupt, labels, RGB, { imagesFile: 'x.gz' })))).toMatchObject({ code: 'DATA_GZIP', location: { file: 'x.gz' } });
    const bomb = gzipSync(idx([1000, 2, 3, 3], new Uint8Array(18_000)));
    expect(bomb.length).toBeLessThan(1000);
    expect((await refusal(() => importIdxDataset(bomb, labels, RGB, { maxBytes: 4096 }))).code).toBe('DATA_TOO_LARGE');
  });
});
