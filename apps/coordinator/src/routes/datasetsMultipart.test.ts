// Multipart oddities on POST /api/datasets (red team): a body without a boundary, a field cut at
// the field size, a field given twice and too many parts each get a coded 4xx, never a 500, and
// nothing is stored.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorHeaders, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';

const BOUNDARY = 'redteam-boundary';

/** A multipart body written by hand, to send what FormData never would. */
function multipart(parts: Array<{ name: string; value: string; filename?: string }>): string {
  const body = parts.map((p) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}\r\n\r\n${p.value}\r\n`);
  return `${body.join('')}--${BOUNDARY}--\r\n`;
}

async function post(url: string, body: string, contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
  const response = await fetch(`${url}/api/datasets`, { method: 'POST', body, headers: { ...operatorHeaders(), 'content-type': contentType } });
  return { status: response.status, body: await response.json() as { code: string; message: string } };
}

describe('POST /api/datasets with odd multipart bodies', () => {
  let coordinator: TestCoordinator;
  const stored = () => readdirSync(path.join(coordinator.dataDir, 'datasets'));
  const csv = syntheticCsv({ rows: 20, seed: 5 });

  beforeAll(async () => {
    coordinator = await startTestCoordinator({ datasets: { maxUploadBytes: 64 * 1024 } });
  });
  afterAll(() => coordinator.close());

  it('answers a multipart body without a boundary, or one that is not multipart inside, with 400 FLT_DATASET_INVALID', async () => {
    const noBoundary = await post(coordinator.url, multipart([{ name: 'format', value: 'csv' }]), 'multipart/form-data');
    const garbage = await post(coordinator.url, 'not multipart at all');

    expect([noBoundary.status, noBoundary.body.code]).toEqual([400, 'FLT_DATASET_INVALID']);
    expect([garbage.status, garbage.body.code]).toEqual([400, 'FLT_DATASET_INVALID']);
    expect(stored()).toEqual([]);
  });

  it('refuses a field given twice instead of reading the last one', async () => {
    const response = await post(coordinator.url, multipart([
      { name: 'format', value: 'csv' }, { name: 'label', value: 'x1' }, { name: 'label', value: 'y' }, { name: 'table', value: csv, filename: 't.csv' },
    ]));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'FLT_DATASET_INVALID', message: "the field 'label' is given twice" });
    expect(stored()).toEqual([]);
  });

  it('refuses a field longer than the field size instead of reading it cut', async () => {
    const response = await post(coordinator.url, multipart([
      { name: 'format', value: 'csv' }, { name: 'label', value: 'y' }, { name: 'categorical', value: 'c,'.repeat(2 * 1024 * 1024 + 10) },
      { name: 'table', value: csv, filename: 't.csv' },
    ]));

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('FLT_DATASET_INVALID');
    expect(response.body.message).toMatch(/'categorical' is longer than/);
    expect(stored()).toEqual([]);
  });

  it('says which count too many fields or files exceed (413)', async () => {
    const fields = await post(coordinator.url, multipart(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, value: 'x' }))));
    const files = await post(coordinator.url, multipart(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, value: 'x', filename: 'a' }))));

    expect(fields.status).toBe(413);
    expect(fields.body).toMatchObject({ code: 'FLT_DATASET_TOO_LARGE', message: expect.stringMatching(/fields/) });
    expect(files.status).toBe(413);
    expect(files.body).toMatchObject({ code: 'FLT_DATASET_TOO_LARGE', message: expect.stringMatching(/files/) });
    expect(stored()).toEqual([]);
  });
});
