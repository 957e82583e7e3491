// CSV tables as datasets: infer a TabularSchema from a file, then encode rows with a schema (z-score, one-hot).

import type { FeatureColumn, TabularSchema } from '@flotilla/protocol';
import { parseCsv, type CsvTable, type ImportLimits } from './csv.ts';
import type { Dataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';

/** Options of {@link inferTabularSchema}. */
export interface InferTabularOptions extends ImportLimits {
  /** The label column (the target); it is not a feature. */
  readonly label: string;
  /** A column naming the client each row belongs to (natural partition); not a feature. */
  readonly clientColumn?: string;
  /** Columns to treat as categorical even when every value is a number (e.g. zip codes). */
  readonly categorical?: readonly string[];
  /** Columns that are neither features nor label (row ids, free text). */
  readonly ignore?: readonly string[];
  /** Default 'classification'; 'regression' needs a numeric label. */
  readonly task?: 'classification' | 'regression';
  /** The file's name, for error messages. */
  readonly file?: string;
}

/** Options of {@link importCsvDataset}. */
export interface ImportCsvOptions extends ImportLimits {
  /** A column naming each row's client; fills `Dataset.clientIds`. */
  readonly clientColumn?: string;
  /** The client every row belongs to (one file per client); not together with `clientColumn`. */
  readonly clientId?: string;
  readonly file?: string;
}

/** Most distinct values a categorical column or a class list may hold (the schema's bound). */
export const MAX_CATEGORIES = 1000;
const MAX_NAME = 128;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Beyond float32's range a value would become Infinity in the encoded features.
const FLOAT32_MAX = 3.4e38;

/** The cell as a number a Float32Array can hold, or undefined. */
function numberIn(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return undefined;
  const value = Number(cell);
  return Math.abs(value) <= FLOAT32_MAX ? value : undefined;
}

/**
 * Infers a schema from a CSV file: a column is numeric when every cell is a number (mean and
 * population std computed; a constant column gets std 1), otherwise categorical (categories
 * sorted); classes are the label's distinct values (numerically sorted when all are numbers).
 * Cells are trimmed. Throws {@link DatasetImportError} naming file, line and column.
 * @example
 * const schema = inferTabularSchema(text, { label: 'disease', clientColumn: 'hospital' });
 * schema.features.map((c) => c.name) // ['age', 'sex', 'chol']
 */
export function inferTabularSchema(csvText: string, options: InferTabularOptions): TabularSchema {
  const { file } = options;
  const table = parseCsv(csvText, options);
  checkHeader(table, file);
  const labelIndex = requireColumn(table, options.label, file);
  if (options.clientColumn !== undefined) requireColumn(table, options.clientColumn, file);
  for (const name of [...(options.categorical ?? []), ...(options.ignore ?? [])]) requireColumn(table, name, file);
  const skip = new Set([options.label, ...(options.clientColumn === undefined ? [] : [options.clientColumn]), ...(options.ignore ?? [])]);
  const forced = new Set(options.categorical ?? []);

  const features: FeatureColumn[] = [];
  table.header.forEach((name, index) => {
    if (skip.has(name)) return;
    const values = table.rows.map((r) => r.cells[index]!.trim());
    const numbers = values.map(numberIn);
    if (!forced.has(name) && numbers.every((v) => v !== undefined)) {
      features.push(numericColumn(name, numbers as number[]));
    } else {
      features.push({ name, kind: 'categorical', categories: distinct(table, index, file, 'categories') });
    }
  });
  if (features.length === 0) throw new DatasetImportError('DATA_CSV_HEADER', 'no feature columns besides the label, client and ignored columns', { file, line: 1 });

  if (options.task === 'regression') {
    for (const row of table.rows) {
      const cell = row.cells[labelIndex]!.trim();
      if (numberIn(cell) === undefined) throw badCell(`a regression label must be a number, got "${cell}"`, file, row.line, labelIndex, options.label);
    }
    return { kind: 'tabular', features, label: options.label, target: { type: 'regression', metric: 'mse' } };
  }
  const classes = distinct(table, labelIndex, file, 'classes');
  if (classes.length < 2) throw new DatasetImportError('DATA_CSV_CLASSES', `a classification label needs at least 2 classes, found ${classes.length}`, { file, column: labelIndex + 1, columnName: options.label });
  return { kind: 'tabular', features, label: options.label, target: { type: 'classification', classes } };
}

/**
 * Encodes a CSV file's rows with `schema`: numeric cells z-scored with the schema's mean and std,
 * categorical cells one-hot, labels as class indices (or values, for a regression). Columns the
 * schema does not name are ignored. An unknown category or label, an empty or non-numeric cell in
 * a numeric column, a ragged row: {@link DatasetImportError} naming file, line and column.
 * @example const data = importCsvDataset(text, schema, { file: 'site-a.csv', clientColumn: 'hospital' });
 */
export function importCsvDataset(csvText: string, schema: TabularSchema, options: ImportCsvOptions = {}): Dataset {
  const { file } = options;
  if (options.clientId !== undefined && options.clientColumn !== undefined) throw new RangeError('give clientId or clientColumn, not both');
  const table = parseCsv(csvText, options);
  checkHeader(table, file);
  const columns = schema.features.map((c) => ({ column: c, index: requireColumn(table, c.name, file), lookup: c.kind === 'categorical' ? new Map(c.categories.map((v, k) => [v, k])) : undefined }));
  const labelIndex = requireColumn(table, schema.label, file);
  const clientIndex = options.clientColumn === undefined ? undefined : requireColumn(table, options.clientColumn, file);
  const width = schema.features.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
  const count = table.rows.length;
  const features = new Float32Array(count * width);
  const target = schema.target;
  const labels = target.type === 'classification' ? new Int32Array(count) : new Float32Array(count);
  const classIndex = target.type === 'classification' ? new Map(target.classes.map((v, k) => [v, k])) : undefined;
  const clientIds: string[] = [];

  table.rows.forEach((row, r) => {
    let offset = r * width;
    for (const { column, index, lookup } of columns) {
      const cell = row.cells[index]!.trim();
      if (column.kind === 'numeric') {
        const value = numberIn(cell);
        if (value === undefined) throw badCell(cell === '' ? 'an empty cell in a numeric column' : `"${cell}" is not a number within float32 range`, file, row.line, index, column.name);
        features[offset++] = column.mean === undefined || column.std === undefined ? value : (value - column.mean) / column.std;
      } else {
        const k = lookup!.get(cell);
        if (k === undefined) throw new DatasetImportError('DATA_CSV_UNKNOWN_CATEGORY', `"${cell}" is not one of the column's ${column.categories.length} categories`, { file, line: row.line, column: index + 1, columnName: column.name });
        features[offset + k] = 1;
        offset += column.categories.length;
      }
    }
    const cell = row.cells[labelIndex]!.trim();
    if (classIndex !== undefined) {
      const k = classIndex.get(cell);
      if (k === undefined) throw new DatasetImportError('DATA_CSV_UNKNOWN_LABEL', `"${cell}" is not one of the schema's classes`, { file, line: row.line, column: labelIndex + 1, columnName: schema.label });
      labels[r] = k;
    } else {
      const value = numberIn(cell);
      if (value === undefined) throw badCell(`a regression label must be a number, got "${cell}"`, file, row.line, labelIndex, schema.label);
      labels[r] = value;
    }
    if (clientIndex !== undefined) {
      const id = row.cells[clientIndex]!.trim();
      if (id === '') throw badCell('an empty client id', file, row.line, clientIndex, options.clientColumn!);
      clientIds.push(id);
    }
  });
  const dataset: Dataset = { schema, count, features, labels };
  if (options.clientId !== undefined) return { ...dataset, clientIds: new Array<string>(count).fill(options.clientId) };
  return clientIndex === undefined ? dataset : { ...dataset, clientIds };
}

function checkHeader(table: CsvTable, file: string | undefined): void {
  const seen = new Set<string>();
  table.header.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '' || name.length > MAX_NAME) throw new DatasetImportError('DATA_CSV_HEADER', `a column name must have 1 to ${MAX_NAME} characters`, { file, line: 1, column: i + 1 });
    if (seen.has(name)) throw new DatasetImportError('DATA_CSV_HEADER', `column "${name}" appears twice`, { file, line: 1, column: i + 1 });
    seen.add(name);
  });
}

