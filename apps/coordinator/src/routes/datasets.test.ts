// The dataset registry over a real socket: upload, dedupe, list, delete, and every refusal coded
// with nothing stored (oversized body, ragged CSV, unknown label, mismatched IDX counts, in use).

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@flotilla/protocol';
import { api, operatorHeaders, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv, syntheticIdx } from '../testing/syntheticDatasets.ts';

const UPLOAD_LIMIT = 64 * 1024;

function form(fields: Record<string, string>, files: Record<string, { bytes: Uint8Array | string; name: string }>): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const [role, file] of Object.entries(files)) body.append(role, new Blob([file.bytes as BlobPart]), file.name);
  return body;
}

async function upload(url: string, body: FormData, token: string | null = 'default') {
  const response = await fetch(`${url}/api/datasets`, { method: 'POST', body, headers: token === null ? {} : operatorHeaders() });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

describe('/api/datasets', () => {
  let coordinator: TestCoordinator;
  const stored = () => readdirSync(path.join(coordinator.dataDir, 'datasets'));

  beforeAll(async () => {
    coordinator = await startTestCoordinator({ datasets: { maxUploadBytes: UPLOAD_LIMIT } });
  });
  afterAll(() => coordinator.close());

  it('registers a CSV with its client column (201), returns the same record for the same content (200), lists and shows it', async () => {
    const events: string[] = [];
    const unsubscribe = coordinator.app.coordinator.bus.subscribe((e) => events.push(e.type));
    const csv = syntheticCsv({ rows: 60, clients: 3 });
    const first = await upload(coordinator.url, form({ format: 'csv', name: 'clinics', label: 'y', clientColumn: 'hospital' }, { table: { bytes: csv, name: 'clinics.csv' } }));
    const again = await upload(coordinator.url, form({ format: 'csv', name: 'clinics again', label: 'y', clientColumn: 'hospital' }, { table: { bytes: csv, name: 'other.csv' } }));
    unsubscribe();

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'clinics', format: 'csv', count: 60, numClients: 3, builtin: false, schema: { kind: 'tabular', label: 'y' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(events.filter((t) => t === 'dataset.imported')).toHaveLength(1);
    const list = await api<DatasetRecord[]>(coordinator.url, '/api/datasets');
    expect(list.body.map((d) => d.id)).toEqual(['mnist', 'mnist-test', first.body.id]);
    expect((await api(coordinator.url, `/api/datasets/${String(first.body.id)}`)).body).toEqual(first.body);
  });

  it('is for the operator only', async () => {
    const csv = syntheticCsv({ rows: 10 });
    expect((await upload(coordinator.url, form({ format: 'csv', label: 'y' }, { table: { bytes: csv, name: 'a.csv' } }), null)).status).toBe(401);
    expect((await api(coordinator.url, '/api/datasets', { token: null })).status).toBe(401);
  });

  it('answers a body past the upload limit with 413 FLT_DATASET_TOO_LARGE and stores nothing', async () => {
    const before = stored();
    const big = syntheticCsv({ rows: 3000 });
    expect(big.length).toBeGreaterThan(UPLOAD_LIMIT);
    const response = await upload(coordinator.url, form({ format: 'csv', label: 'y' }, { table: { bytes: big, name: 'big.csv' } }));

    expect(response.status).toBe(413);
    expect(response.body.code).toBe('FLT_DATASET_TOO_LARGE');
    expect(stored()).toEqual(before);
  });

  it('refuses a ragged CSV naming the row and the DATA_* code, and stores nothing', async () => {
    const before = stored();
    const response = await upload(coordinator.url, form({ format: 'csv', label: 'y' }, { table: { bytes: 'a,b,y\n1,2,p\n3,4,q\n5,r\n', name: 'ragged.csv' } }));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FLT_DATASET_INVALID', detail: { code: 'DATA_CSV_RAGGED_ROW', file: 'ragged.csv', line: 4 } });
    expect(response.body.message).toMatch(/ragged\.csv, line 4/);
    expect(stored()).toEqual(before);
  });

  it('refuses a label outside a given (strict) schema, naming line and column', async () => {
    const schema = { kind: 'tabular', features: [{ name: 'a', kind: 'numeric' }], label: 'y', target: { type: 'classification', classes: ['p', 'q'] } };
    const response = await upload(coordinator.url, form({ format: 'csv', schema: JSON.stringify(schema) }, { table: { bytes: 'a,y\n1,p\n2,z\n', name: 't.csv' } }));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FLT_DATASET_INVALID', detail: { code: 'DATA_CSV_UNKNOWN_LABEL', line: 3, column: 2, columnName: 'y' } });
  });

  it('refuses an IDX pair whose counts differ, and bad options, with coded errors', async () => {
    const before = stored();
    const { images, labels } = syntheticIdx(20, 4, 4, 2, 19);
    const mismatched = await upload(coordinator.url, form({ format: 'idx' }, { images: { bytes: images, name: 'img.idx' }, labels: { bytes: labels, name: 'lab.idx' } }));
    const noLabel = await upload(coordinator.url, form({ format: 'csv' }, { table: { bytes: 'a,y\n1,p\n', name: 't.csv' } }));
    const unknownFormat = await upload(coordinator.url, form({ format: 'parquet' }, { table: { bytes: 'x', name: 't' } }));
    const missingFile = await upload(coordinator.url, form({ format: 'idx' }, { images: { bytes: images, name: 'img.idx' } }));

    expect(mismatched.status).toBe(400);
    expect(mismatched.body).toMatchObject({ code: 'FLT_DATASET_INVALID', detail: { code: 'DATA_IDX_COUNT_MISMATCH', file: 'lab.idx' } });
    for (const r of [noLabel, unknownFormat, missingFile]) expect([r.status, r.body.code]).toEqual([400, 'FLT_DATASET_INVALID']);
    expect(stored()).toEqual(before);
  });

  it('refuses to delete a dataset a created task uses (409), and deletes it once the task is stopped', async () => {
    const csv = syntheticCsv({ rows: 40, seed: 9 });
    const { body: record } = await upload(coordinator.url, form({ format: 'csv', label: 'y' }, { table: { bytes: csv, name: 'd.csv' } }));
    const task = await api<{ id: string }>(coordinator.url, '/api/tasks', {
      method: 'POST', body: { name: 'uses it', model: { kind: 'schema', architecture: 'logreg' }, data: { dataset: record.id, partition: { kind: 'iid', numClients: 2, seed: 1 } }, baseline: { enabled: false } },
    });
    expect(task.status).toBe(201);

    const refused = await api(coordinator.url, `/api/datasets/${String(record.id)}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'FLT_DATASET_IN_USE' });
    expect((await api(coordinator.url, '/api/datasets/mnist', { method: 'DELETE' })).status).toBe(409);

    await api(coordinator.url, `/api/tasks/${task.body.id}/stop`, { method: 'POST' });
    expect((await api(coordinator.url, `/api/datasets/${String(record.id)}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(coordinator.url, `/api/datasets/${String(record.id)}`)).status).toBe(404);
  });
});
