// Image folders and zip archives as datasets: one folder per class (optionally inside one folder per client), PNG and JPEG.

import type { ImageSchema } from '@flotilla/protocol';
import type { Dataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { decodeImage, DEFAULT_MAX_PIXELS, imageFormatOfName, type ImageDecoder } from './imageDecode.ts';
import { resizePixels, toChannels, type ImageBackground } from './imagePixels.ts';
import { DEFAULT_ARCHIVE_LIMITS, listZipEntries, safePathSegments, unzipSafely, type ArchiveFile, type ArchiveLimits, type SkippedFile } from './zip.ts';

/** A zip archive, or files with paths relative to a picked folder (a browser's webkitRelativePath, a directory walk). */
export type ImageSource = { readonly zip: Uint8Array; readonly name?: string } | { readonly files: readonly ArchiveFile[] };

/** {@link ArchiveLimits} and the most pixels one image may have before it is decoded. */
export interface ImageLimits extends ArchiveLimits {
  /** Default 40,000,000 (width × height). */
  readonly maxPixels: number;
}

/** Options of {@link inferImageSchema}. */
export interface InferImageOptions {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Paths are client/class/file instead of class/file. */
  readonly clientLevel?: boolean;
  readonly limits?: Partial<ImageLimits>;
}

/** Options of {@link importImageDataset}. */
export interface ImportImagesOptions {
  /** Refuse an image whose size is not the schema's ('DATA_IMAGE_SIZE') instead of resizing it. */
  readonly strict?: boolean;
  /** Paths are client/class/file: the top folder names each image's client (natural partition). */
  readonly clientLevel?: boolean;
  /** The client every image belongs to (one folder per client); not together with `clientLevel`. */
  readonly clientId?: string;
  /** What transparent pixels are composited over; default black. */
  readonly background?: ImageBackground;
  readonly limits?: Partial<ImageLimits>;
  /** Default {@link decodeImage} (pngjs, jpeg-js; in Node). A browser passes one built on createImageBitmap. */
  readonly decode?: ImageDecoder;
  /** Called after each decoded image, for a progress bar. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** An imported image dataset and the files left out on purpose. */
export interface ImportedImages {
  readonly dataset: Dataset;
  readonly skipped: readonly SkippedFile[];
}

interface PlacedFile {
  readonly path: string;
  readonly className: string;
  readonly client: string | undefined;
}

const MAX_NAME = 128;
const MAX_CLASSES = 1000;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * Why a file is not read as an image, or null when it is one: hidden files (.DS_Store, ._ forks),
 * macOS's __MACOSX/ folder and files that are not .png, .jpg or .jpeg are skipped, not errors.
 * @example imageSkipReason('__MACOSX/cat/._001.png') // 'macOS resource fork'
 */
export function imageSkipReason(path: string): string | null {
  const segments = path.split('/');
  if (segments[0] === '__MACOSX') return 'macOS resource fork';
  if (segments.some((s) => s.startsWith('.'))) return 'hidden file';
  return imageFormatOfName(path) === undefined ? 'not a PNG or JPEG file' : null;
}

/**
 * A schema for a folder or zip of images: class names are the class folders' names, sorted
 * (numerically when all are numbers); only paths are read (a zip's central directory), no pixel
 * is decoded. Throws {@link DatasetImportError}: 'DATA_IMAGE_LAYOUT', 'DATA_IMAGE_CLASSES',
 * 'DATA_IMAGE_EMPTY' and the archive's codes.
 * @example inferImageSchema({ zip, name: 'pets.zip' }, { height: 32, width: 32, channels: 3 }).classes // ['cat', 'dog']
 */
export function inferImageSchema(source: ImageSource, options: InferImageOptions): ImageSchema {
  const file = 'zip' in source ? source.name : undefined;
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const paths = 'zip' in source ? listZipEntries(source.zip, { file, limits }) : checkFileList(source.files, limits).map((f) => f.path);
  const placed = placeFiles(paths.filter((p) => imageSkipReason(p) === null), options.clientLevel ?? false, file);
  const names = [...new Set(placed.map((p) => p.className))];
  const classes = names.every((n) => NUMBER.test(n)) ? names.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : 1)) : names.sort();
  if (classes.length < 2) throw new DatasetImportError('DATA_IMAGE_CLASSES', `found ${classes.length} class folder(s); a classification needs at least 2`, { file });
  if (classes.length > MAX_CLASSES) throw new DatasetImportError('DATA_IMAGE_CLASSES', `found ${classes.length} class folders, more than ${MAX_CLASSES}`, { file });
  const long = classes.find((c) => c.length > MAX_NAME);
  if (long !== undefined) throw new DatasetImportError('DATA_IMAGE_CLASSES', `class folder "${long.slice(0, 40)}…" has more than ${MAX_NAME} characters`, { file });
  return { kind: 'image', height: options.height, width: options.width, channels: options.channels, classes };
}

/**
 * Reads a folder or zip of images with `schema`: each image decoded (PNG, JPEG), composited over
 * black, converted to the schema's channels (BT.601 luma for gray, repetition for RGB), resized
 * to its height × width (area when shrinking, bilinear when enlarging; refused in `strict` mode),
 * pixels in [0, 1]; its label is its class folder. Rows follow the files' sorted paths. Throws
 * {@link DatasetImportError} naming the file: 'DATA_IMAGE_UNKNOWN_CLASS', 'DATA_IMAGE_SIZE',
 * 'DATA_IMAGE_DECODE', 'DATA_IMAGE_TOO_LARGE', 'DATA_IMAGE_LAYOUT', 'DATA_IMAGE_EMPTY', 'DATA_ARCHIVE_*'.
 * @example const { dataset, skipped } = await importImageDataset({ zip, name: 'pets.zip' }, schema, { clientLevel: true });
 */
