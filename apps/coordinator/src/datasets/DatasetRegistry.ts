// The coordinator's datasets: built-in MNIST and the ones operators register, each stored under
// <dataDir>/datasets/<id>/ (source files and a manifest), named by a hash of its content and
// import options. A registration is written to a temporary directory, synced, then renamed into
// place, so a crash mid-upload leaves nothing registered (leftovers are swept at the next start).

import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  DATASET_IMPORTERS, DatasetImportError, contentHash, hasClassLabels, importDataset,
  type Dataset, type DatasetFormat, type DatasetImportOptions,
} from '@flotilla/data';
import { BUILTIN_MNIST, BUILTIN_MNIST_TEST, ErrorCodes, FlotillaError, MNIST_SCHEMA, schemaOutputSize, type DatasetRecord } from '@flotilla/protocol';
import { DatasetCache, FILES_DIR, MANIFEST_FILE, type DatasetManifest, type DatasetSource } from './datasetSource.ts';
import { SCHEMA_INFERENCE, type UploadFile } from './inferSchema.ts';
import { syncDir, writeSynced } from './syncedWrite.ts';
import type { DatasetUploadOptions } from './uploadOptions.ts';

/** Size limits of the registry; flags and environment variables in limitSettings.ts. */
export interface DatasetLimits {
  /** One upload's files together, as sent. */
  maxUploadBytes: number;
  /** Every registered dataset's files together. */
  maxTotalBytes: number;
  /** Examples in one dataset. */
  maxExamples: number;
}

export const DEFAULT_DATASET_LIMITS: DatasetLimits = Object.freeze({
  maxUploadBytes: 256 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxExamples: 1_000_000,
});

/** A registration request: the format, a display name, the files by role and the options. */
export interface DatasetUpload {
  readonly format: string;
  readonly name: string;
  readonly files: Readonly<Record<string, UploadFile>>;
  readonly options: DatasetUploadOptions;
}

const INCOMING_PREFIX = '.incoming-';
const MNIST_COUNTS: Record<string, number> = { [BUILTIN_MNIST]: 60_000, [BUILTIN_MNIST_TEST]: 10_000 };

const builtinRecord = (id: string, name: string): DatasetRecord => ({
  id, name, format: 'builtin', builtin: true, schema: MNIST_SCHEMA, count: MNIST_COUNTS[id]!, numClients: null,
  classCounts: null, bytes: 0, files: [], options: {}, createdAt: 0,
});

const BUILTINS: readonly DatasetRecord[] = [
  builtinRecord(BUILTIN_MNIST, 'MNIST (training set)'),
  builtinRecord(BUILTIN_MNIST_TEST, 'MNIST (test set)'),
];

/**
 * @example
 * const datasets = new DatasetRegistry(path.join(dataDir, 'datasets'));
 * const { record, created } = await datasets.register({ format: 'csv', name: 'heart', files: { table }, options: { label: 'disease' } });
 */
export class DatasetRegistry {
  private readonly records = new Map<string, DatasetRecord>();
  private readonly cache = new DatasetCache(3);
  private readonly limits: DatasetLimits;
  /** Ids being written right now: a second identical upload waits for the first instead of racing it. */
  private readonly writing = new Map<string, Promise<DatasetRecord>>();
  /** Bytes of registrations in flight, counted against the total limit before they land. */
  private reserved = 0;