function requireColumn(table: CsvTable, name: string, file: string | undefined): number {
  const index = table.header.findIndex((h) => h.trim() === name);
  if (index === -1) throw new DatasetImportError('DATA_CSV_MISSING_COLUMN', `the header has no column "${name}"`, { file, line: 1, columnName: name });
  return index;
}

function numericColumn(name: string, values: number[]): FeatureColumn {
  if (values.length === 0) return { name, kind: 'numeric' };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  const std = Math.sqrt(variance);
  // A constant column z-scores to 0 with std 1; the schema refuses std 0.
  return { name, kind: 'numeric', mean, std: std > 0 && Number.isFinite(std) ? std : 1 };
}

function distinct(table: CsvTable, index: number, file: string | undefined, what: 'categories' | 'classes'): string[] {
  const seen = new Set<string>();
  const columnName = table.header[index]!.trim();
  for (const row of table.rows) {
    const value = row.cells[index]!.trim();
    if (what === 'classes' && value === '') throw badCell('an empty label', file, row.line, index, columnName);
    if (value.length > MAX_NAME) throw badCell(`a category has at most ${MAX_NAME} characters`, file, row.line, index, columnName);
    seen.add(value);
    if (seen.size > MAX_CATEGORIES) {
      throw new DatasetImportError('DATA_CSV_TOO_MANY_CATEGORIES', `more than ${MAX_CATEGORIES} distinct values; list the column in 'ignore' if it is an id or free text`, { file, line: row.line, column: index + 1, columnName });
    }
  }
  const values = [...seen];
  return values.every((v) => NUMBER.test(v)) ? values.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0)) : values.sort();
}

function badCell(message: string, file: string | undefined, line: number, index: number, columnName: string): DatasetImportError {
  return new DatasetImportError('DATA_CSV_BAD_CELL', message, { file, line, column: index + 1, columnName });
}
