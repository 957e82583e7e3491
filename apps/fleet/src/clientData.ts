// The fleet's `--data DIR`: one entry per Node client (a CSV file, a folder of images, a text file),
// each read with the task's schema by @flotilla/data's importers and checked before the client joins.

import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkDataset, DEFAULT_ARCHIVE_LIMITS, DEFAULT_IMPORT_LIMITS, DatasetImportError, hasClassLabels, importDataset, importImageDataset,
  type ArchiveFile, type Dataset, type SkippedFile,
} from '@flotilla/data';
import type { DataSchema } from '@flotilla/protocol';

/** How the fleet reads an entry of DIR, by what it is; each needs the task's schema to be of `schemaKind`. */
export const CLIENT_DATA_KINDS = {
  csv: { schemaKind: 'tabular', describe: 'a CSV file (header row, the schema\'s feature and label columns)' },
  images: { schemaKind: 'image', describe: 'a folder of PNG or JPEG images, one sub-folder per class' },
  text: { schemaKind: 'text', describe: 'a UTF-8 text file (.txt)' },
} as const satisfies Record<string, { schemaKind: DataSchema['kind']; describe: string }>;

export type ClientDataKind = keyof typeof CLIENT_DATA_KINDS;

/** One client's entry of DIR: its client name is the entry's name without extension. */
export interface ClientDataEntry {
  readonly name: string;
  /** The entry's name inside DIR, as errors and the CLI name it. */
  readonly file: string;
  readonly path: string;
  readonly kind: ClientDataKind;
}

/** A client's examples as the client runtime trains on them: encoded features, labels, count. */
export interface ClientExamples {
  readonly features: Float32Array;
  readonly labels: Int32Array | Float32Array;
  readonly count: number;
}

/** What one entry gave: the client's examples and a line saying what was read, or why the client does not join. */
export type LoadedClientData =
  | { readonly ok: true; readonly entry: ClientDataEntry; readonly examples: ClientExamples; readonly line: string }
  | { readonly ok: false; readonly entry: ClientDataEntry; readonly error: DatasetImportError; readonly line: string };

/**
 * The client entries of DIR, sorted by name: `*.csv` files, `*.txt` files and folders. Hidden
 * entries are ignored; anything else (and symbolic links, which are not followed) is returned
 * in `ignored` with the reason.
 * @example const { entries } = await listClientData('./clinics'); // [{ name: 'site-a', file: 'site-a.csv', kind: 'csv', … }]
 */
export async function listClientData(dir: string): Promise<{ entries: ClientDataEntry[]; ignored: SkippedFile[] }> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  const entries: ClientDataEntry[] = [];
  const ignored: SkippedFile[] = [];
  for (const file of names) {
    const full = path.join(dir, file);
    const stat = await lstat(full);
    const ext = path.extname(file).toLowerCase();
    const kind: ClientDataKind | undefined = stat.isDirectory() ? 'images' : !stat.isFile() ? undefined : ext === '.csv' ? 'csv' : ext === '.txt' ? 'text' : undefined;
    if (kind === undefined) ignored.push({ path: file, reason: stat.isSymbolicLink() ? 'a symbolic link (not followed)' : 'not a .csv file, a .txt file or a folder' });
    else entries.push({ name: stat.isDirectory() ? file : file.slice(0, file.length - ext.length), file, path: full, kind });
  }
  return { entries, ignored };
}

/**
 * Reads one client's entry with the task's schema and checks it: CSV rows encoded by
 * importCsvDataset, images decoded, converted and resized by importImageDataset, text cut into
 * windows by importTextDataset. Never throws for bad data: a {@link DatasetImportError} naming
 * the file, row and column comes back with `ok: false`, and that client does not join.
 * @example const loaded = await loadClientData(entry, schema); if (loaded.ok) startClient(loaded.examples);
 */
export async function loadClientData(entry: ClientDataEntry, schema: DataSchema, onProgress?: (line: string) => void): Promise<LoadedClientData> {
  try {
    const wanted = CLIENT_DATA_KINDS[entry.kind].schemaKind;
    if (wanted !== schema.kind) {
      throw new DatasetImportError('DATA_SCHEMA_MISMATCH', `${CLIENT_DATA_KINDS[entry.kind].describe} makes ${wanted} examples, but the task's examples are ${schema.kind}`, { file: entry.file });
    }
    const { dataset, skipped } = await importEntry(entry, schema, onProgress);
    checkDataset(dataset);
    if (dataset.count === 0) throw new DatasetImportError('DATA_SCHEMA_MISMATCH', 'holds no examples', { file: entry.file });
    return { ok: true, entry, examples: { features: dataset.features, labels: dataset.labels, count: dataset.count }, line: describeLoaded(entry, dataset, skipped) };
  } catch (e) {
    if (!(e instanceof DatasetImportError)) throw e;
    return { ok: false, entry, error: e, line: `client ${entry.name}: not joining — ${e.code}: ${e.message}` };
  }
}

