// The registry of dataset importers: which files each format takes, which schema it fills, and one bytes-in entry point.

import type { DataSchema } from '@flotilla/protocol';
import { contentHash } from './contentHash.ts';
import type { Dataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { importIdxDataset } from './idxDataset.ts';
import type { ImageBackground } from './imagePixels.ts';
import { importImageDataset } from './images.ts';
import { importCsvDataset } from './tabular.ts';
import { importTextDataset } from './text.ts';
import type { SkippedFile } from './zip.ts';

/** Options an importer may read; each entry of {@link DATASET_IMPORTERS} lists the ones it uses. */
export interface DatasetImportOptions {
  /** csv: the column naming each row's client. */
  readonly clientColumn?: string;
  /** csv, text: the client the whole file belongs to. */
  readonly clientId?: string;
  /** text: symbols between consecutive windows. */
  readonly stride?: number;
  /** images: paths are client/class/file, the top folder naming each image's client. */
  readonly clientLevel?: boolean;
  /** images: refuse images of another size than the schema's instead of resizing them. */
  readonly strict?: boolean;
  /** images: what transparent pixels are composited over (default black). */
  readonly background?: ImageBackground;
}

interface ImporterEntry<K extends DataSchema['kind'], R extends string> {
  readonly schemaKind: K;
  /** The files the format takes, by role; forms and CLI flags are derived from these. */
  readonly files: readonly R[];
  readonly options: readonly (keyof DatasetImportOptions)[];
  readonly description: string;
  /** The dataset, or it and the files the importer left out on purpose. */
  readonly build: (files: Readonly<Record<R, { bytes: Uint8Array; name?: string }>>, schema: Extract<DataSchema, { kind: K }>, options: DatasetImportOptions) => Promise<Dataset | { dataset: Dataset; skipped: readonly SkippedFile[] }>;
}

/**
 * Every dataset format a user can bring, keyed by name.
 * @example DATASET_IMPORTERS.idx.files // ['images', 'labels']
 */
export const DATASET_IMPORTERS = {
  csv: {
    schemaKind: 'tabular', files: ['table'], options: ['clientColumn', 'clientId'],
    description: 'CSV with a header row: a label column, optionally a client column, the rest features',
    build: async (files, schema, options) => importCsvDataset(decodeUtf8(files.table), schema, { file: files.table.name, clientColumn: options.clientColumn, clientId: options.clientId }),
  } satisfies ImporterEntry<'tabular', 'table'>,
  idx: {
    schemaKind: 'image', files: ['images', 'labels'], options: [],
    description: 'an IDX pair as MNIST ships it (uint8 images [n, h, w(, c)] and labels [n]), raw or gzip',
    build: (files, schema) => importIdxDataset(files.images.bytes, files.labels.bytes, schema, { imagesFile: files.images.name, labelsFile: files.labels.name }),
  } satisfies ImporterEntry<'image', 'images' | 'labels'>,
  images: {
    schemaKind: 'image', files: ['archive'], options: ['clientLevel', 'clientId', 'strict', 'background'],
    description: 'a zip of images (PNG, JPEG), one folder per class (cat/001.png), or per client and class (site-a/cat/001.png); resized to the schema',
    build: (files, schema, options) => importImageDataset({ zip: files.archive.bytes, name: files.archive.name }, schema, {
      clientLevel: options.clientLevel, clientId: options.clientId, strict: options.strict, background: options.background,
    }),
  } satisfies ImporterEntry<'image', 'archive'>,
  text: {
    schemaKind: 'text', files: ['corpus'], options: ['clientId', 'stride'],
    description: 'a plain-text corpus, UTF-8, cut into windows that predict the next character or token',
    build: async (files, schema, options) => importTextDataset(decodeUtf8(files.corpus), schema, { file: files.corpus.name, clientId: options.clientId, stride: options.stride }),
  } satisfies ImporterEntry<'text', 'corpus'>,
} as const;

/** A format name of {@link DATASET_IMPORTERS}. */
export type DatasetFormat = keyof typeof DATASET_IMPORTERS;

/** An imported dataset, the SHA-256 of each source file by role, and the files left out on purpose (an archive's .DS_Store). */
export interface ImportedDataset {
  readonly dataset: Dataset;
  readonly hashes: Readonly<Record<string, string>>;
  readonly skipped: readonly SkippedFile[];
}

/**
 * Imports files of `format` with `schema`, checking that the schema is the kind the format
 * fills and that every file role is present; hashes each source file as given (compressed
 * bytes for a .gz). Throws {@link DatasetImportError}.
 * @example const { dataset, hashes } = await importDataset('csv', { table: { bytes, name: 'heart.csv' } }, schema);
 */
export async function importDataset(
  format: DatasetFormat,
  files: Readonly<Record<string, { bytes: Uint8Array; name?: string }>>,
  schema: DataSchema,
  options: DatasetImportOptions = {},
): Promise<ImportedDataset> {
  const entry = DATASET_IMPORTERS[format] as ImporterEntry<DataSchema['kind'], string> | undefined;
  if (entry === undefined) throw new DatasetImportError('DATA_SCHEMA_MISMATCH', `unknown dataset format '${String(format)}', expected ${Object.keys(DATASET_IMPORTERS).join(', ')}`);
  if (schema.kind !== entry.schemaKind) throw new DatasetImportError('DATA_SCHEMA_MISMATCH', `${format} files make ${entry.schemaKind} datasets, the schema is ${schema.kind}`);
  const hashes: Record<string, string> = {};
  for (const role of entry.files) {
    const file = files[role];
    if (file === undefined) throw new DatasetImportError('DATA_MISSING_FILE', `${format} needs a '${role}' file`);
    hashes[role] = contentHash(file.bytes);
  }
  const built = await entry.build(files, schema as never, options);
  return 'dataset' in built ? { ...built, hashes } : { dataset: built, hashes, skipped: [] };
}

function decodeUtf8(file: { bytes: Uint8Array; name?: string }): string {
  try {
    // A BOM is kept: the CSV and text readers drop it themselves.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.bytes);
  } catch {
    throw new DatasetImportError('DATA_ENCODING', 'the file is not valid UTF-8; save it as UTF-8', { file: file.name });
  }
}
