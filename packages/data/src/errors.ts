// Coded errors for dataset parsing and partitioning, so callers branch on a stable `code`.

/** An error with a stable `code` of the family `C`; each family below names its own class. */
abstract class CodedError<C extends string> extends Error {
  constructor(readonly code: C, message: string) {
    super(message);
  }
}

/** Stable codes carried by {@link DataFormatError}. */
export type DataFormatErrorCode = 'DATA_IDX_MALFORMED' | 'DATA_IDX_DTYPE' | 'DATA_MNIST_INVALID';

/**
 * Bytes that are not the dataset they claim to be: bad magic, truncated payload, mismatched files.
 * @example
 * try { parseIdx(bytes); } catch (e) { if (e instanceof DataFormatError && e.code === 'DATA_IDX_MALFORMED') showCorruptFile(); }
 */
export class DataFormatError extends CodedError<DataFormatErrorCode> {
  override readonly name = 'DataFormatError';
}

/** Stable codes carried by {@link PartitionError}. */
export type PartitionErrorCode = 'PARTITION_INVALID' | 'PARTITION_NEEDS_CLASSES' | 'PARTITION_NEEDS_CLIENT_IDS';

/**
 * A partition spec that cannot be honoured (bad numbers, too few examples, unparsable CLI text).
 * @example
 * try { parsePartitionSpec(flag, 100, 1); } catch (e) { if (e instanceof PartitionError) console.error(e.code, e.message); }
 */
export class PartitionError extends CodedError<PartitionErrorCode> {
  override readonly name = 'PartitionError';
}

/** Stable codes carried by {@link PartyTableError} (a vertical party's own CSV table). */
export type PartyTableErrorCode =
  | 'VFL_CSV_EMPTY'
  | 'VFL_CSV_HEADER'
  | 'VFL_CSV_MISSING_COLUMN'
  | 'VFL_CSV_NO_FEATURES'
  | 'VFL_CSV_RAGGED_ROW'
  | 'VFL_CSV_BAD_CELL'
  | 'VFL_CSV_DUPLICATE_ID'
  | 'VFL_CSV_CLASSES'
  | 'VFL_CSV_TOO_LARGE';

/**
 * A party table that cannot be used: the message names the line (1 = the header) and column.
 * @example
 * try { parsePartyCsv(text, { labels: 'binary' }); } catch (e) { if (e instanceof PartyTableError) show(`${e.code}: ${e.message}`); }
 */
export class PartyTableError extends CodedError<PartyTableErrorCode> {
  override readonly name = 'PartyTableError';
}

/** Stable codes carried by {@link DatasetImportError}. */
export type DatasetImportErrorCode =
  | 'DATA_CSV_EMPTY'
  | 'DATA_CSV_HEADER'
  | 'DATA_CSV_MISSING_COLUMN'
  | 'DATA_CSV_QUOTE'
  | 'DATA_CSV_RAGGED_ROW'
  | 'DATA_CSV_BAD_CELL'
  | 'DATA_CSV_UNKNOWN_CATEGORY'
  | 'DATA_CSV_UNKNOWN_LABEL'
  | 'DATA_CSV_CLASSES'
  | 'DATA_CSV_TOO_MANY_CATEGORIES'
  | 'DATA_TOO_LARGE'
  | 'DATA_GZIP'
  | 'DATA_IDX_MALFORMED'
  | 'DATA_IDX_SHAPE'
  | 'DATA_IDX_COUNT_MISMATCH'
  | 'DATA_IDX_LABEL'
  | 'DATA_TEXT_TOO_SHORT'
  | 'DATA_TEXT_VOCABULARY'
  | 'DATA_SCHEMA_MISMATCH'
  | 'DATA_ENCODING'
  | 'DATA_MISSING_FILE'
  | 'DATA_ARCHIVE_UNSAFE_PATH'
  | 'DATA_ARCHIVE_MALFORMED'
  | 'DATA_ARCHIVE_TOO_LARGE'
  | 'DATA_IMAGE_DECODE'
  | 'DATA_IMAGE_SIZE'
  | 'DATA_IMAGE_TOO_LARGE'
  | 'DATA_IMAGE_UNKNOWN_CLASS'
  | 'DATA_IMAGE_LAYOUT'
  | 'DATA_IMAGE_CLASSES'
  | 'DATA_IMAGE_EMPTY';

/** Where in a source file an import failed; line 1 is a CSV file's header, columns count from 1. */
export interface ImportLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly columnName?: string;
}

/**
 * A file a user brought that cannot become a dataset; `location` names the file, line and column
 * and the message repeats them, so a person can open the file at the right place.
 * @example
 * try { importCsvDataset(text, schema, { file: 'heart.csv' }); }
 * catch (e) { if (e instanceof DatasetImportError) show(`${e.code} at line ${e.location.line}`); }
 */
export class DatasetImportError extends CodedError<DatasetImportErrorCode> {
  override readonly name = 'DatasetImportError';
  constructor(code: DatasetImportErrorCode, message: string, readonly location: ImportLocation = {}) {
    super(code, `${describeLocation(location)}${message}`);
  }
}

function describeLocation({ file, line, column, columnName }: ImportLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  if (line !== undefined) parts.push(`line ${line}`);
  if (column !== undefined) parts.push(`column ${column}${columnName === undefined ? '' : ` ("${columnName}")`}`);
  else if (columnName !== undefined) parts.push(`column "${columnName}"`);
  return parts.length === 0 ? '' : `${parts.join(', ')}: `;
}