/** A large image folder takes a while to decode: say how far it is at most this often. */
const PROGRESS_EVERY_MS = 2000;

async function importEntry(entry: ClientDataEntry, schema: DataSchema, onProgress?: (line: string) => void): Promise<{ dataset: Dataset; skipped: readonly SkippedFile[] }> {
  switch (entry.kind) {
    case 'csv':
    case 'text': {
      const bytes = await readBounded(entry.path, entry.file, DEFAULT_IMPORT_LIMITS.maxBytes);
      const role = entry.kind === 'csv' ? 'table' : 'corpus';
      return importDataset(entry.kind, { [role]: { bytes, name: entry.file } }, schema);
    }
    case 'images': {
      if (schema.kind !== 'image') throw new Error('unreachable: the schema kind was checked');
      // Paths keep the entry's folder, so an error names e.g. site-a/cat/001.png.
      const files = await readFolder(entry.path, entry.file);
      let last = Date.now();
      return importImageDataset({ files }, schema, {
        onProgress: (done, total) => {
          if (onProgress === undefined || done === total || Date.now() - last < PROGRESS_EVERY_MS) return;
          last = Date.now();
          onProgress(`client ${entry.name}: ${done} of ${total} images decoded…`);
        },
      });
    }
    default: {
      const never: never = entry.kind;
      throw new Error(`unknown client data kind ${String(never)}`);
    }
  }
}

async function readBounded(full: string, file: string, maxBytes: number): Promise<Uint8Array> {
  const { size } = await lstat(full);
  if (size > maxBytes) throw new DatasetImportError('DATA_TOO_LARGE', `${size} bytes exceed the limit of ${maxBytes}`, { file });
  return new Uint8Array(await readFile(full));
}

/** Every regular file under `root` with its '/'-separated path, sizes and count bounded before reading; links are not followed. */
async function readFolder(root: string, name: string): Promise<ArchiveFile[]> {
  const { maxEntries, maxTotalBytes } = DEFAULT_ARCHIVE_LIMITS;
  const found: { path: string; full: string }[] = [];
  let total = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const child of (await readdir(dir)).sort()) {
      const full = path.join(dir, child);
      const stat = await lstat(full);
      if (stat.isDirectory()) await walk(full, `${rel}/${child}`);
      else if (stat.isFile()) {
        found.push({ path: `${rel}/${child}`, full });
        total += stat.size;
      }
      if (found.length > maxEntries) throw new DatasetImportError('DATA_ARCHIVE_TOO_LARGE', `more than ${maxEntries} files`, { file: name });
      if (total > maxTotalBytes) throw new DatasetImportError('DATA_ARCHIVE_TOO_LARGE', `more than ${maxTotalBytes} bytes of files`, { file: name });
    }
  };
  await walk(root, name);
  return Promise.all(found.map(async (f) => ({ path: f.path, bytes: new Uint8Array(await readFile(f.full)) })));
}

/** The CLI line for a loaded client: what it read, its label counts, what it skipped. */
function describeLoaded(entry: ClientDataEntry, dataset: Dataset, skipped: readonly SkippedFile[]): string {
  const { schema } = dataset;
  const unit = `${entry.kind === 'csv' ? 'row' : entry.kind === 'images' ? 'image' : 'window'}${dataset.count === 1 ? '' : 's'}`;
  let labels = '';
  if (schema.kind !== 'text' && hasClassLabels(schema)) {
    const classes = schema.kind === 'image' ? schema.classes : schema.target.type === 'classification' ? schema.target.classes : [];
    const counts = new Array<number>(classes.length).fill(0);
    for (const label of dataset.labels) counts[label]!++;
    labels = `: ${classes.map((c, k) => `${c} ${counts[k]}`).filter((_, k) => counts[k]! > 0).slice(0, 10).join(', ')}${classes.length > 10 ? ', …' : ''}`;
  } else if (schema.kind === 'tabular') labels = ' (regression)';
  const skippedText = skipped.length === 0 ? '' : `; skipped ${skipped.length} (${skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ')}${skipped.length > 3 ? '; …' : ''})`;
  return `client ${entry.name}: ${entry.file}${entry.kind === 'images' ? '/' : ''}, ${dataset.count} ${unit}${labels}${skippedText}`;
}

/**
 * Lists DIR and loads every entry with the task's schema; each client gets one line through
 * `report` as it is read (what it read, or why it does not join).
 * @example const loaded = await loadClientDataDir('./clinics', schema, (line) => console.log(line));
 */
export async function loadClientDataDir(dir: string, schema: DataSchema, report: (line: string, ok: boolean) => void): Promise<LoadedClientData[]> {
  const { entries, ignored } = await listClientData(dir);
  for (const i of ignored) report(`ignoring ${i.path}: ${i.reason}`, true);
  const loaded: LoadedClientData[] = [];
  for (const entry of entries) {
    const result = await loadClientData(entry, schema, (line) => report(line, true));
    report(result.line, result.ok);
    loaded.push(result);
  }
  return loaded;
}
