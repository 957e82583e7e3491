// Examples from files a person picks on the join page: CSV (label + 784 pixel columns) and
// labelled image folders (a folder per digit), turned into 28×28 grayscale MNIST-like examples.
// Everything here runs in the page's worker; nothing is sent anywhere.

import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import type { LocalData } from '../types.ts';
import { centreDigit, rgbaToGray } from './centreDigit.ts';

/** Pixels of one example: 28 × 28, row-major. */
export const DIGIT_PIXELS = 784;
const SIDE = 28;

/** A file as the page picked it: its path inside the picked folder (or its name) and its bytes. */
export interface PickedFile {
  /** `webkitRelativePath` for a folder pick (`digits/3/a.png`), else the file name. */
  path: string;
  blob: Blob;
}

/**
 * Parses a CSV of digits: each row a label 0–9 then 784 pixels 0–255 (MNIST's CSV layout); a first
 * row that does not start with a number is a header and skipped. Pixels are scaled to [0, 1].
 * @example parseDigitCsv('label,p0,…\n7,0,0,…', 'mine.csv').count
 */
export function parseDigitCsv(text: string, fileName: string): LocalData {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  if (first < lines.length && !Number.isFinite(Number(lines[first]!.split(',')[0]!.trim() || 'x'))) first++;
  const rows: string[][] = [];
  const lineNumbers: number[] = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    rows.push(lines[i]!.split(','));
    lineNumbers.push(i + 1);
  }
  const features = new Float32Array(rows.length * DIGIT_PIXELS);
  const labels = new Uint8Array(rows.length);
  rows.forEach((cells, r) => {
    const line = lineNumbers[r]!;
    if (cells.length !== DIGIT_PIXELS + 1) {
      throw new FlotillaError(ErrorCodes.CSV_WIDTH, `${fileName}, line ${line}: ${cells.length} columns, expected ${DIGIT_PIXELS + 1} (a label and 28 × 28 pixels)`);
    }
    const label = Number(cells[0]!.trim());
    if (!Number.isInteger(label) || label < 0 || label > 9 || cells[0]!.trim() === '') {
      throw new FlotillaError(ErrorCodes.CSV_VALUE, `${fileName}, line ${line}: label "${cells[0]!.trim().slice(0, 20)}" is not a digit 0–9`);
    }
    labels[r] = label;
    for (let c = 1; c <= DIGIT_PIXELS; c++) {
      const cell = cells[c]!.trim();
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value) || value < 0 || value > 255) {
        throw new FlotillaError(ErrorCodes.CSV_VALUE, `${fileName}, line ${line}, column ${c + 1}: "${cell.slice(0, 20)}" is not a pixel value 0–255`);
      }
      features[r * DIGIT_PIXELS + c - 1] = value / 255;
    }
  });
  return { features, labels, count: rows.length };
}

/**
 * The label of an image in a picked folder: the name of the folder holding it, a digit 0–9.
 * @example labelOfPath('digits/3/a.png') // 3
 */
export function labelOfPath(path: string): number {
  const parts = path.split('/').filter((p) => p !== '');
  const folder = parts.length >= 2 ? parts[parts.length - 2]! : null;
  if (folder === null) throw new FlotillaError(ErrorCodes.NO_LABELS, `${path} is not in a label folder: pick a folder holding one folder per digit (0, 1, …, 9)`);
  if (!/^[0-9]$/.test(folder)) throw new FlotillaError(ErrorCodes.NO_LABELS, `${path}: folder "${folder}" is not a label; name each folder after its digit (0–9)`);
  return Number(folder);
}

/**
 * RGBA pixels to an MNIST-like example: luminance in [0, 1], light digit on a dark ground.
 * A light ground (the border's mean above one half, as in a scan of ink on paper) is inverted.
 * A 28×28 image is taken as already laid out like MNIST; any other size is normalised as MNIST's
 * digits were (`centreDigit`: ink scaled into 20×20, centre of mass in the middle).
 * @example rgbaToDigit(ctx.getImageData(0, 0, 196, 196).data, 196, 196)
 */
