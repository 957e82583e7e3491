// Reading a dataset the registry holds into memory: the built-in MNIST splits, or a registered
// dataset's source files re-imported with the schema and options stored beside them. Used by the
// main thread (simulation partitions, task checks) and by the model worker (evaluation, baseline).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importDataset, loadMnist, mnistDataset, type Dataset, type DatasetFormat, type DatasetImportOptions } from '@flotilla/data';
import { BUILTIN_MNIST, BUILTIN_MNIST_TEST, type DatasetRecord } from '@flotilla/protocol';

/** Where a dataset's examples come from; plain data, so it crosses to the model worker as is. */
export type DatasetSource =
  | { readonly kind: 'builtin'; readonly id: typeof BUILTIN_MNIST | typeof BUILTIN_MNIST_TEST }
  | { readonly kind: 'registered'; readonly id: string; readonly dir: string };

/** The file in a dataset's directory holding its record and import options. */
export const MANIFEST_FILE = 'dataset.json';
/** The directory (inside a dataset's) holding its source files, each named by its role. */
export const FILES_DIR = 'files';

/** What a registered dataset's directory holds besides its files. */
export interface DatasetManifest {
  readonly record: DatasetRecord;
  /** What the importer reads besides the schema (client column, client id, stride). */
  readonly importOptions: DatasetImportOptions;
}

/**
 * Reads a dataset: MNIST through the data package, a registered one by re-importing its files
 * (deterministic: same files, schema and options give the same examples).
 * @example const heart = await readDataset({ kind: 'registered', id, dir });
 */
export async function readDataset(source: DatasetSource): Promise<Dataset> {
  if (source.kind === 'builtin') return mnistDataset(await loadMnist(source.id === BUILTIN_MNIST ? 'train' : 'test'));
  const manifest = JSON.parse(await readFile(path.join(source.dir, MANIFEST_FILE), 'utf8')) as DatasetManifest;
  const files: Record<string, { bytes: Uint8Array; name: string }> = {};
  for (const file of manifest.record.files) {
    files[file.role] = { bytes: new Uint8Array(await readFile(path.join(source.dir, FILES_DIR, file.role))), name: file.name };
  }
  const { dataset } = await importDataset(manifest.record.format as DatasetFormat, files, manifest.record.schema, manifest.importOptions);
  return dataset;
}

/**
 * A bounded in-memory cache of read datasets by id (their content never changes under an id).
 * @example const cache = new DatasetCache(2); const data = await cache.get(source);
 */
export class DatasetCache {
  private readonly entries = new Map<string, Promise<Dataset>>();

  constructor(private readonly capacity = 3) {}

  get(source: DatasetSource): Promise<Dataset> {
    let entry = this.entries.get(source.id);
    if (entry) {
      // Most recently used last, so the oldest goes first.
      this.entries.delete(source.id);
      this.entries.set(source.id, entry);
      return entry;
    }
    entry = readDataset(source);
    entry.catch(() => this.entries.delete(source.id));
    this.entries.set(source.id, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
