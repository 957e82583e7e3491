// Examples from files a person picks on the join page, read with the task's schema: CSV tables
// encoded as the schema says (z-scored numbers, one-hot categories, the label column), image
// folders (one sub-folder per class) resized to the schema's size and channels, text files cut
// into next-symbol windows. MNIST's schema keeps the digit readers of localFiles.ts. Everything
// here runs in the page's worker; nothing is sent anywhere.

import { importCsvDataset, importTextDataset } from '@flotilla/data';
import { ErrorCodes, FlotillaError, MNIST_SCHEMA, type DataSchema, type ImageSchema } from '@flotilla/protocol';
import { exampleWidth } from '../localData.ts';
import type { LocalData } from '../types.ts';
import { bitmapOf, concatLocalData, readPickedFiles, type PickedFile } from './localFiles.ts';

/** Reports files read so far, for a progress bar. */
export type ReadProgress = (done: number, total: number) => void;

/**
 * Whether the schema is MNIST's (28×28 grayscale digits 0–9): its picks are digit CSVs and digit
 * images normalised as MNIST's were, and it can be drawn on the page.
 * @example isDigitSchema(MNIST_SCHEMA) // true
 */
export function isDigitSchema(schema: DataSchema): boolean {
  return JSON.stringify({ ...schema, normalization: undefined }) === JSON.stringify({ ...MNIST_SCHEMA, normalization: undefined });
}

/**
 * RGBA pixels of an image already at the schema's height × width as one example: channels in
 * [0, 1], one (luma, ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B) or three (R, G, B). Alpha is
 * dropped (a transparent pixel counts as its colour).
 * @example rgbaToExample(ctx.getImageData(0, 0, 32, 32).data, cifarSchema).length // 3072
 */
export function rgbaToExample(rgba: Uint8ClampedArray | Uint8Array, schema: ImageSchema): Float32Array {
  const pixels = schema.height * schema.width;
  if (rgba.length !== pixels * 4) {
    throw new FlotillaError(ErrorCodes.NOT_AN_IMAGE, `expected ${schema.width}×${schema.height}×4 = ${pixels * 4} RGBA bytes, got ${rgba.length}`);
  }
  const out = new Float32Array(pixels * schema.channels);
  for (let p = 0; p < pixels; p++) {
    const r = rgba[p * 4]! / 255;
    const g = rgba[p * 4 + 1]! / 255;
    const b = rgba[p * 4 + 2]! / 255;
    if (schema.channels === 1) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else out.set([r, g, b], p * 3);
  }
  return out;
}

/**
 * The class of an image in a picked folder: the name of the folder holding it, one of the schema's classes.
 * @example classOfPath('pets/dog/a.png', ['cat', 'dog']) // 1
 */
export function classOfPath(path: string, classes: readonly string[]): number {
  const parts = path.split('/').filter((p) => p !== '');
  const folder = parts.length >= 2 ? parts[parts.length - 2]! : null;
  const shown = classes.length > 12 ? `${classes.slice(0, 12).join(', ')}, …` : classes.join(', ');
  if (folder === null) throw new FlotillaError(ErrorCodes.NO_LABELS, `${path} is not in a class folder: pick a folder holding one folder per class (${shown})`);
  const k = classes.indexOf(folder);
  if (k < 0) throw new FlotillaError(ErrorCodes.NO_LABELS, `${path}: folder "${folder}" is not one of the task's classes (${shown})`);
  return k;
}

/** Decodes an image file and resizes it to the schema's height × width (createImageBitmap, OffscreenCanvas). */
async function decodeToSchema(file: PickedFile, schema: ImageSchema): Promise<Float32Array> {
  const bitmap = await bitmapOf(file);
  try {
    const canvas = new OffscreenCanvas(schema.width, schema.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new FlotillaError(ErrorCodes.NOT_AN_IMAGE, 'no 2D canvas in this browser to resize images');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, schema.width, schema.height);
    return rgbaToExample(ctx.getImageData(0, 0, schema.width, schema.height).data, schema);
  } finally {
    bitmap.close();
  }
}

const hidden = (file: PickedFile) => (file.path.split('/').pop() ?? file.path).startsWith('.') || file.path.includes('__MACOSX/');

/**
 * Reads a pick of files for the task's schema. One bad file rejects the whole pick with a coded
 * error naming it (a CSV's error names the row and column too: `DATA_CSV_*` codes of
 * packages/data), so a person never trains on half of what they chose. Hidden files are skipped.
 * @example const data = await readFilesForSchema(picked, welcome.task.schema, (done, total) => bar(done / total));
 */
export async function readFilesForSchema(files: PickedFile[], schema: DataSchema, onProgress?: ReadProgress): Promise<LocalData> {
  if (isDigitSchema(schema)) {
    const data = await readPickedFiles(files);
    onProgress?.(files.length, files.length);
    return data;
  }
  const picked = files.filter((f) => !hidden(f));
  const parts: LocalData[] = [];
  for (const [i, file] of picked.entries()) {
    parts.push(await readOne(file, schema));
    onProgress?.(i + 1, picked.length);
  }
  const all = concatLocalData(parts, exampleWidth(schema));
  if (all.count === 0) throw new FlotillaError(ErrorCodes.NO_LOCAL_DATA, 'the picked files hold no examples');
  return all;
}

async function readOne(file: PickedFile, schema: DataSchema): Promise<LocalData> {
  switch (schema.kind) {
    case 'tabular': {
      if (!/\.(csv|tsv|txt)$/i.test(file.path)) throw new FlotillaError(ErrorCodes.DATA_SCHEMA_MISMATCH, `${file.path} is not a CSV file; this task reads tables`);
      const data = importCsvDataset(await file.blob.text(), schema, { file: file.path });
      return { features: data.features, labels: data.labels, count: data.count };
    }
    case 'image': {
      const label = classOfPath(file.path, schema.classes);
      return { features: await decodeToSchema(file, schema), labels: Int32Array.of(label), count: 1 };
    }
    case 'text': {
      const data = importTextDataset(await file.blob.text(), schema, { file: file.path });
      return { features: data.features, labels: data.labels, count: data.count };
    }
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}
