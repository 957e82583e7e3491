// An IDX pair (images + labels, raw or gzip) as an image dataset checked against its schema.

import type { ImageSchema } from '@flotilla/protocol';
import type { Dataset } from './dataset.ts';
import { DataFormatError, DatasetImportError } from './errors.ts';
import { maybeGunzip } from './gzip.ts';
import { parseIdx, type IdxTensor } from './idx.ts';

/** Options of {@link importIdxDataset}. */
export interface ImportIdxOptions {
  /** File names, for error messages. */
  readonly imagesFile?: string;
  readonly labelsFile?: string;
  /** Limit on each file after decompression; default 256 MiB (MNIST's train images are 47 MB). */
  readonly maxBytes?: number;
  /** Default 1,000,000 examples. */
  readonly maxRows?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Reads images ([n, h, w] or [n, h, w, c] uint8) and labels ([n] uint8) in IDX format, each raw or
 * gzip-compressed (detected by magic bytes), into a dataset of `schema`: pixels scaled to [0, 1],
 * labels as class indices. The counts must match, the image shape must be the schema's, labels
 * must be below the number of classes; otherwise {@link DatasetImportError} names the file.
 * @example
 * const train = await importIdxDataset(imagesBytes, labelsBytes, MNIST_SCHEMA, { imagesFile: 'train-images-idx3-ubyte.gz' });
 */
export async function importIdxDataset(images: Uint8Array, labels: Uint8Array, schema: ImageSchema, options: ImportIdxOptions = {}): Promise<Dataset> {
  const { imagesFile, labelsFile } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const [imageBytes, labelBytes] = await Promise.all([maybeGunzip(images, maxBytes, imagesFile), maybeGunzip(labels, maxBytes, labelsFile)]);
  const imageTensor = parseWithin(imageBytes, imagesFile);
  const labelTensor = parseWithin(labelBytes, labelsFile);

  const { height, width, channels } = schema;
  const [count, h, w, c = 1] = imageTensor.shape;
  const rankOk = imageTensor.shape.length === 3 || imageTensor.shape.length === 4;
  if (imageTensor.dtype !== 'uint8' || !rankOk || h !== height || w !== width || c !== channels) {
    throw new DatasetImportError('DATA_IDX_SHAPE', `images must be uint8 [n, ${height}, ${width}${channels === 1 ? '' : `, ${channels}`}] as the schema says, got ${imageTensor.dtype} [${imageTensor.shape.join(', ')}]`, { file: imagesFile });
  }
  if (labelTensor.dtype !== 'uint8' || labelTensor.shape.length !== 1) {
    throw new DatasetImportError('DATA_IDX_SHAPE', `labels must be uint8 [n], got ${labelTensor.dtype} [${labelTensor.shape.join(', ')}]`, { file: labelsFile });
  }
  if (labelTensor.shape[0] !== count) {
    throw new DatasetImportError('DATA_IDX_COUNT_MISMATCH', `${imagesFile ?? 'the images file'} holds ${count} images but ${labelsFile ?? 'the labels file'} ${labelTensor.shape[0]} labels`, { file: labelsFile });
  }
  const maxRows = options.maxRows ?? 1_000_000;
  if (count! > maxRows) throw new DatasetImportError('DATA_TOO_LARGE', `${count} examples exceed the limit of ${maxRows}`, { file: imagesFile });

  const classes = schema.classes.length;
  const out = new Int32Array(count!);
  for (let i = 0; i < count!; i++) {
    const label = labelTensor.data[i]!;
    // IDX has no lines; `line` is the example's 1-based position, which is what a person would look for.
    if (label >= classes) throw new DatasetImportError('DATA_IDX_LABEL', `example ${i} has label ${label}, the schema has ${classes} classes`, { file: labelsFile, line: i + 1 });
    out[i] = label;
  }
  const pixels = new Float32Array(imageTensor.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = PIXEL_SCALE[imageTensor.data[i]!]!;
  return { schema, count: count!, features: pixels, labels: out };
}

function parseWithin(bytes: Uint8Array, file: string | undefined): IdxTensor {
  try {
    return parseIdx(bytes);
  } catch (e) {
    // The parser's own code stays in the message; the file name is what the user needs added.
    if (e instanceof DataFormatError) throw new DatasetImportError('DATA_IDX_MALFORMED', `${e.code}: ${e.message}`, { file });
    throw e;
  }
}
