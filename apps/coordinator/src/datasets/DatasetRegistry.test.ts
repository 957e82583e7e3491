import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetImportError } from '@flotilla/data';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { syntheticCsv, syntheticIdx } from '../testing/syntheticDatasets.ts';
import { DatasetRegistry } from './DatasetRegistry.ts';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'flotilla-datasets-'));
const csvUpload = (text: string, options: Record<string, unknown> = { label: 'y', clientColumn: 'hospital' }) => ({
  format: 'csv', name: 'heart', files: { table: { bytes: new TextEncoder().encode(text), name: 'heart.csv' } }, options,
});
const codeOf = (fn: () => unknown) => (async () => {
  try {
    await fn();
  } catch (e) {
    return (e as FlotillaError | DatasetImportError).code;
  }
  return 'no error';
})();

describe('DatasetRegistry', () => {
  it('names a dataset by its content and options, infers its schema and counts, and reopens it from disk', async () => {
    const dir = tmp();
    const registry = new DatasetRegistry(dir);
    const { record, created } = await registry.register(csvUpload(syntheticCsv({ rows: 90, clients: 3 })));

    expect(created).toBe(true);
    expect(record.id).toMatch(/^ds-[0-9a-f]{24}$/);
    expect(record).toMatchObject({ format: 'csv', count: 90, numClients: 3, builtin: false });
    expect(record.schema).toMatchObject({ kind: 'tabular', label: 'y', target: { type: 'classification', classes: ['sick', 'well'] } });
    expect(record.schema.kind === 'tabular' && record.schema.features.map((c) => c.name)).toEqual(['x1', 'x2', 'colour']);
    expect(record.classCounts!.reduce((a, b) => a + b, 0)).toBe(90);
    expect(record.files[0]).toMatchObject({ role: 'table', name: 'heart.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const reopened = new DatasetRegistry(dir);
    expect(reopened.get(record.id)).toEqual(record);
    const data = await reopened.load(record.id);
    expect(data.count).toBe(90);
    expect(new Set(data.clientIds)).toEqual(new Set(['h0', 'h1', 'h2']));
  });

  it('returns the existing record for the same files and options, and a new one for other options', async () => {
    const registry = new DatasetRegistry(tmp());
    const text = syntheticCsv({ rows: 40, clients: 2 });
    const first = await registry.register(csvUpload(text));
    const again = await registry.register({ ...csvUpload(text), name: 'another name' });
    const other = await registry.register(csvUpload(text, { label: 'y' }));

    expect(again).toEqual({ record: first.record, created: false });
    expect(other.created).toBe(true);
    expect(other.record.id).not.toBe(first.record.id);
    expect(other.record.numClients).toBeNull();
  });

  it('lists the built-in MNIST splits, read-only', async () => {
    const registry = new DatasetRegistry(tmp());
    expect(registry.list().map((d) => [d.id, d.builtin, d.count])).toEqual([['mnist', true, 60_000], ['mnist-test', true, 10_000]]);
    expect(await codeOf(() => registry.delete('mnist', []))).toBe(ErrorCodes.DATASET_IN_USE);
  });

  it('refuses uploads past the upload, total and example limits and stores nothing', async () => {
    const dir = tmp();
    const text = syntheticCsv({ rows: 50 });
    const bytes = new TextEncoder().encode(text).byteLength;
    expect(await codeOf(() => new DatasetRegistry(dir, { maxUploadBytes: bytes - 1 }).register(csvUpload(text, { label: 'y' })))).toBe(ErrorCodes.DATASET_TOO_LARGE);
    expect(await codeOf(() => new DatasetRegistry(dir, { maxExamples: 49 }).register(csvUpload(text, { label: 'y' })))).toBe(ErrorCodes.DATASET_TOO_LARGE);
    const registry = new DatasetRegistry(dir, { maxTotalBytes: bytes + 10 });
    await registry.register(csvUpload(text, { label: 'y' }));
    expect(await codeOf(() => registry.register(csvUpload(syntheticCsv({ rows: 50, seed: 2 }), { label: 'y' })))).toBe(ErrorCodes.DATASET_TOO_LARGE);
    expect(registry.list()).toHaveLength(3);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('refuses files that are not the dataset they claim with the DATA_* code, naming the place', async () => {
    const dir = tmp();
    const registry = new DatasetRegistry(dir);
    const ragged = 'a,b,y\n1,2,p\n3,q\n';
    const err = await registry.register(csvUpload(ragged, { label: 'y' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetImportError);
    expect(err).toMatchObject({ code: 'DATA_CSV_RAGGED_ROW', location: { line: 3 } });

    const { images, labels } = syntheticIdx(10, 4, 4, 2, 9);
    const idx = await registry.register({ format: 'idx', name: 'x', files: { images: { bytes: images, name: 'i.idx' }, labels: { bytes: labels, name: 'l.idx' } }, options: {} }).catch((e: unknown) => e);
    expect(idx).toMatchObject({ code: 'DATA_IDX_COUNT_MISMATCH' });

    const strict = { kind: 'tabular', features: [{ name: 'a', kind: 'numeric' }], label: 'y', target: { type: 'classification', classes: ['p', 'q'] } };
    const unknown = await registry.register(csvUpload('a,y\n1,p\n2,r\n', { schema: strict })).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'DATA_CSV_UNKNOWN_LABEL', location: { line: 3, columnName: 'y' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('infers an IDX schema with default class names and reads the images', async () => {
    const registry = new DatasetRegistry(tmp());
    const { images, labels } = syntheticIdx(12, 5, 6, 3);
    const { record } = await registry.register({ format: 'idx', name: 'bands', files: { images: { bytes: images, name: 'i' }, labels: { bytes: labels, name: 'l' } }, options: {} });
    expect(record.schema).toEqual({ kind: 'image', height: 5, width: 6, channels: 1, classes: ['0', '1', '2'] });
    expect(record.classCounts).toEqual([4, 4, 4]);
  });

  it('infers a text schema from a corpus and names the client it belongs to', async () => {
    const registry = new DatasetRegistry(tmp());
    const corpus = 'to be or not to be, that is the question. '.repeat(20);
    const { record } = await registry.register({ format: 'text', name: 'hamlet', files: { corpus: { bytes: new TextEncoder().encode(corpus), name: 'hamlet.txt' } }, options: { level: 'char', sequenceLength: 10, clientId: 'hamlet' } });

    expect(record.schema).toMatchObject({ kind: 'text', level: 'char', sequenceLength: 10, unknown: 0 });
    expect(record.count).toBe(corpus.length - 10);
    expect(record.numClients).toBe(1);
    expect(record.classCounts).toBeNull();
  });

  it('refuses to delete a dataset a task uses, and deletes it otherwise', async () => {
    const dir = tmp();
    const registry = new DatasetRegistry(dir);
    const { record } = await registry.register(csvUpload(syntheticCsv({ rows: 20 }), { label: 'y' }));
    expect(await codeOf(() => registry.delete(record.id, ['task-1']))).toBe(ErrorCodes.DATASET_IN_USE);
    registry.delete(record.id, []);
    expect(registry.find(record.id)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    expect(new DatasetRegistry(dir).find(record.id)).toBeNull();
  });

  it('sweeps a registration a crash interrupted before its rename: nothing half-registered', () => {
    const dir = tmp();
    const partial = path.join(dir, '.incoming-1234', 'files');
    mkdirSync(partial, { recursive: true });
    writeFileSync(path.join(partial, 'table'), 'x1,y\n1,');
    mkdirSync(path.join(dir, 'ds-notfinished'));
    mkdirSync(path.join(dir, 'ds-corrupt'));
    writeFileSync(path.join(dir, 'ds-corrupt', 'dataset.json'), '{"record": {"id": "ds-cor');

    const registry = new DatasetRegistry(dir);

    expect(registry.list().filter((d) => !d.builtin)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['ds-corrupt', 'ds-notfinished']);
  });
});
