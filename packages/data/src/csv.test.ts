import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';
import { DatasetImportError } from './errors.ts';

function refusal(run: () => unknown): { code: string; message: string; line?: number; column?: number } {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetImportError) return { code: e.code, message: e.message, line: e.location.line, column: e.location.column };
    throw e;
  }
  throw new Error('accepted');
}

describe('parseCsv', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, CRLF and a BOM, skipping blank lines', () => {
    const table = parseCsv('\uFEFFname,note\r\n"Smith, J","said ""hi"""\r\n\r\n"multi\nline",x\r\nlast,""\r\n');
    expect(table.header).toEqual(['name', 'note']);
    expect(table.rows.map((r) => r.cells)).toEqual([['Smith, J', 'said "hi"'], ['multi\nline', 'x'], ['last', '']]);
    expect(table.rows.map((r) => r.line)).toEqual([2, 4, 6]);
  });

  it('refuses a ragged row, naming the line it starts on and the first missing column', () => {
    const error = refusal(() => parseCsv('a,b,c\n1,2,3\n4,5\n', { file: 'x.csv' }));
    expect(error).toMatchObject({ code: 'DATA_CSV_RAGGED_ROW', line: 3, column: 3 });
    expect(error.message).toContain('x.csv, line 3, column 3');
  });

  it('refuses an unclosed quote and a stray quote with their line', () => {
    expect(refusal(() => parseCsv('a,b\n1,"open\n'))).toMatchObject({ code: 'DATA_CSV_QUOTE', line: 2, column: 2 });
    expect(refusal(() => parseCsv('a,b\n1,2\n3,x"y\n'))).toMatchObject({ code: 'DATA_CSV_QUOTE', line: 3, column: 2 });
    expect(refusal(() => parseCsv('a,b\n"1"2,3\n'))).toMatchObject({ code: 'DATA_CSV_QUOTE', line: 2, column: 1 });
  });

  it('refuses an empty file and files over the row, column and byte limits', () => {
    expect(refusal(() => parseCsv('\n\n')).code).toBe('DATA_CSV_EMPTY');
    expect(refusal(() => parseCsv('a\n1\n2\n3\n', { maxRows: 2 }))).toMatchObject({ code: 'DATA_TOO_LARGE', line: 4 });
    expect(parseCsv('a\n1\n2\n', { maxRows: 2 }).rows).toHaveLength(2);
    expect(refusal(() => parseCsv('a,b,c,d\n', { maxColumns: 1 })).code).toBe('DATA_TOO_LARGE');
    expect(refusal(() => parseCsv('a\néééé\n', { maxBytes: 8 })).code).toBe('DATA_TOO_LARGE');
    expect(parseCsv('a\néé\n', { maxBytes: 8 }).rows).toHaveLength(1);
  });
});
