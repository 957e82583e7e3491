import type { TabularSchema, TextSchema } from '@flotilla/protocol';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { contentHash } from './contentHash.ts';
import { DatasetImportError } from './errors.ts';
import { DATASET_IMPORTERS, importDataset } from './importers.ts';

const SCHEMA: TabularSchema = { kind: 'tabular', features: [{ name: 'x', kind: 'numeric' }], label: 'y', target: { type: 'classification', classes: ['a', 'b'] } };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e.code;
    throw e;
  }
  return undefined;
}

describe('importDataset', () => {
  it('imports a CSV given as UTF-8 bytes with a BOM and returns the hash of the bytes as given', async () => {
    const bytes = utf8('\uFEFFsite,x,y\r\ns1,1,a\r\ns2,2,b\r\n');
    const { dataset, hashes } = await importDataset('csv', { table: { bytes, name: 'h.csv' } }, SCHEMA, { clientColumn: 'site' });
    expect([...dataset.features]).toEqual([1, 2]);
    expect(dataset.clientIds).toEqual(['s1', 's2']);
    expect(hashes).toEqual({ table: contentHash(bytes) });
  });

  it('imports a text corpus with its client id', async () => {
    const schema: TextSchema = { kind: 'text', level: 'char', vocabulary: ['<unk>', 'a', 'b'], unknown: 0, sequenceLength: 2 };
    const { dataset } = await importDataset('text', { corpus: { bytes: utf8('abab') } }, schema, { clientId: 'ROMEO' });
    expect([...dataset.labels]).toEqual([1, 2]);
    expect(dataset.clientIds).toEqual(['ROMEO', 'ROMEO']);
  });

  it('refuses a schema of another kind, a missing file and bytes that are not UTF-8', async () => {
    expect(await codeOf(() => importDataset('csv', { table: { bytes: utf8('x,y\n1,a\n') } }, MNIST_SCHEMA))).toBe('DATA_SCHEMA_MISMATCH');
    expect(await codeOf(() => importDataset('idx', { images: { bytes: new Uint8Array(8) } }, MNIST_SCHEMA))).toBe('DATA_MISSING_FILE');
    expect(await codeOf(() => importDataset('csv', { table: { bytes: Uint8Array.of(0x78, 0x2c, 0x79, 0x0a, 0xff) } }, SCHEMA))).toBe('DATA_ENCODING');
  });

  it('lists each format\'s schema kind and file roles, for forms and CLI help', () => {
    expect(Object.fromEntries(Object.entries(DATASET_IMPORTERS).map(([name, e]) => [name, [e.schemaKind, e.files]]))).toEqual({
      csv: ['tabular', ['table']], idx: ['image', ['images', 'labels']], images: ['image', ['archive']], text: ['text', ['corpus']],
    });
  });
});
