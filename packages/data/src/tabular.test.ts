import { checkDataSchema, TabularSchema } from '@flotilla/protocol';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { importCsvDataset, inferTabularSchema } from './tabular.ts';

const HEART = [
  'hospital,age,sex,chol,disease',
  'north,40,m,200,yes',
  'north,50,f,240,no',
  '"south, annex",60,f,280,no',
  'south,70,m,"320",yes',
].join('\r\n');

function refusal(run: () => unknown): DatasetImportError {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('inferTabularSchema', () => {
  it('finds numeric and categorical columns, their statistics and the classes, leaving out label and client', () => {
    const schema = inferTabularSchema(HEART, { label: 'disease', clientColumn: 'hospital' });
    expect(Value.Check(TabularSchema, schema)).toBe(true);
    expect(checkDataSchema(schema)).toBeNull();
    expect(schema.features).toEqual([
      { name: 'age', kind: 'numeric', mean: 55, std: Math.sqrt(125) },
      { name: 'sex', kind: 'categorical', categories: ['f', 'm'] },
      { name: 'chol', kind: 'numeric', mean: 260, std: Math.sqrt(2000) },
    ]);
    expect(schema.target).toEqual({ type: 'classification', classes: ['no', 'yes'] });
  });

  it('treats numbers as categories when told, sorts numeric classes numerically, and infers regressions', () => {
    expect(inferTabularSchema('big,y\n1e39,a\n2,b\n', { label: 'y' }).features[0]!.kind).toBe('categorical');
    const text = 'zip,y\n10,2\n9,10\n10,1\n';
    const schema = inferTabularSchema(text, { label: 'y', categorical: ['zip'] });
    expect(schema.features).toEqual([{ name: 'zip', kind: 'categorical', categories: ['9', '10'] }]);
    expect(schema.target).toEqual({ type: 'classification', classes: ['1', '2', '10'] });
    expect(inferTabularSchema(text, { label: 'y', task: 'regression' }).target).toEqual({ type: 'regression', metric: 'mse' });
  });

  it('refuses a missing label column, one class, a non-numeric regression label and an id column with too many values', () => {
    expect(refusal(() => inferTabularSchema(HEART, { label: 'outcome', file: 'heart.csv' })).code).toBe('DATA_CSV_MISSING_COLUMN');
    expect(refusal(() => inferTabularSchema('x,y\n1,a\n2,a\n', { label: 'y' })).code).toBe('DATA_CSV_CLASSES');
    expect(refusal(() => inferTabularSchema(HEART, { label: 'disease', task: 'regression' })).location).toMatchObject({ line: 2, column: 5 });
    const ids = ['id,x,y', ...Array.from({ length: 1002 }, (_, i) => `u${i},${i},${i % 2}`)].join('\n');
    expect(refusal(() => inferTabularSchema(ids, { label: 'y' })).code).toBe('DATA_CSV_TOO_MANY_CATEGORIES');
    expect(inferTabularSchema(ids, { label: 'y', ignore: ['id'] }).features.map((c) => c.name)).toEqual(['x']);
  });
});

describe('importCsvDataset', () => {
  const schema = inferTabularSchema(HEART, { label: 'disease', clientColumn: 'hospital' });

  it('z-scores numbers, one-hot encodes categories, indexes labels and records each row\'s client', () => {
    const data = importCsvDataset(HEART, schema, { clientColumn: 'hospital' });
    checkDataset(data);
    expect(data.count).toBe(4);
    const z = (x: number, m: number, v: number): number => Math.fround((x - m) / Math.sqrt(v));
    expect([...data.features.subarray(0, 4)]).toEqual([z(40, 55, 125), 0, 1, z(200, 260, 2000)]);
    expect([...data.labels]).toEqual([1, 0, 0, 1]);
    expect(data.clientIds).toEqual(['north', 'north', 'south, annex', 'south']);
  });

  it('encodes another site\'s file with the same schema, columns in any order', () => {
    const data = importCsvDataset('disease,chol,sex,age\nno,260,m,55\n', schema);
    expect([...data.features]).toEqual([0, 0, 1, 0]);
    expect(data.clientIds).toBeUndefined();
    expect(importCsvDataset('disease,chol,sex,age\nno,260,m,55\n', schema, { clientId: 'site-b' }).clientIds).toEqual(['site-b']);
  });

  it('refuses an unknown category or label, an empty or non-numeric number, naming file, line and column', () => {
    const cases: [string, string, number, number][] = [
      ['age,sex,chol,disease\n40,m,200,yes\n41,x,200,no\n', 'DATA_CSV_UNKNOWN_CATEGORY', 3, 2],
      ['age,sex,chol,disease\n40,m,200,maybe\n', 'DATA_CSV_UNKNOWN_LABEL', 2, 4],
      ['age,sex,chol,disease\n40,m,,yes\n', 'DATA_CSV_BAD_CELL', 2, 3],
      ['age,sex,chol,disease\nforty,m,1,yes\n', 'DATA_CSV_BAD_CELL', 2, 1],
      ['age,sex,chol,disease\n40,m,1e39,yes\n', 'DATA_CSV_BAD_CELL', 2, 3],
      ['age,sex,chol,disease\n40,m,1\n', 'DATA_CSV_RAGGED_ROW', 2, 4],
      ['age,sex,disease\n40,m,yes\n', 'DATA_CSV_MISSING_COLUMN', 1, NaN],
    ];
    for (const [text, code, line, column] of cases) {
      const error = refusal(() => importCsvDataset(text, schema, { file: 'site.csv' }));
      expect(error.code).toBe(code);
      expect(error.location.file).toBe('site.csv');
      expect(error.location.line).toBe(line);
      if (!Number.isNaN(column)) expect(error.location.column).toBe(column);
      expect(error.message).toMatch(/^site\.csv, line \d/);
    }
  });

  it('reads a regression label as a value', () => {
    const regression = inferTabularSchema('x,y\n1,0.5\n3,-2\n', { label: 'y', task: 'regression' });
    const data = importCsvDataset('x,y\n1,0.5\n3,-2\n', regression);
    expect(data.labels).toBeInstanceOf(Float32Array);
    expect([...data.labels]).toEqual([0.5, -2]);
    expect([...data.features]).toEqual([-1, 1]);
  });

  it('on any text either imports rows that fit the schema or throws its coded error, and inference likewise', () => {
    const cell = fc.oneof(fc.constantFrom('40', 'm', 'f', 'yes', 'no', '', '1e3', '1e39', '-0', '"', ',', '\r\n', '\n', '""'), fc.string({ maxLength: 4 }));
    const line = fc.array(cell, { minLength: 1, maxLength: 6 }).map((cells) => cells.join(','));
    const file = fc.array(line, { maxLength: 6 }).map((lines) => ['age,sex,chol,disease', ...lines].join('\n'));
    fc.assert(fc.property(fc.oneof(file, fc.string()), (text) => {
      try {
        const data = importCsvDataset(text, schema);
        checkDataset(data);
      } catch (e) {
        if (!(e instanceof DatasetImportError)) throw e;
      }
      try {
        const inferred = inferTabularSchema(text, { label: 'disease' });
        expect(Value.Check(TabularSchema, inferred) && checkDataSchema(inferred)).toBeNull();
      } catch (e) {
        if (!(e instanceof DatasetImportError)) throw e;
      }
    }), { numRuns: 400 });
  });
});