export function rgbaToDigit(rgba: Uint8ClampedArray | Uint8Array, width = SIDE, height = SIDE): Float32Array {
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4) {
    throw new FlotillaError(ErrorCodes.NOT_AN_IMAGE, `expected ${width}×${height}×4 = ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const gray = rgbaToGray(rgba, width, height);
  let border = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y !== 0 && y !== height - 1 && x !== 0 && x !== width - 1) continue;
      border += gray[y * width + x]!;
      n++;
    }
  }
  if (border / n > 0.5) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i]!;
  return width === SIDE && height === SIDE ? gray : centreDigit(gray, width, height);
}

/**
 * Joins example sets of one example width into one (the order kept). Labels keep their array
 * type when every part has the same one; class ids of mixed types become an Int32Array.
 * @example concatLocalData([fromCsv, fromImages, drawn]).count
 */
export function concatLocalData(parts: LocalData[], width = DIGIT_PIXELS): LocalData {
  const filled = parts.filter((p) => p.count > 0);
  const count = filled.reduce((n, p) => n + p.count, 0);
  const features = new Float32Array(count * width);
  const types = new Set(filled.map((p) => p.labels.constructor));
  const Labels = (types.size === 1 ? [...types][0]! : filled.some((p) => p.labels instanceof Float32Array) ? Float32Array : Int32Array) as new (n: number) => LocalData['labels'];
  const labels = new Labels(count);
  let at = 0;
  for (const p of filled) {
    if (p.features.length !== p.count * width) throw new RangeError(`a part of ${p.count} examples has ${p.features.length} values, not ${width} each`);
    features.set(p.features, at * width);
    labels.set(p.labels.subarray(0, p.count), at);
    at += p.count;
  }
  return { features, labels: filled.length === 0 ? new Uint8Array(0) : labels, count };
}

/** Largest side an image is decoded at before normalisation: enough for a photo's digit, bounded in cost. */
const MAX_DECODE_SIDE = 280;

/**
 * The picked file as a bitmap; a file the browser cannot decode is FLT_NOT_AN_IMAGE naming it.
 * @example const bitmap = await bitmapOf(file); try { draw(bitmap); } finally { bitmap.close(); }
 */
export async function bitmapOf(file: PickedFile): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file.blob);
  } catch {
    throw new FlotillaError(ErrorCodes.NOT_AN_IMAGE, `${file.path} is not an image this browser can decode`);
  }
}

/** Decodes an image file into an MNIST-like digit (browser worker or page: createImageBitmap, OffscreenCanvas). */
async function decodeImage(file: PickedFile): Promise<Float32Array> {
  const bitmap = await bitmapOf(file);
  try {
    const shrink = Math.min(1, MAX_DECODE_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * shrink));
    const height = Math.max(1, Math.round(bitmap.height * shrink));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new FlotillaError(ErrorCodes.NOT_AN_IMAGE, 'no 2D canvas in this browser to resize images');
    ctx.drawImage(bitmap, 0, 0, width, height);
    return rgbaToDigit(ctx.getImageData(0, 0, width, height).data, width, height);
  } finally {
    bitmap.close();
  }
}

/**
 * Reads a pick of files: `.csv` files as digit CSVs, every other file as an image labelled by its
 * folder. Hidden files (`.DS_Store`, …) are skipped. One bad file rejects the whole pick with a
 * coded error naming it, so a person never trains on half of what they chose.
 * @example const data = await readPickedFiles([...input.files].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })));
 */
export async function readPickedFiles(files: PickedFile[]): Promise<LocalData> {
  const parts: LocalData[] = [];
  const images: Float32Array[] = [];
  const imageLabels: number[] = [];
  for (const file of files) {
    const name = file.path.split('/').pop() ?? file.path;
    if (name.startsWith('.')) continue;
    if (/\.csv$/i.test(name)) {
      parts.push(parseDigitCsv(await file.blob.text(), file.path));
      continue;
    }
    const label = labelOfPath(file.path);
    images.push(await decodeImage(file));
    imageLabels.push(label);
  }
  if (images.length > 0) {
    const data = new Float32Array(images.length * DIGIT_PIXELS);
    images.forEach((img, i) => data.set(img, i * DIGIT_PIXELS));
    parts.push({ features: data, labels: Uint8Array.from(imageLabels), count: images.length });
  }
  const all = concatLocalData(parts);
  if (all.count === 0) throw new FlotillaError(ErrorCodes.NO_LOCAL_DATA, 'the picked files hold no examples (no CSV rows, no images)');
  return all;
}
