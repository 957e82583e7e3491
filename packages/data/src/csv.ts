// RFC 4180 CSV records with the line each starts on: quoted fields, doubled quotes, CRLF, a UTF-8 BOM, size limits.

import { DatasetImportError } from './errors.ts';

/** Size limits of an imported file; each has a default that fits a browser tab. */
export interface ImportLimits {
  /** Default 64 MiB (UTF-8 bytes of the text). */
  readonly maxBytes?: number;
  /** Data rows after the header; default 1,000,000. */
  readonly maxRows?: number;
  /** Default 10,000 (the most feature columns a schema holds). */
  readonly maxColumns?: number;
}

/** Default limits of {@link ImportLimits}. */
export const DEFAULT_IMPORT_LIMITS: Required<ImportLimits> = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxRows: 1_000_000, maxColumns: 10_000 });

/** One CSV record and the (1-based) line of the file it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: readonly string[];
}

/** A parsed CSV file: the header's cells and the data records, every one as wide as the header. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvRecord[];
}

/**
 * Parses CSV text with a header row. Blank lines are skipped; every record must have as many
 * cells as the header. Throws {@link DatasetImportError} naming the file, line and column:
 * 'DATA_CSV_EMPTY', 'DATA_CSV_QUOTE', 'DATA_CSV_RAGGED_ROW', 'DATA_TOO_LARGE'.
 * @example parseCsv('\uFEFFa,b\r\n"1,5",2\r\n').rows[0].cells // ['1,5', '2']
 */
export function parseCsv(text: string, options: { readonly file?: string } & ImportLimits = {}): CsvTable {
  const { file } = options;
  const limits: Required<ImportLimits> = {
    maxBytes: options.maxBytes ?? DEFAULT_IMPORT_LIMITS.maxBytes,
    maxRows: options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows,
    maxColumns: options.maxColumns ?? DEFAULT_IMPORT_LIMITS.maxColumns,
  };
  checkBytes(text, limits.maxBytes, file);
  const records = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file, limits);
  const header = records.shift();
  if (header === undefined) throw new DatasetImportError('DATA_CSV_EMPTY', 'the file has no header row', { file });
  const width = header.cells.length;
  for (const record of records) {
    if (record.cells.length !== width) {
      throw new DatasetImportError('DATA_CSV_RAGGED_ROW', `expected ${width} cells as in the header, found ${record.cells.length}`, {
        file, line: record.line, column: Math.min(record.cells.length, width) + 1,
      });
    }
  }
  return { header: header.cells, rows: records };
}

/**
 * Throws 'DATA_TOO_LARGE' when the UTF-8 encoding of `text` exceeds `maxBytes`.
 * @example checkBytes(text, 1024, 'notes.txt');
 */
export function checkBytes(text: string, maxBytes: number, file?: string): void {
  // A UTF-16 unit encodes to at most 3 UTF-8 bytes: only texts near the limit are encoded.
  if (text.length <= maxBytes / 3) return;
  // Past maxBytes units the text is too large whatever its encoding, and is not encoded at all.
  const bytes = text.length > maxBytes ? text.length : new TextEncoder().encode(text).length;
  if (bytes > maxBytes) throw new DatasetImportError('DATA_TOO_LARGE', `at least ${bytes} bytes exceed the limit of ${maxBytes}`, { file });
}

function splitRecords(text: string, file: string | undefined, limits: Required<ImportLimits>): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // A line holding only `""` is a record of one empty cell, not a blank line.
  let quoted = false;
  const endRecord = (): void => {
    cells.push(cell);
    // A blank line is one empty cell: skipped, as spreadsheets leave them at the end.
    if (quoted || !(cells.length === 1 && cells[0] === '')) {
      if (records.length > limits.maxRows) {
        throw new DatasetImportError('DATA_TOO_LARGE', `more than ${limits.maxRows} rows`, { file, line: recordLine });
      }
      records.push({ line: recordLine, cells });
    }
    cells = [];
    cell = '';
    quoted = false;
  };
  const pushCell = (): void => {
    cells.push(cell);
    cell = '';
    if (cells.length >= limits.maxColumns + 2) {
      // The header may hold a label and a client column besides maxColumns features.
      throw new DatasetImportError('DATA_TOO_LARGE', `more than ${limits.maxColumns + 2} columns`, { file, line: recordLine, column: cells.length });
    }
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      if (cell !== '') throw quoteError('a quote inside an unquoted cell; quote the whole cell and double inner quotes', file, line, cells.length + 1);
      const startLine = line;
      quoted = true;
      i++;
      for (;;) {
        if (i >= text.length) throw quoteError('a quoted cell is never closed', file, startLine, cells.length + 1);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === '\n') line++;
        cell += c;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw quoteError('text after a closing quote', file, line, cells.length + 1);
      }
      continue;
    }
    if (ch === ',') { pushCell(); i++; continue; }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    cell += ch;
    i++;
  }
  if (cell !== '' || cells.length > 0 || quoted) endRecord();
  return records;
}

function quoteError(message: string, file: string | undefined, line: number, column: number): DatasetImportError {
  return new DatasetImportError('DATA_CSV_QUOTE', message, { file, line, column });
}