export async function importImageDataset(source: ImageSource, schema: ImageSchema, options: ImportImagesOptions = {}): Promise<ImportedImages> {
  if (options.clientId !== undefined && options.clientLevel) throw new RangeError('give clientId or clientLevel, not both');
  const file = 'zip' in source ? source.name : undefined;
  const limits: ImageLimits = { ...DEFAULT_ARCHIVE_LIMITS, maxPixels: DEFAULT_MAX_PIXELS, ...options.limits };
  let files: ArchiveFile[];
  let skipped: SkippedFile[];
  if ('zip' in source) ({ files, skipped } = unzipSafely(source.zip, { file, limits, skip: imageSkipReason }));
  else {
    const all = checkFileList(source.files, limits);
    files = all.filter((f) => imageSkipReason(f.path) === null);
    skipped = all.flatMap((f) => {
      const reason = imageSkipReason(f.path);
      return reason === null ? [] : [{ path: f.path, reason }];
    });
  }
  const bytesOf = new Map(files.map((f) => [f.path, f.bytes]));
  const placed = placeFiles(files.map((f) => f.path), options.clientLevel ?? false, file).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const classIndex = new Map(schema.classes.map((c, k) => [c, k]));
  // Inside an archive a file is named by both: pets.zip/cat/001.png.
  const where = (path: string) => (file === undefined ? path : `${file}/${path}`);
  for (const p of placed) {
    if (!classIndex.has(p.className)) {
      throw new DatasetImportError('DATA_IMAGE_UNKNOWN_CLASS', `folder "${p.className}" is not one of the schema's classes (${schema.classes.slice(0, 10).join(', ')}${schema.classes.length > 10 ? ', …' : ''})`, { file: where(p.path) });
    }
  }
  const { height, width, channels } = schema;
  const size = height * width * channels;
  const features = new Float32Array(placed.length * size);
  const labels = new Int32Array(placed.length);
  const decode = options.decode ?? decodeImage;
  for (const [row, p] of placed.entries()) {
    const image = await decode(bytesOf.get(p.path)!, where(p.path), limits.maxPixels);
    if (image.width * image.height > limits.maxPixels) throw new DatasetImportError('DATA_IMAGE_TOO_LARGE', `${image.width}×${image.height} pixels, past the limit of ${limits.maxPixels}`, { file: where(p.path) });
    if (options.strict && (image.width !== width || image.height !== height)) {
      throw new DatasetImportError('DATA_IMAGE_SIZE', `the image is ${image.width}×${image.height}, the schema wants ${width}×${height} (strict: no resizing)`, { file: where(p.path) });
    }
    const pixels = toChannels(image, channels, options.background);
    features.set(resizePixels(pixels, image.height, image.width, channels, height, width), row * size);
    labels[row] = classIndex.get(p.className)!;
    options.onProgress?.(row + 1, placed.length);
  }
  const dataset: Dataset = { schema, count: placed.length, features, labels };
  if (options.clientId !== undefined) return { dataset: { ...dataset, clientIds: new Array<string>(placed.length).fill(options.clientId) }, skipped };
  if (options.clientLevel) return { dataset: { ...dataset, clientIds: placed.map((p) => p.client!) }, skipped };
  return { dataset, skipped };
}

/** A file list held to the archive's bounds and path rules, with normalised paths. */
function checkFileList(files: readonly ArchiveFile[], limits: ArchiveLimits): ArchiveFile[] {
  if (files.length > limits.maxEntries) throw new DatasetImportError('DATA_ARCHIVE_TOO_LARGE', `${files.length} files, past the limit of ${limits.maxEntries}`);
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  if (total > limits.maxTotalBytes) throw new DatasetImportError('DATA_ARCHIVE_TOO_LARGE', `${total} bytes of files, past the limit of ${limits.maxTotalBytes}`);
  const seen = new Set<string>();
  return files.map((f) => {
    const path = safePathSegments(f.path).join('/');
    if (seen.has(path)) throw new DatasetImportError('DATA_ARCHIVE_MALFORMED', `"${path}" appears twice`, { file: f.path });
    seen.add(path);
    return { path, bytes: f.bytes };
  });
}

/**
 * Class (and client) of each image from its path: every image sits at the same depth, class/file
 * or client/class/file, below the same enclosing folders (a zip of a folder has one, a browser's
 * folder pick names the picked folder).
 */
function placeFiles(paths: readonly string[], clientLevel: boolean, file: string | undefined): PlacedFile[] {
  if (paths.length === 0) throw new DatasetImportError('DATA_IMAGE_EMPTY', 'no PNG or JPEG images found', { file });
  const depth = clientLevel ? 3 : 2;
  const layout = clientLevel ? 'client/class/image' : 'class/image';
  const first = paths[0]!.split('/');
  const wrapper = first.slice(0, Math.max(0, first.length - depth));
  return paths.map((path) => {
    const segments = path.split('/');
    if (segments.length < depth) throw new DatasetImportError('DATA_IMAGE_LAYOUT', `the image is not inside a ${clientLevel ? 'client and a class folder' : 'class folder'} (expected ${layout})`, { file: path });
    if (segments.length !== first.length || wrapper.some((s, i) => segments[i] !== s)) {
      throw new DatasetImportError('DATA_IMAGE_LAYOUT', `images must all sit at ${layout} inside the same folders, but this one and "${paths[0]}" do not`, { file: path });
    }
    const tail = segments.slice(wrapper.length);
    return { path, className: tail[depth - 2]!, client: clientLevel ? tail[0] : undefined };
  });
}
