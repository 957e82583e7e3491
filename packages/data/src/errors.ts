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
export type PartitionErrorCode = 'PARTITION_INVALID';

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
