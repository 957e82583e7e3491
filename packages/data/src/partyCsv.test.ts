import { describe, expect, it } from 'vitest';
import { PartyTableError } from './errors.ts';
import { assignClasses, formatPartyCsv, parsePartyCsv } from './partyCsv.ts';
import type { PartyCsvOptions } from './partyCsv.ts';

/** The code and message of the error parsing throws, as the page and CLI show it. */
function refusal(text: string, options: PartyCsvOptions = { labels: 'binary' }): string {
  try {
    parsePartyCsv(text, options);
  } catch (e) {
    if (e instanceof PartyTableError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('parsed');
}

describe('parsePartyCsv', () => {
  it('reads IDs, features in header order and the guest labels, skipping blank lines and a BOM', () => {
    const table = parsePartyCsv('\uFEFFid,age,label,income\r\n"a,7",41,1,3\n\nb2,23,0,1\n', { labels: 'binary', standardise: false });
    expect(table.ids).toEqual(['a,7', 'b2']);
    expect(table.featureNames).toEqual(['age', 'income']);
    expect([...table.features]).toEqual([41, 3, 23, 1]);
    expect([...table.labels!]).toEqual([1, 0]);
    expect(table.classes).toBe(2);
  });

  it('standardises each column from its own rows; a constant column becomes 0', () => {
    const table = parsePartyCsv('id,x,c\na,1,5\nb,2,5\nc,3,5\n');
    expect(table.labels).toBeUndefined();
    const x = [0, 1, 2].map((r) => table.features[r * 2]!);
    expect(x[0]).toBeCloseTo(-Math.sqrt(1.5), 5);
    expect(x[1]).toBeCloseTo(0, 6);
    expect(x[2]).toBeCloseTo(Math.sqrt(1.5), 5);
    expect([0, 1, 2].map((r) => table.features[r * 2 + 1])).toEqual([0, 0, 0]);
  });

  it('maps two label values to 0/1: -1/1, false/true, or strings in sorted order; y is a label column too', () => {
    const labels = (values: string[], header = 'label'): number[] =>
      [...parsePartyCsv(`id,x,${header}\n${values.map((v, i) => `r${i},${i},${v}`).join('\n')}`, { labels: 'binary' }).labels!];
    expect(labels(['1', '-1', '-1'])).toEqual([1, 0, 0]);
    expect(labels(['True', 'False'])).toEqual([1, 0]);
    expect(labels(['yes', 'no', 'yes'])).toEqual([1, 0, 1]);
    expect(labels(['0', '1'], 'y')).toEqual([0, 1]);
  });

  it('keeps integer classes 0..K-1 for the split NN and orders other values', () => {
    const split = (values: string[]) => parsePartyCsv(`id,x,label\n${values.map((v, i) => `r${i},${i},${v}`).join('\n')}`, { labels: 'classes' });
    const digits = split(['3', '0', '9']);
    expect([...digits.labels!]).toEqual([3, 0, 9]);
    expect(digits.classes).toBe(10);
    const names = split(['cat', 'dog', 'ant', 'dog']);
    expect(names.classNames).toEqual(['ant', 'cat', 'dog']);
    expect([...names.labels!]).toEqual([1, 2, 0, 2]);
  });

  it('refuses bad tables with a code and the line and column', () => {
    expect(refusal('')).toMatch(/^VFL_CSV_EMPTY:/);
    expect(refusal('id,x,label\n')).toMatch(/^VFL_CSV_EMPTY: no data rows/);
    expect(refusal('id,x,x,label\na,1,2,0')).toMatch(/^VFL_CSV_HEADER: line 1, column 3: column "x" appears twice/);
    expect(refusal('key,x,label\na,1,0')).toMatch(/^VFL_CSV_MISSING_COLUMN: line 1: no ID column "id"/);
    expect(refusal('id,x,target\na,1,0')).toMatch(/^VFL_CSV_MISSING_COLUMN: line 1: no label column "label" or "y"/);
    expect(refusal('key,x,target\na,1,0', { labels: 'binary', idColumn: 'key', labelColumn: 'target' })).toMatch(/^VFL_CSV_CLASSES/);
    expect(refusal('id,label\na,0\nb,1')).toMatch(/^VFL_CSV_NO_FEATURES/);
    expect(refusal('id,x,label\na,1,0\nb,2')).toMatch(/^VFL_CSV_RAGGED_ROW: line 3: 2 cells, the header has 3/);
    expect(refusal('id,x,label\na,1,0\nb,,1')).toMatch(/^VFL_CSV_BAD_CELL: line 3, column 2 \("x"\): empty cell/);
    expect(refusal('id,x,label\na,1,0\nb,abc,1')).toMatch(/^VFL_CSV_BAD_CELL: line 3, column 2 \("x"\): "abc" is not a number/);
    expect(refusal('id,x,label\na,1,0\n\na,2,1')).toMatch(/^VFL_CSV_DUPLICATE_ID: line 4: ID "a" already on line 2/);
    expect(refusal('id,x,label\na,1,0\nb,2,0')).toMatch(/^VFL_CSV_CLASSES: label column "label" has 1 distinct value\(s\), hetero LR needs exactly 2/);
    expect(refusal('id,x,label\na,1,0\nb,2,1\nc,3,2')).toMatch(/^VFL_CSV_CLASSES:.*exactly 2/);
    expect(refusal('id,x,label\na,1,4\nb,2,4', { labels: 'classes' })).toMatch(/^VFL_CSV_CLASSES:.*at least 2/);
    // Read before the job's algorithm is known, classes assigned once it is.
    const later = parsePartyCsv('id,x,label\na,1,0\nb,2,1\nc,3,2', { labels: 'later' });
    expect(later.labels).toBeUndefined();
    expect(() => assignClasses(later, 'binary')).toThrow(/exactly 2/);
    expect([...assignClasses(later, 'classes').labels!]).toEqual([0, 1, 2]);
    expect(refusal('id,x\na,1\nb,2\nc,3', { maxRows: 2 })).toMatch(/^VFL_CSV_TOO_LARGE: line 4: more than 2 data rows/);
  });

  it('reads back what formatPartyCsv writes', () => {
    const table = { ids: ['p-1', 'p "2"'], features: Float32Array.of(0.25, 1, 0.5, 0), featureCount: 2, labels: Uint8Array.of(1, 0) };
    const back = parsePartyCsv(formatPartyCsv(table), { labels: 'binary', standardise: false });
    expect(back.ids).toEqual(table.ids);
    expect([...back.features]).toEqual([...table.features]);
    expect([...back.labels!]).toEqual([1, 0]);
  });
});
