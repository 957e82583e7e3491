import { checkDataSchema, TextSchema } from '@flotilla/protocol';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { checkDataset, concatDatasets } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { importTextDataset, inferTextSchema, textSymbols } from './text.ts';

function refusal(run: () => unknown): DatasetImportError {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('inferTextSchema', () => {
  it('orders the vocabulary by frequency after the unknown symbol and caps its size', () => {
    const schema = inferTextSchema('abracadabra', { level: 'char', sequenceLength: 3, maxVocabulary: 4 });
    expect(Value.Check(TextSchema, schema)).toBe(true);
    expect(checkDataSchema(schema)).toBeNull();
    // a ×5, b ×2, r ×2 (ties by code unit), then c and d are left out.
    expect(schema.vocabulary).toEqual(['<unk>', 'a', 'b', 'r']);
    expect(schema.unknown).toBe(0);
  });

  it('splits tokens on whitespace, reads CRLF as LF and renames the unknown symbol when a token has its spelling', () => {
    expect(textSymbols('\uFEFFa\r\nb', 'char')).toEqual(['a', '\n', 'b']);
    const schema = inferTextSchema('to be <unk> or not to be', { level: 'token', sequenceLength: 2, maxVocabulary: 10 });
    expect(schema.vocabulary).toEqual(['<unk1>', 'be', 'to', '<unk>', 'not', 'or']);
  });

  it('refuses a corpus too short for one example and an impossible vocabulary size', () => {
    expect(refusal(() => inferTextSchema('abc', { level: 'char', sequenceLength: 3, maxVocabulary: 5, file: 'a.txt' })).message).toContain('a.txt');
    expect(refusal(() => inferTextSchema('abcdef', { level: 'char', sequenceLength: 3, maxVocabulary: 1 })).code).toBe('DATA_TEXT_VOCABULARY');
  });
});

describe('importTextDataset', () => {
  const schema = inferTextSchema('abracadabra', { level: 'char', sequenceLength: 3, maxVocabulary: 4 });

  it('makes every window of sequenceLength symbols an example labelled with the next symbol, unknowns mapped', () => {
    const data = importTextDataset('abrac', schema);
    checkDataset(data);
    expect(data.count).toBe(2);
    expect([...data.features]).toEqual([1, 2, 3, 2, 3, 1]);
    expect([...data.labels]).toEqual([1, 0]);
  });

  it('steps windows by the stride and names the client on every row', () => {
    const data = importTextDataset('abracadabra', schema, { stride: 4, clientId: 'HAMLET' });
    // 11 symbols: windows start at 0 and 4 (a window at 8 would have no next symbol).
    expect(data.count).toBe(2);
    expect([...data.features.subarray(3)]).toEqual([0, 1, 0]); // 'cad': c and d are unknown
    expect([...data.labels]).toEqual([1, 1]);
    expect(data.clientIds).toEqual(['HAMLET', 'HAMLET']);
    const both = concatDatasets([data, importTextDataset('abra', schema, { clientId: 'OPHELIA' })]);
    expect(both.clientIds).toEqual(['HAMLET', 'HAMLET', 'OPHELIA']);
  });

  it('refuses too short a text and more examples than the limit', () => {
    expect(refusal(() => importTextDataset('abr', schema)).code).toBe('DATA_TEXT_TOO_SHORT');
    expect(refusal(() => importTextDataset('abracadabra', schema, { maxRows: 3 })).code).toBe('DATA_TOO_LARGE');
  });
});