  constructor(readonly dir: string, limits: Partial<DatasetLimits> = {}) {
    this.limits = { ...DEFAULT_DATASET_LIMITS, ...limits };
    mkdirSync(dir, { recursive: true });
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      // A registration that never reached its rename: not a dataset.
      if (entry.name.startsWith(INCOMING_PREFIX)) {
        rmSync(full, { recursive: true, force: true });
        continue;
      }
      const record = readManifest(path.join(full, MANIFEST_FILE));
      if (record?.id === entry.name) this.records.set(record.id, record);
    }
  }

  /** The limits in force. */
  get limitsInForce(): Readonly<DatasetLimits> {
    return this.limits;
  }

  /** Built-ins first, then registered datasets, oldest first. */
  list(): DatasetRecord[] {
    return [...BUILTINS, ...[...this.records.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))];
  }

  find(id: string): DatasetRecord | null {
    return BUILTINS.find((b) => b.id === id) ?? this.records.get(id) ?? null;
  }

  /** The record, or FLT_NOT_FOUND. */
  get(id: string): DatasetRecord {
    const record = this.find(id);
    if (!record) throw new FlotillaError(ErrorCodes.NOT_FOUND, `no dataset ${id}`);
    return record;
  }

  /** Where a dataset's examples are read from (what the model worker gets). */
  source(id: string): DatasetSource {
    const record = this.get(id);
    if (record.builtin) return { kind: 'builtin', id: record.id as typeof BUILTIN_MNIST };
    return { kind: 'registered', id, dir: path.join(this.dir, id) };
  }

  /** The dataset's examples, read once and cached. */
  load(id: string): Promise<Dataset> {
    return this.cache.get(this.source(id));
  }

  /**
   * Imports and stores an upload; the same files with the same options return the existing record
   * (`created: false`). Throws DatasetImportError for files that are not the dataset they claim,
   * FLT_DATASET_INVALID for bad options, FLT_DATASET_TOO_LARGE past a limit; stores nothing then.
   */
  async register(upload: DatasetUpload): Promise<{ record: DatasetRecord; created: boolean }> {
    const format = upload.format;
    const entry = (DATASET_IMPORTERS as Record<string, { files: readonly string[] } | undefined>)[format];
    if (entry === undefined) {
      throw new FlotillaError(ErrorCodes.DATASET_INVALID, `unknown dataset format '${format}', expected one of ${Object.keys(DATASET_IMPORTERS).join(', ')}`);
    }
    for (const role of entry.files) if (upload.files[role] === undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `a ${format} dataset needs a '${role}' file`);
    const extra = Object.keys(upload.files).find((role) => !entry.files.includes(role));
    if (extra !== undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `a ${format} dataset takes the files ${entry.files.join(', ')}, not '${extra}'`);
    const bytes = entry.files.reduce((n, role) => n + upload.files[role]!.bytes.byteLength, 0);
    if (bytes > this.limits.maxUploadBytes) throw tooLarge(`the files hold ${bytes} bytes, more than the upload limit of ${this.limits.maxUploadBytes}`);

    const hashes = Object.fromEntries(entry.files.map((role) => [role, contentHash(upload.files[role]!.bytes)]));
    const id = datasetId(format, hashes, upload.options);
    const existing = this.records.get(id) ?? await this.writing.get(id);
    if (existing) return { record: existing, created: false };

    const pending = this.write(id, upload, entry.files, hashes, bytes);
    this.writing.set(id, pending);
    try {
      return { record: await pending, created: true };
    } finally {
      this.writing.delete(id);
    }
  }

  /**
   * Deletes a registered dataset. `usedBy` names the tasks (created, running or paused) that use
   * it; any such task refuses the deletion with FLT_DATASET_IN_USE, as does a built-in.
   */
  delete(id: string, usedBy: readonly string[]): void {
    const record = this.get(id);
    if (record.builtin) throw new FlotillaError(ErrorCodes.DATASET_IN_USE, `${id} is built in and cannot be deleted`);
    if (usedBy.length > 0) throw new FlotillaError(ErrorCodes.DATASET_IN_USE, `dataset ${id} is used by task${usedBy.length > 1 ? 's' : ''} ${usedBy.join(', ')}; stop them first`);
    this.records.delete(id);
    this.cache.forget(id);
    // Renamed away first, so a crash while removing files never leaves a half dataset under its id.
    const doomed = path.join(this.dir, `${INCOMING_PREFIX}deleted-${randomUUID()}`);
    renameSync(path.join(this.dir, id), doomed);
    rmSync(doomed, { recursive: true, force: true });
  }

  private async write(id: string, upload: DatasetUpload, roles: readonly string[], hashes: Record<string, string>, bytes: number): Promise<DatasetRecord> {
    const stored = [...this.records.values()].reduce((n, r) => n + r.bytes, 0) + this.reserved;
    if (stored + bytes > this.limits.maxTotalBytes) {
      throw tooLarge(`${bytes} more bytes would bring the datasets to ${stored + bytes}, past the limit of ${this.limits.maxTotalBytes}; delete a dataset first`);
    }
    this.reserved += bytes;
    try {
      return await this.importAndStore(id, upload, roles, hashes, bytes);
    } finally {
      this.reserved -= bytes;
    }
  }

  private async importAndStore(id: string, upload: DatasetUpload, roles: readonly string[], hashes: Record<string, string>, bytes: number): Promise<DatasetRecord> {
    const schema = upload.options.schema ?? (upload.options.schemaFrom === undefined ? await this.infer(upload) : this.schemaOf(upload.options.schemaFrom));
    const importOptions: DatasetImportOptions = {
      ...(upload.options.clientColumn === undefined ? {} : { clientColumn: upload.options.clientColumn }),
      ...(upload.options.clientId === undefined ? {} : { clientId: upload.options.clientId }),
      ...(upload.options.stride === undefined ? {} : { stride: upload.options.stride }),
      ...(upload.options.clientLevel === undefined ? {} : { clientLevel: upload.options.clientLevel }),
      ...(upload.options.strict === undefined ? {} : { strict: upload.options.strict }),
    };
    const { dataset } = await importDataset(upload.format as DatasetFormat, upload.files, schema, importOptions);
    if (dataset.count > this.limits.maxExamples) throw tooLarge(`${dataset.count} examples exceed the limit of ${this.limits.maxExamples}`);
    if (dataset.count === 0) throw new DatasetImportError('DATA_CSV_EMPTY', 'the files hold no examples');

    const record: DatasetRecord = {
      id, name: upload.name, format: upload.format, builtin: false, schema, count: dataset.count,
      numClients: dataset.clientIds === undefined ? null : new Set(dataset.clientIds).size,
      classCounts: classCounts(dataset), bytes,
      files: roles.map((role) => ({ role, name: upload.files[role]!.name.slice(0, 255), bytes: upload.files[role]!.bytes.byteLength, sha256: hashes[role]! })),
      options: { ...upload.options, ...(upload.options.schema === undefined ? {} : { schema: true }) },
      createdAt: Date.now(),
    };
    const manifest: DatasetManifest = { record, importOptions };
    const incoming = path.join(this.dir, `${INCOMING_PREFIX}${randomUUID()}`);
    try {
      mkdirSync(path.join(incoming, FILES_DIR), { recursive: true });
      for (const role of roles) writeSynced(path.join(incoming, FILES_DIR, role), upload.files[role]!.bytes);
      writeSynced(path.join(incoming, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
      syncDir(path.join(incoming, FILES_DIR));
      syncDir(incoming);
      renameSync(incoming, path.join(this.dir, id));
      syncDir(this.dir);
    } catch (err) {
      rmSync(incoming, { recursive: true, force: true });
      throw err;
    }
    this.records.set(id, record);
    return record;
  }

  private schemaOf(id: string) {
    const record = this.find(id);
    if (record === null) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `schemaFrom: no dataset ${id}`);
    return record.schema;
  }

  private async infer(upload: DatasetUpload) {
    const infer = SCHEMA_INFERENCE[upload.format];
    if (infer === undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `a ${upload.format} dataset needs its schema given (the 'schema' option)`);
    return infer(upload.files, upload.options, this.limits.maxUploadBytes);
  }
}

/**
 * The id of a dataset: a hash of its format, its files' hashes by role and the options it was
 * read with (the display name does not count), so the same content gets the same id.
 * @example datasetId('csv', { table: 'ab12…' }, { label: 'y' }) // 'ds-3f9c…'
 */
export function datasetId(format: string, hashes: Readonly<Record<string, string>>, options: DatasetUploadOptions): string {
  const canonical = JSON.stringify({ format, hashes: sorted(hashes), options: sorted(options as Record<string, unknown>) });
  return `ds-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
}

/** A stored dataset's record, or null for a manifest that cannot be read (that directory is then not a dataset). */
function readManifest(file: string): DatasetRecord | null {
  if (!existsSync(file)) return null;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as DatasetManifest).record ?? null;
  } catch {
    return null;
  }
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
}

function classCounts(dataset: Dataset): number[] | null {
  if (!hasClassLabels(dataset.schema) || dataset.schema.kind === 'text') return null;
  const counts = new Array<number>(schemaOutputSize(dataset.schema)).fill(0);
  for (const label of dataset.labels) counts[label]!++;
  return counts;
}

function tooLarge(message: string): FlotillaError {
  return new FlotillaError(ErrorCodes.DATASET_TOO_LARGE, message);
}
